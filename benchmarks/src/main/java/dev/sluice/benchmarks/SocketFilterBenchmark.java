package dev.sluice.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.graalvm.polyglot.Context;
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
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Packet filters from tcpdump over the generated packet set ({@link PacketSet}), reported in ns per packet:
 * {@code singleCall} = one {@code Value.execute(byte[])} per packet (host-to-guest call included), {@code batch} = one
 * {@code runBatch} over all packets in one buffer.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
public class SocketFilterBenchmark {
    public static final int PACKETS = 10_000;

    @Param({"tcp-port-80", "udp-dst-53", "vlan-tcp-syn", "host-list"})
    public String filter;

    @Param({"compiled", "unblinded", "interpreter"})
    public String tier;

    private Context context;
    private Value program;
    private byte[][] packets;
    private byte[] buffer;
    private int[] offsets;
    private int[] lengths;
    private int[] verdicts;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) throws Exception {
        List<byte[]> frames = PacketSet.load();
        if (frames.size() != PACKETS) {
            throw new IllegalStateException(
                    "the packet set has " + frames.size() + " frames; the per-packet figures assume " + PACKETS);
        }
        packets = frames.toArray(byte[][]::new);
        offsets = new int[PACKETS];
        lengths = new int[PACKETS];
        verdicts = new int[PACKETS];
        int total = 0;
        for (byte[] p : packets) {
            total += p.length;
        }
        buffer = new byte[total];
        int at = 0;
        for (int i = 0; i < PACKETS; i++) {
            System.arraycopy(packets[i], 0, buffer, at, packets[i].length);
            offsets[i] = at;
            lengths[i] = packets[i].length;
            at += packets[i].length;
        }
        CompileWatch watch = new CompileWatch();
        context = Sluice.context("socket", Tier.of(tier), watch);
        program = Sluice.load(context, "socket", filter, Sluice.packetFilter(filter));
        long single = singleCall();
        long batched = batch();
        if (single != batched) {
            throw new IllegalStateException(
                    filter + ": single calls accepted " + single + " packets, the batch " + batched);
        }
        if (Tier.of(tier).compiles()) {
            // Warm only what this trial measures: JMH runs each benchmark method in its own fork.
            if (params.getBenchmark().endsWith(".batch")) {
                watch.warmUntilCompiled(
                        this::batch, CompileWatch.WARM_SECONDS, CompileWatch.HOST_INVOKE, "bpf-socket-runBatch");
            } else {
                watch.warmUntilCompiled(this::singleCall, CompileWatch.WARM_SECONDS, CompileWatch.HOST_EXECUTE);
                watch.settle(this::singleCall, CompileWatch.SETTLE_SECONDS);
            }
        }
    }

    /**
     * After the measurement, with the code that was timed: the verdict of every packet through the measured entry
     * (single calls or the batch), appended to {@code -Dsluice.bench.verdicts=FILE} as
     * {@code sluice-verdicts FILTER TIER BENCHMARK ACCEPTED FNV-HASH}; compare.sh checks them against libpcap's.
     */
    @TearDown(Level.Trial)
    public void tearDown(BenchmarkParams params) throws IOException {
        String file = System.getProperty("sluice.bench.verdicts");
        if (file != null) {
            boolean batch = params.getBenchmark().endsWith(".batch");
            int[] results = new int[PACKETS];
            if (batch) {
                program.invokeMember("runBatch", buffer, offsets, lengths, results);
            } else {
                for (int i = 0; i < PACKETS; i++) {
                    results[i] = (int) program.execute(packets[i]).asLong();
                }
            }
            String entry = batch ? "batch" : "singleCall";
            String line = String.format(
                    "sluice-verdicts %s %s %s %d %016x%n",
                    filter, tier, entry, VerdictHash.accepted(results), VerdictHash.of(results));
            // The fastest passes over the whole set, timed one by one: on a shared machine the minimum is what the
            // code costs when nothing else runs on its core (the peers report theirs the same way).
            long[] passes = minimumAndMedian(batch ? this::batch : this::singleCall);
            line += String.format(
                    "sluice-min %s %s %s %.2f %.2f%n",
                    filter, tier, entry, passes[0] / (double) PACKETS, passes[1] / (double) PACKETS);
            Files.writeString(Path.of(file), line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
        context.close();
    }

    /** Times passes over the whole packet set one by one for about a second: {minimum, median} in ns per pass. */
    static long[] minimumAndMedian(java.util.function.LongSupplier pass) {
        long[] times = new long[20_000];
        int n = 0;
        long end = System.nanoTime() + 1_000_000_000L;
        long sink = 0;
        while (n < times.length && (n < 20 || System.nanoTime() < end)) {
            long t0 = System.nanoTime();
            sink += pass.getAsLong();
            times[n++] = System.nanoTime() - t0;
        }
        java.util.Arrays.sort(times, 0, n);
        if (sink < 0) {
            throw new AssertionError(); // keeps the passes from being optimized away
        }
        return new long[] {times[0], times[n / 2]};
    }

    @Benchmark
    @OperationsPerInvocation(PACKETS)
    public long singleCall() {
        long accepted = 0;
        for (byte[] p : packets) {
            if (program.execute(p).asLong() != 0) {
                accepted++;
            }
        }
        return accepted;
    }

    @Benchmark
    @OperationsPerInvocation(PACKETS)
    public long batch() {
        return program.invokeMember("runBatch", buffer, offsets, lengths, verdicts)
                .asLong();
    }
}
