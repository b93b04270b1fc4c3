package dev.sluice.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.testing.EngineMode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The job on a MiniCluster (one TaskManager, two slots, parallelism 2) over six generated captures in the variants
 * libpcap reads (classic pcap little- and big-endian, micro- and nanosecond, a short snaplen; pcapng in either byte
 * order, nanosecond and default resolution, two sections, a skipped block): the packets it writes must
 * be the packets {@code tcpdump -r FILE -w - EXPR} keeps, record for record (timestamp, lengths, bytes), and every
 * output file must hold only packets of its time window and be readable by tcpdump. Each expression runs compiled
 * (Graal compiles the filter's batch root inside the task, counted from the engine's compilation log) and
 * interpreted ({@code engine.Compilation=false}, the project's INTERPRETED engine mode).
 *
 * <p>Needs tcpdump (CI installs it); the comparisons skip visibly without it.
 */
class PcapFilterJobTest {
    static final int PARALLELISM = 2;
    static final long WINDOW_SECONDS = 900;
    /** The job's command-line options for an engine mode (core's test EngineMode, shared by every module's tests). */
    static List<String> engineOptions(EngineMode mode) {
        return mode.options.entrySet().stream()
                .map(e -> "--" + e.getKey() + "=" + e.getValue())
                .sorted()
                .toList();
    }

    static final List<String> EXPRESSIONS = List.of(
            "tcp port 80",
            "udp and dst port 53",
            "ip6 and tcp",
            "vlan and ip",
            "host 10.0.0.2 or arp",
            "greater 600",
            "tcp[tcpflags] & tcp-syn != 0");

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(PARALLELISM)
            .build());

    @TempDir
    static Path dir;

    static Path captures;
    static String tcpdump;
    static int totalPackets;

    @BeforeAll
    static void writeCaptures() throws IOException {
        captures = Files.createDirectories(dir.resolve("captures"));
        long seed = Long.getLong("sluice.random.seed", 20261129L);
        System.err.println(
                "PcapFilterJobTest: captures from seed " + seed + " (rerun with -Dsluice.random.seed=" + seed + ")");
        CaptureGenerator generator = new CaptureGenerator(seed);
        long start = 1_795_000_000L;
        write("le-micro.pcap", generator.packets(700, start), ByteOrder.LITTLE_ENDIAN, false, 65535);
        write("be-micro.pcap", generator.packets(600, start + 1800), ByteOrder.BIG_ENDIAN, false, 65535);
        write("le-nano.pcap", generator.packets(500, start + 7200), ByteOrder.LITTLE_ENDIAN, true, 262144);
        Files.createDirectories(captures.resolve("more"));
        write("more/be-nano-snap96.pcap", generator.packets(400, start + 9000), ByteOrder.BIG_ENDIAN, true, 96);
        List<CaptureGenerator.Packet> ng = generator.packets(500, start + 12000);
        Files.write(
                captures.resolve("more/le-nano-snap128.pcapng"),
                CaptureGenerator.pcapng(List.of(ng), ByteOrder.LITTLE_ENDIAN, 9, 128));
        List<CaptureGenerator.Packet> ng2 = generator.packets(400, start + 14000);
        Files.write(
                captures.resolve("more/be-micro-2sections.pcapng"),
                CaptureGenerator.pcapng(
                        List.of(ng2.subList(0, 150), ng2.subList(150, 400)), ByteOrder.BIG_ENDIAN, 6, 0));
        totalPackets += ng.size() + ng2.size();
        tcpdump = Tcpdump.find();
        if (tcpdump == null) {
            System.err.println(
                    "SKIPPED PcapFilterJobTest comparisons: tcpdump is not on PATH (apt-get install -y tcpdump)");
        }
    }

    private static void write(
            String name, List<CaptureGenerator.Packet> packets, ByteOrder order, boolean nanos, int snaplen)
            throws IOException {
        Files.write(captures.resolve(name), CaptureGenerator.pcap(packets, order, nanos, snaplen));
        totalPackets += packets.size();
    }

    static Stream<Arguments> expressionsInEachMode() {
        List<Arguments> cases = new ArrayList<>();
        for (String e : EXPRESSIONS) {
            cases.add(Arguments.of(EngineMode.COMPILED, e));
        }
        // Interpreted runs cover fewer expressions: the filter semantics are the same code, the mode is what varies.
        for (String e : EXPRESSIONS.subList(0, 3)) {
            cases.add(Arguments.of(EngineMode.INTERPRETED, e));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("expressionsInEachMode")
    void writesThePacketsTcpdumpKeeps(EngineMode mode, String expression) throws Exception {
        Assumptions.assumeTrue(tcpdump != null, "SKIPPED: tcpdump is not on PATH (apt-get install -y tcpdump)");
        Path program = dir.resolve("filter-" + Integer.toHexString(expression.hashCode()) + ".ddd");
        Files.write(program, Tcpdump.run(tcpdump, "-ddd", "-y", "EN10MB", expression));
        List<String> expected = new ArrayList<>();
        try (Stream<Path> files = Files.walk(captures)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                expected.addAll(PcapRecords.read(
                        Tcpdump.run(tcpdump, "-r", f.toString(), "-w", "-", expression), f.toString()));
            }
        }
        Path output = dir.resolve("out-" + mode + "-" + Integer.toHexString(expression.hashCode()));
        List<String> args = new ArrayList<>(List.of(
                "--input",
                captures.toString(),
                "--filter",
                program.toString(),
                "--output",
                output.toString(),
                "--count",
                "--chunk-packets",
                "64",
                "--window",
                Long.toString(WINDOW_SECONDS),
                "--parallelism",
                Integer.toString(PARALLELISM)));
        args.addAll(engineOptions(mode));
        JobRun run = runJob(args);
        assertEquals(0, run.status, "job failed: " + run.err);

        List<String> written = new ArrayList<>();
        List<Path> parts = outputFiles(output);
        for (Path part : parts) {
            byte[] bytes = Files.readAllBytes(part);
            assertEquals(1, PcapRecords.linkType(bytes), part + ": link type");
            List<String> records = PcapRecords.read(bytes, part.toString());
            assertFalse(records.isEmpty(), part + " is empty");
            long windowStart = windowOf(part.getParent().getFileName().toString());
            for (String r : records) {
                long seconds = Long.parseLong(r.substring(0, r.indexOf('.')));
                assertTrue(
                        seconds >= windowStart && seconds < windowStart + WINDOW_SECONDS,
                        part + " holds a packet of another window: " + r.substring(0, 30));
            }
            // tcpdump reads it back whole: the same records come out of "tcpdump -r PART -w -".
            assertEquals(
                    records,
                    PcapRecords.read(Tcpdump.run(tcpdump, "-r", part.toString(), "-w", "-"), part + " via tcpdump"));
            written.addAll(records);
        }
        Collections.sort(expected);
        Collections.sort(written);
        assertTrue(
                !expected.isEmpty() && expected.size() < totalPackets,
                "'" + expression + "' should keep some packets and drop others: " + expected.size());
        assertEquals(expected.size(), written.size(), "'" + expression + "': packets tcpdump keeps vs packets written");
        assertEquals(expected, written, "'" + expression + "': the packets written differ from tcpdump's");
        assertEquals(
                Long.toString(expected.size()), run.lastLine(), "--count prints the number of matching packets last");
        System.err.printf(
                "PcapFilterJobTest %s '%s': %d of %d packets kept by tcpdump and the job, in %d files%n",
                mode, expression, expected.size(), totalPackets, parts.size());
    }

    @Test
    void theFilterIsCompiledInsideTheTasks() throws Exception {
        Path program = dir.resolve("tcp80.asm");
        Files.writeString(program, """
                        ldh [12]
                        jne #0x800, drop
                        ldb [23]
                        jne #6, drop
                        ret #262144
                        drop: ret #0
                        """);
        List<String> args = new ArrayList<>(List.of(
                "--input",
                captures.toString(),
                "--filter",
                program.toString(),
                "--count",
                "--parallelism",
                Integer.toString(PARALLELISM)));
        args.addAll(engineOptions(EngineMode.COMPILED));
        PcapFilterJob.Options options = PcapFilterJob.parse(args.toArray(String[]::new));
        PcapFilterJob.Result result = PcapFilterJob.run(StreamExecutionEnvironment.getExecutionEnvironment(), options);
        assertEquals(totalPackets, result.packets(), "every packet of the six captures was read");
        assertTrue(
                result.matched() > 0 && result.matched() < totalPackets,
                "IPv4 TCP: some packets, not all: " + result.matched());
        // Each task that got a file compiles its own filter's batch root ("opt done ... bpf-socket-runPcap"), once with
        // CompileImmediately; the bound leaves room for one recompilation per task and catches a deoptimisation loop.
        assertTrue(
                result.compiledRoots() >= 1 && result.compiledRoots() <= 2 * PARALLELISM,
                "compilations of the runPcap root: " + result.compiledRoots());
    }

    @Test
    void interpretedModeCompilesNothing() throws Exception {
        Path program = dir.resolve("accept.asm");
        Files.writeString(program, "ret #-1\n");
        List<String> args = new ArrayList<>(List.of(
                "--input",
                captures.toString(),
                "--filter",
                program.toString(),
                "--count",
                "--parallelism",
                Integer.toString(PARALLELISM),
                "--engine.TraceCompilation=true"));
        args.addAll(engineOptions(EngineMode.INTERPRETED));
        PcapFilterJob.Result result = PcapFilterJob.run(
                StreamExecutionEnvironment.getExecutionEnvironment(), PcapFilterJob.parse(args.toArray(String[]::new)));
        assertEquals(totalPackets, result.matched(), "ret #-1 keeps every packet");
        assertEquals(0, result.compiledRoots(), "engine.Compilation=false: no compilation may finish");
    }

    @Test
    void aTruncatedCaptureFailsTheJobNamingFileAndPacket() throws Exception {
        Path bad = Files.createDirectories(dir.resolve("truncated"));
        byte[] whole = Files.readAllBytes(captures.resolve("le-micro.pcap"));
        Path file = bad.resolve("cut.pcap");
        Files.write(file, java.util.Arrays.copyOf(whole, whole.length - 7));
        Path program = dir.resolve("all.asm");
        Files.writeString(program, "ret #-1\n");
        JobRun run = runJob(List.of("--input", bad.toString(), "--filter", program.toString(), "--count"));
        assertEquals(1, run.status, run.err);
        assertTrue(
                run.lastErrLine()
                                .startsWith("PcapFilterJob: "
                                        + file.toUri().getPath().replaceAll("/$", ""))
                        || run.lastErrLine().contains(file.toString()),
                run.err);
        assertTrue(
                run.lastErrLine().contains("packet 700 at byte ")
                        && run.lastErrLine().contains("truncated pcap"),
                run.lastErrLine());
        assertFalse(run.err.contains("\tat "), "a user error prints no stack trace: " + run.err);
    }

    @Test
    void aProgramSluiceRefusesStopsTheJobBeforeSubmission() throws Exception {
        Path program = dir.resolve("bad.asm");
        Files.writeString(program, "ldh [12]\njeq #0x800, nowhere\nret #0\n");
        JobRun run = runJob(List.of("--input", captures.toString(), "--filter", program.toString(), "--count"));
        assertEquals(1, run.status, run.err);
        assertTrue(run.lastErrLine().startsWith("PcapFilterJob: " + program), run.err);
        assertTrue(run.lastErrLine().contains(":2:"), "located at the line: " + run.err);
        // Parsed, then refused by the verifier (scratch memory has 16 slots): located too, not an internal error.
        Path refused = dir.resolve("refused.asm");
        Files.writeString(refused, "ldh [12]\nld M[16]\nret a\n");
        JobRun verifier = runJob(List.of("--input", captures.toString(), "--filter", refused.toString(), "--count"));
        assertEquals(1, verifier.status, verifier.err);
        assertTrue(verifier.lastErrLine().startsWith("PcapFilterJob: " + refused + ":2:"), verifier.err);
    }

    @Test
    void usageErrorsExitWithTwo() throws Exception {
        assertEquals(2, runJob(List.of("--filter", "x")).status);
        assertEquals(2, runJob(List.of("--input", "x", "--filter", "x")).status);
        assertEquals(2, runJob(List.of("--input", "x", "--filter", "x", "--count", "--chunk-packets", "0")).status);
        assertEquals(2, runJob(List.of("--input", "x", "--filter", "x", "--count", "--frobnicate")).status);
        Path program = dir.resolve("accept2.asm");
        Files.writeString(program, "ret #-1\n");
        JobRun missing = runJob(
                List.of("--input", dir.resolve("nothing-here").toString(), "--filter", program.toString(), "--count"));
        assertEquals(1, missing.status, missing.err);
        assertTrue(missing.lastErrLine().contains("nothing-here: no such file or directory"), missing.err);
        JobRun badOption = runJob(List.of(
                "--input", captures.toString(), "--filter", program.toString(), "--count", "--engine.NoSuchOption=1"));
        assertEquals(2, badOption.status, badOption.err);
    }

    /** A finished job's exit code and what it printed. */
    record JobRun(int status, String out, String err) {
        String lastLine() {
            String[] lines = out.strip().split("\n");
            return lines[lines.length - 1];
        }

        String lastErrLine() {
            String[] lines = err.strip().split("\n");
            return lines[lines.length - 1];
        }
    }

    static JobRun runJob(List<String> args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = PcapFilterJob.execute(
                args.toArray(String[]::new),
                StreamExecutionEnvironment::getExecutionEnvironment,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new JobRun(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static List<Path> outputFiles(Path output) throws IOException {
        if (!Files.isDirectory(output)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(output)) {
            List<Path> all = files.filter(Files::isRegularFile).sorted().toList();
            for (Path p : all) {
                assertTrue(
                        p.getFileName().toString().startsWith("part-")
                                && p.getFileName().toString().endsWith(".pcap"),
                        "only finished part files remain: " + p);
            }
            return all;
        }
    }

    /** The epoch second a bucket directory (yyyy-MM-dd--HH-mm-ss, UTC) names. */
    static long windowOf(String bucket) {
        java.time.LocalDateTime t = java.time.LocalDateTime.parse(
                bucket, java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd--HH-mm-ss"));
        long start = t.toEpochSecond(java.time.ZoneOffset.UTC);
        assertEquals(0, start % WINDOW_SECONDS, "bucket " + bucket + " starts a window");
        return start;
    }
}
