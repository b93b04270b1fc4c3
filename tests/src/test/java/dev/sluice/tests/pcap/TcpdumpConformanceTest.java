package dev.sluice.tests.pcap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.bpf.formats.InputFormat;
import dev.sluice.bpf.formats.RawFormat;
import dev.sluice.bpf.formats.TextFormats;
import dev.sluice.bpf.isa.Program;
import dev.sluice.core.testing.EngineMode;
import dev.sluice.tests.SluiceRunner;
import dev.sluice.tests.kernel.KernelSocketFilter;
import dev.sluice.tests.random.RandomPrograms;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.graalvm.polyglot.Value;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * libpcap as an oracle: for each filter expression, tcpdump compiles it ({@code tcpdump -ddd -y EN10MB}) and filters
 * a capture of random realistic Ethernet frames ({@code tcpdump -r - -w -}); Sluice runs the same compiled program
 * over the same capture ({@code runPcap}) interpreted and compiled. The frames accepted must be the same ones, named
 * by their timestamps (frame i is stamped i seconds). Frames captured whole are also sent through the live kernel
 * (an AF_UNIX socket with the same program attached), which must agree with libpcap. These expressions avoid the corners where libpcap and the kernel
 * differ (shifts by 32 or more, signed indirect offsets, uninitialised scratch memory), so any difference is a bug.
 *
 * <p>Needs tcpdump on PATH (CI installs it; locally {@code apt-get install -y tcpdump}); skips visibly otherwise.
 * Frames: {@code sluice.pcap.frames} [1000], seeded by {@code sluice.random.seed} (printed).
 */
class TcpdumpConformanceTest {
    static final List<String> EXPRESSIONS = List.of(
            "ip",
            "tcp port 80",
            "udp",
            "vlan",
            "vlan 100",
            "vlan and ip and udp",
            "host 10.1.2.3",
            "net 192.168.0.0/16",
            "src net 10.0.0.0/8 and not dst port 22",
            "portrange 1000-2000",
            "icmp[icmptype] == icmp-echo",
            "ip6",
            "arp",
            "len > 100",
            "less 64",
            "greater 200",
            "ether[0] & 1 != 0",
            "ether broadcast",
            "ether host 02:00:00:00:00:01",
            "ether proto 0x88cc",
            "tcp[tcpflags] & tcp-syn != 0",
            "tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn",
            "ip and udp and dst port 53",
            "ip6 and tcp",
            "ip6 and udp port 53",
            "icmp6",
            "ip proto 47",
            "ip[6:2] & 0x1fff != 0",
            "ip[0] & 0xf > 5",
            "ip[2:2] > 576",
            "ip multicast",
            "ip host 8.8.8.8 and (tcp or udp)",
            "tcp and (port 443 or port 8080)",
            "udp[8:4] = 0xdeadbeef",
            "tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x47455420",
            "not ip and not ip6");

    private static String tcpdump;
    private static byte[] capture;
    private static List<PcapFile.Frame> frames;
    private static long seed;
    private static String kernelReason;
    private static final List<SluiceRunner> RUNNERS = new ArrayList<>();

    @BeforeAll
    static void setUp() throws Exception {
        tcpdump = findOnPath("tcpdump");
        if (tcpdump == null) {
            System.err.println("SKIPPED TcpdumpConformanceTest: tcpdump is not on PATH (apt-get install -y tcpdump)");
        }
        Assumptions.assumeTrue(tcpdump != null, "SKIPPED: tcpdump is not on PATH (apt-get install -y tcpdump)");
        seed = RandomPrograms.seed();
        int count = RandomPrograms.intProperty("sluice.pcap.frames", 1000);
        System.err.println("TcpdumpConformanceTest: " + count + " frames, seed " + seed
                + " (rerun with -Dsluice.random.seed=" + seed + ")");
        FrameGenerator gen = new FrameGenerator(new Random(seed ^ 0xf4a3e5L));
        frames = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            frames.add(gen.frame());
        }
        capture = PcapFile.write(frames, 65535);
        for (EngineMode mode : EngineMode.INTERPRETED_AND_COMPILED) {
            RUNNERS.add(new SluiceRunner(mode, "socket"));
        }
    }

    @AfterAll
    static void tearDown() {
        RUNNERS.forEach(SluiceRunner::close);
        RUNNERS.clear();
    }

    static String findOnPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            File f = new File(dir, name);
            if (f.isFile() && f.canExecute()) {
                return f.getPath();
            }
        }
        for (String dir : new String[] {"/usr/sbin", "/usr/bin", "/sbin"}) {
            File f = new File(dir, name);
            if (f.isFile() && f.canExecute()) {
                return f.getPath();
            }
        }
        return null;
    }

    /** Runs a command with the given stdin; returns stdout, failing on a nonzero exit with stderr in the message. */
    static byte[] run(byte[] stdin, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).start();
        Thread writer = Thread.ofVirtual().start(() -> {
            try (OutputStream in = p.getOutputStream()) {
                in.write(stdin);
            } catch (IOException ignored) {
                // tcpdump -ddd does not read its stdin
            }
        });
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread errReader = Thread.ofVirtual().start(() -> {
            try (InputStream e = p.getErrorStream()) {
                e.transferTo(err);
            } catch (IOException ignored) {
                // process gone
            }
        });
        byte[] out;
        try (InputStream o = p.getInputStream()) {
            out = o.readAllBytes();
        }
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not finish");
        }
        writer.join();
        errReader.join();
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " exited with " + p.exitValue() + ": "
                    + err.toString(StandardCharsets.UTF_8));
        }
        return out;
    }

    /**
     * The live kernel as a third opinion: the filter attached to an AF_UNIX socket sees a datagram holding the frame,
     * so absolute loads read the same bytes. Only frames captured whole are sent, because the datagram's length (what
     * {@code len} loads give) is the captured length. Returns the number of frames checked, or -1 without a kernel.
     */
    private static int kernelAgrees(String expression, byte[] code, TreeSet<Integer> libpcap) {
        if (kernelReason == null) {
            kernelReason = KernelSocketFilter.unavailableReason();
            if (kernelReason == null) {
                kernelReason = "";
            } else {
                System.err.println("TcpdumpConformanceTest: kernel check SKIPPED: " + kernelReason);
            }
        }
        if (!kernelReason.isEmpty()) {
            return -1;
        }
        int checked = 0;
        try (KernelSocketFilter kernel = new KernelSocketFilter()) {
            kernel.attachOrThrow(code);
            for (int i = 0; i < frames.size(); i++) {
                PcapFile.Frame f = frames.get(i);
                if (f.captured().length != f.wireLength()) {
                    continue;
                }
                boolean accepted = kernel.run(f.captured()) != KernelSocketFilter.DROPPED;
                assertEquals(
                        libpcap.contains(i),
                        accepted,
                        "kernel and libpcap differ on frame " + i + " for '" + expression + "': "
                                + HexFormat.of().formatHex(f.captured()));
                checked++;
            }
        }
        return checked;
    }

    static Stream<String> expressions() {
        return EXPRESSIONS.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("expressions")
    void sluiceAcceptsTheFramesLibpcapAccepts(String expression) throws Exception {
        String ddd =
                new String(run(new byte[0], tcpdump, "-ddd", "-y", "EN10MB", expression), StandardCharsets.US_ASCII);
        Program program = TextFormats.parse(expression + ".ddd", ddd, InputFormat.DDD);
        byte[] code = RawFormat.encode(program, ByteOrder.nativeOrder());

        TreeSet<Integer> libpcap = new TreeSet<>();
        for (PcapFile.Record r : PcapFile.read(run(capture, tcpdump, "-r", "-", "-w", "-", expression))) {
            libpcap.add((int) r.seconds());
        }
        for (SluiceRunner runner : RUNNERS) {
            Value filter = runner.load(code);
            int[] verdicts = new int[frames.size()];
            long count = filter.invokeMember("runPcap", capture, verdicts).asLong();
            TreeSet<Integer> sluice = new TreeSet<>();
            for (int i = 0; i < verdicts.length; i++) {
                if (verdicts[i] != 0) {
                    sluice.add(i);
                }
            }
            assertEquals(sluice.size(), count, "runPcap's count of accepted frames");
            if (!sluice.equals(libpcap)) {
                StringBuilder sb = new StringBuilder(runner.mode() + ": '" + expression + "' libpcap accepts "
                        + libpcap.size() + ", Sluice " + sluice.size() + " (seed " + seed + "); differing frames:\n");
                TreeSet<Integer> diff = new TreeSet<>(libpcap);
                diff.addAll(sluice);
                int shown = 0;
                for (int i : diff) {
                    if (libpcap.contains(i) != sluice.contains(i) && shown++ < 5) {
                        PcapFile.Frame f = frames.get(i);
                        sb.append(String.format(
                                "  frame %d (caplen %d, len %d): libpcap %s, Sluice verdict %s%n    %s%n",
                                i,
                                f.captured().length,
                                f.wireLength(),
                                libpcap.contains(i) ? "accepts" : "rejects",
                                Integer.toUnsignedString(verdicts[i]),
                                HexFormat.of().formatHex(f.captured())));
                    }
                }
                throw new AssertionError(sb + "program:\n" + ddd);
            }
        }
        int kernelChecked = kernelAgrees(expression, code, libpcap);
        System.err.printf(
                "TcpdumpConformanceTest: '%s': %d instructions, %d of %d frames accepted by libpcap and Sluice; %s%n",
                expression,
                program.length(),
                libpcap.size(),
                frames.size(),
                kernelChecked < 0
                        ? "kernel not available"
                        : kernelChecked + " whole frames also checked on the kernel");
        assertTrue(
                !libpcap.isEmpty() && libpcap.size() < frames.size(),
                "the capture should hold frames on both sides of '" + expression + "' (accepted " + libpcap.size()
                        + " of " + frames.size() + ")");
    }
}
