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
 *   <li>{@code js-length}: GraalJS, {@code (b) => b.length} on the same host {@code byte[]} (the guest reaches into the
 *       host array, as the filter does);
 *   <li>{@code js-constant}: GraalJS, {@code (b) => 0} with the same argument (the call alone).
 * </ul>
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

    @Param({"sluice-tcp-port-80", "sluice-ret-0", "js-length", "js-constant"})
    public String callee;

    /** {@code ret #0}: one struct sock_filter {code 0x06, jt 0, jf 0, k 0}, host (little-endian) byte order. */
    private static final byte[] RET_0 = {0x06, 0, 0, 0, 0, 0, 0, 0};

    private Context context;
    private Value function;
    private byte[][] packets;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        packets = PacketSet.load().toArray(byte[][]::new);
        if (packets.length != PACKETS) {
            throw new IllegalStateException("the packet set has " + packets.length + " frames, expected " + PACKETS);
        }
        CompileWatch watch = new CompileWatch();
        String hostRoot;
        switch (callee) {
            case "sluice-tcp-port-80", "sluice-ret-0" -> {
                context = Sluice.context("socket", Tier.COMPILED, watch);
                byte[] raw = callee.equals("sluice-ret-0") ? RET_0 : Sluice.packetFilter("tcp-port-80");
                function = Sluice.load(context, "socket", callee, raw);
                hostRoot = CompileWatch.HOST_EXECUTE;
            }
            case "js-length", "js-constant" -> {
                context = traced(Context.newBuilder("js"), watch)
                        // JS reads b.length through interop; Sluice's filter unwraps the host array without it.
                        .allowHostAccess(HostAccess.newBuilder(HostAccess.EXPLICIT)
                                .allowArrayAccess(true)
                                .build())
                        .build();
                function = context.eval(
                        "js",
                        callee.equals("js-length")
                                ? "(function (b) { return b.length; })"
                                : "(function (b) { return 0; })");
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
        long got = callee.equals("sluice-tcp-port-80") ? accepted() : call();
        if (got != expected) {
            throw new IllegalStateException(callee + ": a pass gave " + got + ", expected " + expected);
        }
        watch.warmUntilCompiled(this::call, CompileWatch.WARM_SECONDS, hostRoot);
        System.err.printf("[sluice-bench] %s: Tier 2 roots: %s%n", callee, watch.compiledRoots());
        System.err.printf("[sluice-bench] %s: %s%n", callee, watch.lastTierLine(hostRoot));
    }

    private static Context.Builder traced(Context.Builder b, CompileWatch watch) {
        return b.allowExperimentalOptions(true)
                .option("engine.TraceCompilation", "true")
                .logHandler(watch);
    }

    /** The packets tcp port 80 accepts (non-zero verdicts). */
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
        return switch (callee) {
            case "sluice-tcp-port-80" -> 1305;
            case "sluice-ret-0", "js-constant" -> 0;
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

    /** One {@code Value.execute} per packet; the sum of the results is returned so that no call can be dropped. */
    @Benchmark
    @OperationsPerInvocation(PACKETS)
    public long call() {
        long sum = 0;
        for (byte[] p : packets) {
            sum += function.execute(p).asLong();
        }
        return sum;
    }
}
