package dev.sluice.benchmarks;

import java.util.concurrent.TimeUnit;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.HostAccess;
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
 * The floor of Sluice's single call ({@code filter.execute(byte[])}, {@link SocketFilterBenchmark#singleCall}): the same
 * host-to-guest call, {@code Value.execute} per packet over the same 10,000 packets, into other guests on the same
 * engine and JVM flags:
 *
 * <ul>
 *   <li>{@code sluice-tcp-port-80}: the filter, as in SocketFilterBenchmark's single call;
 *   <li>{@code sluice-ret-0}: a {@code ret #0} filter, so the call's own cost in Sluice;
 *   <li>{@code js-tcp-port-80}: GraalJS, tcpdump's {@code tcp port 80} program written as a JS function over the
 *       host {@code byte[]} ({@link #JS_TCP_PORT_80}): the same work as the filter, in another Truffle language;
 *   <li>{@code js-length}: GraalJS, {@code (b) => b.length} on the same host {@code byte[]} (the guest reaches into the
 *       host array, as the filter does);
 *   <li>{@code js-constant}: GraalJS, {@code (b) => 0} with the same argument (the call alone).
 * </ul>
 *
 * Variants for {@link #main} (not JMH parameters): {@code -unblinded} after a Sluice callee loads it with
 * {@code bpf.ConstantBlinding=off}; {@code -entered} after any callee runs each pass with its context entered.
 *
 * (GraalWasm is left out: it is not on Maven Central at the project's Graal version, 25.0.3.)
 *
 * Each trial warms up until the host-to-guest root of {@code Value.execute} has Tier 2 code ({@link CompileWatch}),
 * which inlines the guest function, then JMH warms up and measures. After the measurement it prints the fastest and
 * the median pass over the packets ({@code call-floor-min}), as the other harnesses do on this shared machine.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
public class CallFloorBenchmark {
    public static final int PACKETS = SocketFilterBenchmark.PACKETS;

    @Param({"sluice-tcp-port-80", "sluice-ret-0", "js-tcp-port-80", "js-length", "js-constant"})
    public String callee;

    /** {@code ret #0}: one struct sock_filter {code 0x06, jt 0, jf 0, k 0}, host (little-endian) byte order. */
    private static final byte[] RET_0 = {0x06, 0, 0, 0, 0, 0, 0, 0};

    /**
     * tcpdump's {@code tcp port 80} ({@code benchmarks/data/tcp-port-80.ddd}) as JavaScript, statement by statement:
     * the same loads in the same order, and 0 where a load of the classic program would fall outside the packet (which
     * ends the filter with 0). Bytes of a host byte[] arrive signed, hence {@code & 255}. setUp checks that it
     * accepts what libpcap accepts.
     */
    static final String JS_TCP_PORT_80 = """
            (function (b) {
              var n = b.length;
              if (n < 14) return 0;
              var type = ((b[12] & 255) << 8) | (b[13] & 255);
              if (type === 0x86dd) {
                if (n < 21 || (b[20] & 255) !== 6 || n < 56) return 0;
                if ((((b[54] & 255) << 8) | (b[55] & 255)) === 80) return 262144;
                if (n < 58) return 0;
                return (((b[56] & 255) << 8) | (b[57] & 255)) === 80 ? 262144 : 0;
              }
              if (type !== 0x800 || n < 24 || (b[23] & 255) !== 6) return 0;
              if (((((b[20] & 255) << 8) | (b[21] & 255)) & 0x1fff) !== 0) return 0;
              var x = 4 * (b[14] & 15);
              if (n < x + 16) return 0;
              if ((((b[x + 14] & 255) << 8) | (b[x + 15] & 255)) === 80) return 262144;
              if (n < x + 18) return 0;
              return (((b[x + 16] & 255) << 8) | (b[x + 17] & 255)) === 80 ? 262144 : 0;
            })
            """;

    private Context context;
    private Value function;
    /** The callee without its {@code -entered} suffix. */
    private String kind;
    /**
     * {@code -entered}: the calls of a pass run with the context entered on the thread ({@code Context.enter}), as an
     * embedder may do around a loop of calls; then each call's own enter and leave take their fast path.
     */
    private boolean entered;

    private byte[][] packets;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        packets = PacketSet.load().toArray(byte[][]::new);
        if (packets.length != PACKETS) {
            throw new IllegalStateException("the packet set has " + packets.length + " frames, expected " + PACKETS);
        }
        CompileWatch watch = new CompileWatch();
        String hostRoot;
        entered = callee.endsWith("-entered");
        kind = entered ? callee.substring(0, callee.length() - "-entered".length()) : callee;
        switch (kind) {
            case "sluice-tcp-port-80", "sluice-ret-0", "sluice-tcp-port-80-unblinded", "sluice-ret-0-unblinded" -> {
                Tier tier = kind.endsWith("-unblinded") ? Tier.UNBLINDED : Tier.COMPILED;
                context = Sluice.context("socket", tier, watch);
                byte[] raw = kind.startsWith("sluice-ret-0") ? RET_0 : Sluice.packetFilter("tcp-port-80");
                function = Sluice.load(context, "socket", callee, raw);
                hostRoot = CompileWatch.HOST_EXECUTE;
            }
            case "js-tcp-port-80", "js-length", "js-constant" -> {
                context = traced(Context.newBuilder("js"), watch)
                        // JS reads b.length through interop; Sluice's filter unwraps the host array without it.
                        .allowHostAccess(HostAccess.newBuilder(HostAccess.EXPLICIT)
                                .allowArrayAccess(true)
                                .build())
                        .build();
                function = context.eval(
                        "js",
                        switch (kind) {
                            case "js-tcp-port-80" -> JS_TCP_PORT_80;
                            case "js-length" -> "(function (b) { return b.length; })";
                            default -> "(function (b) { return 0; })";
                        });
                // GraalJS functions are JSFunctionObject.Unbound; the host root is named after the receiver's class.
                hostRoot = "org.graalvm.polyglot.Value<Unbound>.execute";
            }
            default -> throw new IllegalArgumentException("unknown callee " + callee);
        }
        String impl = context.getEngine().getImplementationName();
        if (impl.contains("Interpreted")) {
            throw new IllegalStateException("the Graal compiler is not active (engine: " + impl
                    + "); run with the flags in benchmarks/compare.sh");
        }
        long expected = expected();
        long got = kind.contains("tcp-port-80") ? accepted() : call();
        if (got != expected) {
            throw new IllegalStateException(callee + ": a pass gave " + got + ", expected " + expected);
        }
        watch.warmUntilCompiled(this::call, CompileWatch.WARM_SECONDS, hostRoot);
        watch.settle(this::call, CompileWatch.SETTLE_SECONDS);
        System.err.printf("[sluice-bench] %s: Tier 2 roots: %s%n", callee, watch.compiledRoots());
        System.err.printf("[sluice-bench] %s: %s%n", callee, watch.lastTierLine(hostRoot));
    }

    private static Context.Builder traced(Context.Builder b, CompileWatch watch) {
        return b.allowExperimentalOptions(true)
                .option("engine.TraceCompilation", "true")
                .logHandler(watch);
    }

    /** The packets accepted (non-zero results): for tcp port 80. */
    private long accepted() {
        long n = 0;
        for (byte[] p : packets) {
            if (function.execute(p).asLong() != 0) {
                n++;
            }
        }
        return n;
    }

    /** What a pass must give: for tcp port 80 the packets libpcap accepts (1305), else the sum of the results. */
    private long expected() {
        return switch (kind) {
            case "sluice-tcp-port-80", "sluice-tcp-port-80-unblinded", "js-tcp-port-80" -> 1305;
            case "sluice-ret-0", "sluice-ret-0-unblinded", "js-constant" -> 0;
            default -> {
                long sum = 0;
                for (byte[] p : packets) {
                    sum += p.length;
                }
                yield sum;
            }
        };
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        long[] passes = SocketFilterBenchmark.minimumAndMedian(this::call);
        System.out.printf(
                "call-floor-min %s %.2f %.2f%n", callee, passes[0] / (double) PACKETS, passes[1] / (double) PACKETS);
        context.close();
    }

    /** Calls per timed chunk of the rotation in {@link #main}: 1,000 packets, a tenth of the set. */
    static final int CHUNK = 1_000;

    /**
     * All callees in one JVM, timed in rotation for {@code seconds} (default 20): each round times one chunk of 1,000
     * calls (the next tenth of the packet set) of every callee in turn, so every callee is timed under the same load;
     * a JMH trial of one callee and the next trial minutes later do not see the same load on a shared machine. Short
     * chunks are more often undisturbed than whole passes. A callee's figure is the sum over the ten chunks of each
     * chunk's fastest time (a fastest pass over all 10,000 packets, chunk by chunk) and the median over all timed
     * chunks, in ns per call, with the ratios to GraalJS's. Each callee is warmed until its host-to-guest root has
     * Tier 2 code, as in the JMH trials.
     */
    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        String[] callees = args.length > 1
                ? java.util.Arrays.copyOfRange(args, 1, args.length)
                : new String[] {
                    "sluice-tcp-port-80",
                    "sluice-tcp-port-80-unblinded",
                    "sluice-ret-0",
                    "js-tcp-port-80",
                    "js-length",
                    "js-constant",
                    "sluice-tcp-port-80-entered",
                    "sluice-ret-0-entered",
                    "js-tcp-port-80-entered",
                    "js-constant-entered"
                };
        int jsConstant = java.util.Arrays.asList(callees).indexOf("js-constant");
        int jsTcp = java.util.Arrays.asList(callees).indexOf("js-tcp-port-80");
        if (jsConstant < 0 || jsTcp < 0) {
            throw new IllegalArgumentException(
                    "the callees must include js-constant and js-tcp-port-80 (the yardsticks)");
        }
        CallFloorBenchmark[] benches = new CallFloorBenchmark[callees.length];
        for (int i = 0; i < callees.length; i++) {
            benches[i] = new CallFloorBenchmark();
            benches[i].callee = callees[i];
            benches[i].setUp();
        }
        int chunks = PACKETS / CHUNK;
        int maxRounds = 1_000_000;
        long[][] fastest = new long[callees.length][chunks];
        for (long[] f : fastest) {
            java.util.Arrays.fill(f, Long.MAX_VALUE);
        }
        long[][] all = new long[callees.length][maxRounds];
        long sink = 0;
        int rounds = 0;
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        while (rounds < maxRounds && System.nanoTime() < end) {
            int chunk = rounds % chunks;
            for (int k = 0; k < callees.length; k++) {
                int i = (k + rounds / chunks) % callees.length; // each callee in every position in turn
                long t0 = System.nanoTime();
                sink += benches[i].call(chunk * CHUNK, (chunk + 1) * CHUNK);
                long t = System.nanoTime() - t0;
                all[i][rounds] = t;
                fastest[i][chunk] = Math.min(fastest[i][chunk], t);
            }
            rounds++;
        }
        System.out.printf(
                "call-floor interleaved: %d rounds of %d calls per callee, load %s%n",
                rounds,
                CHUNK,
                java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg"))
                        .trim());
        double[] min = new double[callees.length];
        for (int i = 0; i < callees.length; i++) {
            long sum = 0;
            for (long f : fastest[i]) {
                sum += f;
            }
            min[i] = sum / (double) PACKETS;
        }
        System.out.printf("%-20s %9s %9s %13s %13s%n", "callee", "min ns", "median ns", "min/js-const", "min/js-tcp80");
        for (int i = 0; i < callees.length; i++) {
            long[] t = java.util.Arrays.copyOf(all[i], rounds);
            java.util.Arrays.sort(t);
            System.out.printf(
                    "%-20s %9.2f %9.2f %12.2fx %12.2fx%n",
                    callees[i], min[i], t[rounds / 2] / (double) CHUNK, min[i] / min[jsConstant], min[i] / min[jsTcp]);
        }
        for (CallFloorBenchmark b : benches) {
            b.context.close();
        }
        if (sink == 42) {
            System.out.println(); // keeps the calls from being optimized away
        }
    }

    /** One {@code Value.execute} per packet; the sum of the results is returned so that no call can be dropped. */
    @Benchmark
    @OperationsPerInvocation(PACKETS)
    public long call() {
        return call(0, PACKETS);
    }

    /** {@link #call} over packets {@code from} to {@code to} (exclusive). */
    long call(int from, int to) {
        if (entered) {
            context.enter();
        }
        try {
            long sum = 0;
            for (int i = from; i < to; i++) {
                sum += function.execute(packets[i]).asLong();
            }
            return sum;
        } finally {
            if (entered) {
                context.leave();
            }
        }
    }
}
