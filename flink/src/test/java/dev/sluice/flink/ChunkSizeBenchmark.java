package dev.sluice.flink;

import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Not a test: a benchmark run by hand ({@code flink/bench.sh}, results in docs/flink.md). Packets per second of one
 * task (parallelism 1, so the job's run time is the task's) for chunks of 1, 64, 256 and 4096 packets, against
 * {@code tcpdump -r FILE -w /dev/null EXPR} over the same files. Generated captures (seeded) are written once to the
 * directory given and reused.
 *
 * <p>Arguments: DIR [PACKETS_PER_FILE [FILES [REPEATS [EXPRESSION]]]].
 */
public final class ChunkSizeBenchmark {
    private ChunkSizeBenchmark() {}

    private static PcapFilterJob.Result runJob(List<Path> inputs, Path program, int chunk) throws Exception {
        List<String> a = new ArrayList<>();
        for (Path f : inputs) {
            a.addAll(List.of("--input", f.toString()));
        }
        a.addAll(List.of(
                "--filter",
                program.toString(),
                "--count",
                "--chunk-packets",
                Integer.toString(chunk),
                "--parallelism",
                "1",
                "--engine.TraceCompilation=true"));
        return PcapFilterJob.run(
                StreamExecutionEnvironment.getExecutionEnvironment(), PcapFilterJob.parse(a.toArray(String[]::new)));
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : "/tmp/sluice-flink-bench");
        int perFile = args.length > 1 ? Integer.parseInt(args[1]) : 500_000;
        int files = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        int repeats = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        String expression = args.length > 4 ? args[4] : "tcp port 80";
        String tcpdump = Tcpdump.find();
        if (tcpdump == null) {
            throw new IllegalStateException("tcpdump is not on PATH");
        }
        Path captures = Files.createDirectories(dir.resolve("captures-" + perFile + "x" + files));
        List<Path> inputs = new ArrayList<>();
        long bytes = 0;
        for (int i = 0; i < files; i++) {
            Path f = captures.resolve("c" + i + ".pcap");
            if (!Files.exists(f)) {
                Files.write(
                        f,
                        CaptureGenerator.pcap(
                                new CaptureGenerator(1000 + i).packets(perFile, 1_795_000_000L + i * 86_400L),
                                ByteOrder.LITTLE_ENDIAN,
                                false,
                                65535));
            }
            inputs.add(f);
            bytes += Files.size(f);
        }
        long packets = (long) perFile * files;
        Path program = dir.resolve("filter.ddd");
        Files.write(program, Tcpdump.run(tcpdump, "-ddd", "-y", "EN10MB", expression));
        System.out.printf(
                "%d files, %d packets, %.0f MB; filter '%s'; %d repeats, best shown%n",
                files, packets, bytes / 1e6, expression, repeats);

        long bestTcpdump = Long.MAX_VALUE;
        for (int r = 0; r < repeats; r++) {
            long start = System.nanoTime();
            for (Path f : inputs) {
                Tcpdump.run(tcpdump, "-r", f.toString(), "-w", "/dev/null", expression);
            }
            bestTcpdump = Math.min(bestTcpdump, System.nanoTime() - start);
        }
        System.out.printf(
                "tcpdump -r -w /dev/null: %.2f M packets/s (%.0f ms for all files, one process per file)%n",
                packets / (bestTcpdump / 1e9) / 1e6, bestTcpdump / 1e6);

        // One job to warm the JVM (the Graal compiler is Java code that HotSpot compiles as it runs), not shown.
        runJob(inputs, program, 4096);
        for (int chunk : new int[] {1, 64, 256, 4096}) {
            PcapFilterJob.Result best = null;
            for (int r = 0; r < repeats; r++) {
                PcapFilterJob.Result result = runJob(inputs, program, chunk);
                if (result.packets() != packets) {
                    throw new IllegalStateException("read " + result.packets() + " of " + packets + " packets");
                }
                if (best == null || result.runtimeMillis() < best.runtimeMillis()) {
                    best = result;
                }
            }
            System.out.printf(
                    "chunk %4d: %6.2f M packets/s per task (job %5d ms), filter alone %6.1f ns/packet, %d matched, %d compilations of runPcap%n",
                    chunk,
                    packets / (best.runtimeMillis() / 1e3) / 1e6,
                    best.runtimeMillis(),
                    (double) best.filterNanos() / packets,
                    best.matched(),
                    best.compiledRoots());
        }
    }
}
