package dev.sluice.benchmarks;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * eBPF, first figures: {@code xdpBatch} runs {@code examples/ebpf/xdp-ipv4.s} (bounds check against data_end, the
 * Ethernet type, XDP_PASS or XDP_DROP) over the generated packet set in one {@code runBatch}, in ns per packet;
 * {@code socketBatch} runs the socket filter {@code examples/ebpf/socket-tcp-port-80.s} (legacy LD_ABS/LD_IND packet
 * loads and {@code skb->len}; the frames seen from their link-layer header, as on an AF_PACKET socket) over the same
 * set in the same way;
 * {@code loop} runs a counted loop of {@link #TRIPS} trips of 3 instructions (the trip count read from memory, so it
 * is not a constant: unverified, under the fuel guard), in ns per trip; {@code constantLoop} the same loop with the
 * count as a constant, verified, so without fuel checks: the program the kernel's JIT is compared with;
 * {@code treeBatch} runs {@link #tree()}, a compare-heavy raw program (a balanced tree of 31 {@code jgt} with a verdict
 * at each of its 32 leaves, the shape of a seccomp policy's syscall tree), over {@link #TREE_RECORDS} 8-byte records in
 * one {@code runBatch}, in ns per record: with {@code blinding=on} every comparand and verdict is blinded.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
public class EbpfBenchmark {
    public static final int TRIPS = 10_000;
    public static final int TREE_RECORDS = 4096;
    /** The tree's leaves: leaf i answers {@code i + 1} for the values {@code 15 i} to {@code 15 i + 14}. */
    static final int TREE_LEAVES = 32, TREE_STEP = 15;

    /** {@code ldxw r2, [r1]}, then the tree of {@code jgt r2, K} over [0, 32 * 15) down to {@code mov r0, leaf; exit}. */
    static String tree() {
        StringBuilder text = new StringBuilder("ldxw %r2, [%r1+0]\n");
        tree(text, 0, TREE_LEAVES, new int[1]);
        return text.toString();
    }

    private static void tree(StringBuilder text, int low, int high, int[] labels) {
        if (high - low == 1) {
            text.append("mov %r0, ").append(low + 1).append("\nexit\n");
            return;
        }
        int middle = (low + high) / 2;
        String upper = "upper" + labels[0]++;
        text.append("jgt %r2, ")
                .append(middle * TREE_STEP - 1)
                .append(", ")
                .append(upper)
                .append('\n');
        tree(text, low, middle, labels);
        text.append(upper).append(":\n");
        tree(text, middle, high, labels);
    }

    static final String LOOP = """
                    mov %r0, 0
                    ldxdw %r3, [%r1]
                    loop:
                    add %r0, %r3
                    sub %r3, 1
                    jne %r3, 0, loop
                    exit
                    """;
    /**
     * The same loop with its trip count as a constant, as the kernel's verifier needs it bounded: the verifier proves
     * that a run executes at most 30,003 instructions, so it runs with no fuel check (benchmarks/ebpf-compare.sh loads
     * these very instructions into the kernel).
     */
    static final String CONSTANT_LOOP = """
                    mov %r0, 0
                    mov %r3, 10000
                    loop:
                    add %r0, %r3
                    sub %r3, 1
                    jne %r3, 0, loop
                    exit
                    """;

    @Param({"compiled", "interpreter"})
    public String tier;
    /**
     * ebpf.Verify of the XDP program: true (the default) runs its proven packet loads without their guard, false runs
     * every load under it. The loop reads its trip count from memory, which no verifier bounds: it always runs
     * unverified, under the fuel guard.
     */
    @Param({"true", "false"})
    public String verify;
    /**
     * ebpf.ConstantBlinding of every program here (docs/guards.md, "Constant blinding of eBPF"): off, the default for
     * these privileged loads, or on, what unprivileged loads get by default.
     */
    @Param({"off", "on"})
    public String blinding;

    private Context context;
    private Value xdp;
    private Context socketContext;
    private Value socket;
    private long[] socketResults;
    private Value loop;
    private Context treeContext;
    private Value tree;
    private final byte[] treeRecords = new byte[8 * TREE_RECORDS];
    private final int[] treeOffsets = new int[TREE_RECORDS];
    private final int[] treeLengths = new int[TREE_RECORDS];
    private final long[] treeResults = new long[TREE_RECORDS];
    private byte[] buffer;
    private int[] offsets;
    private int[] lengths;
    private long[] results;
    private final byte[] trips =
            ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(TRIPS).array();

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        List<byte[]> frames = PacketSet.load();
        int n = frames.size();
        if (n != SocketFilterBenchmark.PACKETS) {
            throw new IllegalStateException("the packet set has " + n + " frames; the per-packet figures assume "
                    + SocketFilterBenchmark.PACKETS);
        }
        offsets = new int[n];
        lengths = new int[n];
        results = new long[n];
        socketResults = new long[n];
        int total = 0;
        for (byte[] p : frames) {
            total += p.length;
        }
        buffer = new byte[total];
        int at = 0;
        for (int i = 0; i < n; i++) {
            System.arraycopy(frames.get(i), 0, buffer, at, frames.get(i).length);
            offsets[i] = at;
            lengths[i] = frames.get(i).length;
            at += frames.get(i).length;
        }
        CompileWatch watch = new CompileWatch();
        context = newContext(watch, verify, "ebpf.ProgramType", "xdp");
        if (Tier.of(tier).compiles()
                && context.getEngine().getImplementationName().contains("Interpreted")) {
            throw new IllegalStateException(
                    "the Graal compiler is not active; run with the flags in docs/performance.md");
        }
        String xdpText = Files.readString(
                Path.of(System.getProperty("sluice.bench.examples", "examples")).resolve("ebpf/xdp-ipv4.s"));
        xdp = context.eval(Source.newBuilder("ebpf", xdpText, "xdp-ipv4")
                .mimeType("text/x-ebpf")
                .build());
        // The socket filter's context: the frames from their link-layer header (ebpf.SocketData=link), so skb->len is
        // the frame's length, as ebpf_kernel_peer.c runs it in the kernel (a dummy Ethernet header in front).
        socketContext = newContext(watch, verify, "ebpf.ProgramType", "socket_filter", "ebpf.SocketData", "link");
        String socketText = Files.readString(
                Path.of(System.getProperty("sluice.bench.examples", "examples")).resolve("ebpf/socket-tcp-port-80.s"));
        socket = socketContext.eval(Source.newBuilder("ebpf", socketText, "socket-tcp-port-80")
                .mimeType("text/x-ebpf")
                .build());
        // The loop is a raw program (r1 = memory), so it gets a context of its own.
        loopContext = newContext(watch, "false");
        loop = loopContext.eval(
                Source.newBuilder("ebpf", LOOP, "loop").mimeType("text/x-ebpf").build());
        constantLoopContext = newContext(watch, "true");
        constantLoop = constantLoopContext.eval(Source.newBuilder("ebpf", CONSTANT_LOOP, "constant-loop")
                .mimeType("text/x-ebpf")
                .build());
        if (xdp.getMember("constantBlinding").asBoolean() != blinding.equals("on")) {
            throw new IllegalStateException("ebpf.ConstantBlinding=" + blinding + " did not apply");
        }
        if (constantLoop() != (long) TRIPS * (TRIPS + 1) / 2) {
            throw new IllegalStateException("the constant loop computed " + constantLoop());
        }
        if (loop() != (long) TRIPS * (TRIPS + 1) / 2) {
            throw new IllegalStateException("the loop program computed " + loop());
        }
        Random values = new Random(31);
        for (int i = 0; i < TREE_RECORDS; i++) {
            int value = values.nextInt(TREE_LEAVES * TREE_STEP);
            ByteBuffer.wrap(treeRecords, 8 * i, 8)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(value);
            treeOffsets[i] = 8 * i;
            treeLengths[i] = 8;
        }
        treeContext = newContext(watch, verify);
        tree = treeContext.eval(Source.newBuilder("ebpf", tree(), "tree")
                .mimeType("text/x-ebpf")
                .build());
        treeBatch();
        for (int i = 0; i < TREE_RECORDS; i++) {
            int value = ByteBuffer.wrap(treeRecords, 8 * i, 4)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .getInt();
            if (treeResults[i] != value / TREE_STEP + 1) {
                throw new IllegalStateException("the tree gave " + treeResults[i] + " for " + value);
            }
        }
        long passed = xdpBatch();
        System.err.printf("[sluice-bench] xdp-ipv4: %d of %d packets give a nonzero action%n", passed, n);
        System.err.printf("[sluice-bench] socket-tcp-port-80: %d of %d packets kept%n", socketBatch(), n);
        if (Tier.of(tier).compiles()) {
            // As for classic BPF (CompileWatch): the host-to-guest roots reach Tier 2 with the program's root inlined.
            watch.warmUntilCompiled(
                    this::xdpBatch, CompileWatch.WARM_SECONDS, "org.graalvm.polyglot.Value<EbpfProgram>.invoke");
            watch.warmUntilCompiled(
                    this::socketBatch, CompileWatch.WARM_SECONDS, "org.graalvm.polyglot.Value<EbpfProgram>.invoke");
            watch.warmUntilCompiled(
                    this::loop, CompileWatch.WARM_SECONDS, "org.graalvm.polyglot.Value<EbpfProgram>.execute");
            watch.warmUntilCompiled(
                    this::treeBatch, CompileWatch.WARM_SECONDS, "org.graalvm.polyglot.Value<EbpfProgram>.invoke");
            watch.warmUntilCompiled(
                    this::constantLoop, CompileWatch.WARM_SECONDS, "org.graalvm.polyglot.Value<EbpfProgram>.execute");
        }
    }

    /**
     * A context for one program: the trial's tier and blinding, ebpf.Verify as given, compilations reported to
     * {@code watch}, and {@code options} as name-value pairs.
     */
    private Context newContext(CompileWatch watch, String verifyValue, String... options) {
        Context.Builder b = Context.newBuilder("ebpf")
                .allowExperimentalOptions(true)
                .option("ebpf.Verify", verifyValue)
                .option("ebpf.ConstantBlinding", blinding)
                .option("engine.TraceCompilation", "true")
                .logHandler(watch);
        for (int i = 0; i < options.length; i += 2) {
            b.option(options[i], options[i + 1]);
        }
        Tier.of(tier).configure(b);
        return b.build();
    }

    private Context loopContext;
    private Context constantLoopContext;
    private Value constantLoop;

    /**
     * After the measurement, the verdicts of the compiled code that was timed, appended to
     * {@code -Dsluice.bench.verdicts=FILE} as {@code sluice-ebpf-verdicts xdp|socket TIER VERIFY NONZERO FNV-HASH} (the
     * hash of benchmarks/native/ebpf_kernel_peer.c, which the kernel's verdicts must match), and the fastest and median
     * passes: {@code sluice-ebpf-min xdp|socket|loop|constant-loop TIER VERIFY MIN MEDIAN} in ns per packet or per
     * trip.
     */
    @TearDown(Level.Trial)
    public void tearDown() throws java.io.IOException {
        String file = System.getProperty("sluice.bench.verdicts");
        if (file != null) {
            xdpBatch();
            int[] verdicts = new int[results.length];
            for (int i = 0; i < results.length; i++) {
                verdicts[i] = (int) results[i];
            }
            long[] xdpPasses = SocketFilterBenchmark.minimumAndMedian(this::xdpBatch);
            socketBatch();
            int[] socketVerdicts = new int[socketResults.length];
            for (int i = 0; i < socketResults.length; i++) {
                socketVerdicts[i] = (int) socketResults[i];
            }
            long[] socketPasses = SocketFilterBenchmark.minimumAndMedian(this::socketBatch);
            long[] loopPasses = SocketFilterBenchmark.minimumAndMedian(this::loop);
            long[] constantLoopPasses = SocketFilterBenchmark.minimumAndMedian(this::constantLoop);
            long[] treeMinimumAndMedian = SocketFilterBenchmark.minimumAndMedian(this::treeBatch);
            String line = String.format(
                            "sluice-ebpf-verdicts xdp %s %s %d %016x%n",
                            tier, verify, VerdictHash.accepted(verdicts), VerdictHash.of(verdicts))
                    + String.format(
                            "sluice-ebpf-min xdp %s %s %.2f %.2f%n",
                            tier,
                            verify,
                            xdpPasses[0] / (double) results.length,
                            xdpPasses[1] / (double) results.length)
                    + String.format(
                            "sluice-ebpf-verdicts socket %s %s %d %016x%n",
                            tier, verify, VerdictHash.accepted(socketVerdicts), VerdictHash.of(socketVerdicts))
                    + String.format(
                            "sluice-ebpf-min socket %s %s %.2f %.2f%n",
                            tier,
                            verify,
                            socketPasses[0] / (double) socketResults.length,
                            socketPasses[1] / (double) socketResults.length)
                    + String.format(
                            "sluice-ebpf-min loop %s %s %.3f %.3f%n",
                            tier, verify, loopPasses[0] / (double) TRIPS, loopPasses[1] / (double) TRIPS)
                    + String.format(
                            "sluice-ebpf-min constant-loop %s %s %.3f %.3f%n",
                            tier,
                            verify,
                            constantLoopPasses[0] / (double) TRIPS,
                            constantLoopPasses[1] / (double) TRIPS)
                    + String.format(
                            "sluice-ebpf-min tree %s %s %.3f %.3f%n",
                            tier,
                            verify,
                            treeMinimumAndMedian[0] / (double) TREE_RECORDS,
                            treeMinimumAndMedian[1] / (double) TREE_RECORDS);
            java.nio.file.Files.writeString(
                    Path.of(file),
                    line,
                    java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
        }
        context.close();
        socketContext.close();
        loopContext.close();
        constantLoopContext.close();
        treeContext.close();
    }

    @Benchmark
    @OperationsPerInvocation(SocketFilterBenchmark.PACKETS)
    public long xdpBatch() {
        return xdp.invokeMember("runBatch", buffer, offsets, lengths, results).asLong();
    }

    @Benchmark
    @OperationsPerInvocation(SocketFilterBenchmark.PACKETS)
    public long socketBatch() {
        return socket.invokeMember("runBatch", buffer, offsets, lengths, socketResults)
                .asLong();
    }

    @Benchmark
    @OperationsPerInvocation(TREE_RECORDS)
    public long treeBatch() {
        return tree.invokeMember("runBatch", treeRecords, treeOffsets, treeLengths, treeResults)
                .asLong();
    }

    @Benchmark
    @OperationsPerInvocation(TRIPS)
    public long loop() {
        return loop.execute(trips).asLong();
    }

    @Benchmark
    @OperationsPerInvocation(TRIPS)
    public long constantLoop() {
        return constantLoop.execute(trips).asLong();
    }
}
