package dev.sluice.tests.inetdiag;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.error.SluiceException;
import dev.sluice.core.testing.EngineMode;
import dev.sluice.inetdiag.kernel.DiagSocket;
import dev.sluice.inetdiag.kernel.SockDiag;
import dev.sluice.inetdiag.parse.FilterCompiler;
import dev.sluice.inetdiag.runtime.SocketEntry;
import dev.sluice.inetdiag.runtime.SocketRecord;
import dev.sluice.inetdiag.verify.Audit;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.HostAccess;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The live kernel as the oracle of the INET-DIAG language. The test opens a few hundred loopback sockets (IPv4,
 * IPv6 and v4-mapped; TCP listening and connected, UDP bound and connected; several ports, marks, one bound device),
 * then for each filter compares the sockets the kernel returns for the bytecode (INET_DIAG_REQ_BYTECODE) with the
 * sockets Sluice's filter selects from the unfiltered dump, interpreted and compiled. Only the test's own sockets
 * (by inode) are compared, so other processes' sockets cannot disturb it. A second test sends random and mutated
 * bytecode to the kernel: the checker must accept exactly what the kernel accepts.
 */
class KernelInetDiagTest {
    private static final byte[] LO1 = {127, 0, 0, 1};
    private static final byte[] LO2 = {127, 0, 0, 2};
    private static final byte[] LO3 = {127, 0, 0, 3};
    private static final byte[] LO6 = new byte[16];
    private static final byte[] ANY6 = new byte[16];

    static {
        LO6[15] = 1;
    }

    private static InetSockets sockets;
    private static final List<Integer> tcpPorts = new ArrayList<>();
    private static final List<Integer> udpPorts = new ArrayList<>();
    private static final List<Integer> clientPorts = new ArrayList<>();
    private static final Map<Long, InetSockets.Made> ours = new HashMap<>();
    /** The test's sockets as the unfiltered dump shows them, by inode. */
    private static final Map<Long, SocketEntry> entries = new LinkedHashMap<>();

    private static final List<Context> contexts = new ArrayList<>();
    private static final List<Engine> engines = new ArrayList<>();
    private static final Random random = new Random(0x1d1a6L);

    @BeforeAll
    static void openSockets() throws Exception {
        String reason = !SockDiag.SUPPORTED
                ? "needs Linux on x86_64 or aarch64"
                : !"root".equals(System.getProperty("user.name")) ? "needs root (SO_MARK, CAP_NET_ADMIN)" : null;
        if (reason == null) {
            try {
                SockDiag.dump(2, 6, null);
            } catch (SockDiag.KernelRefusal e) {
                reason = "NETLINK_SOCK_DIAG unavailable: " + e.getMessage();
            }
        }
        if (reason != null) {
            System.err.println("SKIPPED KernelInetDiagTest: " + reason);
        }
        Assumptions.assumeTrue(reason == null, "SKIPPED: " + reason);
        sockets = new InetSockets();
        int[] marks = {0, 0x10, 0x21, 0x1ff, 0x7, 0x10};
        // TCP listeners: six IPv4 on 127.0.0.1-3, four IPv6 on ::1, two dual-stack on ::, one on a kernel-chosen port.
        List<int[]> listeners = new ArrayList<>();
        for (int i = 0; i < 13; i++) {
            int family = i < 6 ? InetSockets.AF_INET : InetSockets.AF_INET6;
            byte[] addr = i < 6 ? new byte[][] {LO1, LO2, LO3}[i % 3] : i < 10 ? LO6 : ANY6;
            if (i == 12) {
                family = InetSockets.AF_INET;
                addr = LO1;
            }
            int fd = sockets.socket(family, InetSockets.SOCK_STREAM);
            if (family == InetSockets.AF_INET6) {
                sockets.v6only(fd, i < 10);
            }
            int mark = marks[i % marks.length];
            if (mark != 0) {
                sockets.mark(fd, mark);
            }
            boolean device = i == 1 || i == 7;
            if (device) {
                sockets.bindToLoopbackDevice(fd);
            }
            int port = i == 12 ? bindAnyPort(fd, family, addr) : bindFreePort(fd, family, addr);
            sockets.listen(fd);
            sockets.remember(fd, family, InetSockets.SOCK_STREAM, i == 12, mark, device, "tcp listener " + i);
            tcpPorts.add(port);
            listeners.add(new int[] {fd, family, port, i});
        }
        // Eight clients per listener; every third binds its own port first, every other sets a mark.
        for (int[] l : listeners) {
            for (int k = 0; k < 8; k++) {
                boolean dual = l[3] >= 10 && l[3] < 12;
                int family = dual && k % 2 == 0 ? InetSockets.AF_INET : l[1];
                byte[] target =
                        family == InetSockets.AF_INET ? (l[3] < 6 ? new byte[][] {LO1, LO2, LO3}[l[3] % 3] : LO1) : LO6;
                int fd = sockets.socket(family, InetSockets.SOCK_STREAM);
                int mark = k % 2 == 1 ? 0x100 + k : 0;
                if (mark != 0) {
                    sockets.mark(fd, mark);
                }
                boolean explicit = k % 3 == 0;
                if (explicit) {
                    clientPorts.add(bindFreePort(fd, family, family == InetSockets.AF_INET ? LO1 : LO6));
                }
                sockets.connect(fd, family, target, l[2]);
                sockets.remember(
                        fd,
                        family,
                        InetSockets.SOCK_STREAM,
                        !explicit,
                        mark,
                        false,
                        "tcp client " + k + " of listener " + l[3]);
                int accepted = sockets.accept(l[0]);
                // Whether an accepted socket counts as autobound is the kernel's to say (see autobound()).
                // An accepted socket inherits the listener's bound device.
                sockets.remember(
                        accepted,
                        l[1],
                        InetSockets.SOCK_STREAM,
                        false,
                        -1,
                        l[3] == 1 || l[3] == 7,
                        "accepted " + k + " of listener " + l[3]);
            }
        }
        // UDP: 24 IPv4 and 12 IPv6, some on kernel-chosen ports, some connected, some marked.
        for (int i = 0; i < 36; i++) {
            int family = i < 24 ? InetSockets.AF_INET : InetSockets.AF_INET6;
            byte[] addr = family == InetSockets.AF_INET ? new byte[][] {LO1, LO2, LO3}[i % 3] : LO6;
            int fd = sockets.socket(family, InetSockets.SOCK_DGRAM);
            int mark = i % 4 == 1 ? 0x10 + i : 0;
            if (mark != 0) {
                sockets.mark(fd, mark);
            }
            boolean auto = i % 5 == 0;
            int port = auto ? bindAnyPort(fd, family, addr) : bindFreePort(fd, family, addr);
            udpPorts.add(port);
            if (i % 3 == 2 && udpPorts.size() > 1) {
                sockets.connect(fd, family, addr, udpPorts.get(udpPorts.size() - 2));
            }
            sockets.remember(fd, family, InetSockets.SOCK_DGRAM, auto, mark, false, "udp " + i);
        }
        for (InetSockets.Made m : sockets.made) {
            ours.put(m.inode(), m);
        }
        Set<Long> autobound = SockDiag.autoboundInodes();
        for (DiagSocket s : SockDiag.dumpAll(null)) {
            InetSockets.Made m = ours.get(s.inode());
            if (m == null) {
                continue;
            }
            boolean auto = m.what().startsWith("accepted") ? autobound.contains(s.inode()) : m.autobound();
            entries.put(s.inode(), s.entry(auto));
        }
        for (EngineMode mode : EngineMode.INTERPRETED_AND_COMPILED) {
            Engine engine = mode.newEngine("inetdiag");
            engines.add(engine);
            contexts.add(Context.newBuilder("inetdiag")
                    .engine(engine)
                    .option("inetdiag.NetAdmin", "true")
                    .allowHostAccess(HostAccess.newBuilder(HostAccess.EXPLICIT)
                            .allowArrayAccess(true)
                            .build())
                    .build());
        }
    }

    private static int bindFreePort(int fd, int family, byte[] addr) {
        sockets.reuse(fd);
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = 20000 + random.nextInt(30000);
            try {
                sockets.bind(fd, family, addr, port);
                return port;
            } catch (InetSockets.NativeError e) {
                if (e.errno != InetSockets.EADDRINUSE) {
                    throw e;
                }
            }
        }
        throw new IllegalStateException("no free port after 200 tries");
    }

    private static int bindAnyPort(int fd, int family, byte[] addr) {
        sockets.bind(fd, family, addr, 0);
        return sockets.localPort(fd);
    }

    @AfterAll
    static void closeAll() {
        contexts.forEach(Context::close);
        engines.forEach(Engine::close);
        if (sockets != null) {
            sockets.close();
        }
    }

    @Test
    void dumpShowsEverySocketAsTheTestMadeIt() throws Exception {
        assertEquals(ours.size(), entries.size(), "sockets of the test missing from the dump");
        assertTrue(entries.size() >= 200, "only " + entries.size() + " sockets");
        Set<Long> autobound = SockDiag.autoboundInodes();
        int checked = 0;
        for (Map.Entry<Long, SocketEntry> e : entries.entrySet()) {
            InetSockets.Made m = ours.get(e.getKey());
            if (m.mark() >= 0) {
                assertEquals(m.mark(), e.getValue().mark, m.what());
            }
            assertEquals(m.onLoopbackDevice() ? 1 : 0, e.getValue().ifindex, m.what());
            if (!m.what().startsWith("accepted")) {
                // The kernel's own AUTO condition agrees with what the test did (bind to a port, or not).
                assertEquals(m.autobound(), autobound.contains(e.getKey()), m.what());
                checked++;
            }
        }
        System.out.println("KernelInetDiagTest: " + entries.size()
                + " sockets of the test in the dump, autobound checked on " + checked);
    }

    /** Hand-written filters over the population's ports and addresses. */
    static List<String> handWritten() {
        int p0 = tcpPorts.get(0),
                p1 = tcpPorts.get(1),
                p3 = tcpPorts.get(3),
                p6 = tcpPorts.get(6),
                p10 = tcpPorts.get(10),
                p12 = tcpPorts.get(12);
        int u0 = udpPorts.get(1), u5 = udpPorts.get(5);
        int c0 = clientPorts.get(0);
        return List.of(
                "sport = :" + p0,
                "dport = :" + p0,
                "sport = :" + p0 + " or dport = :" + p0,
                "sport >= :" + p3,
                "sport > :" + p3,
                "dport <= :" + p6,
                "dport < :" + p6,
                "sport != :" + p1,
                "src 127.0.0.2",
                "src 127.0.0.0/8",
                "dst 127.0.0.3",
                "src 127.0.0.1:" + p0,
                "dst 127.0.0.1:" + p12,
                "src [::1]",
                "dst [::1]:" + p6,
                "src [::ffff:127.0.0.1]",
                "src [::ffff:127.0.0.0/104]",
                "src 127.0.0.1 and dport = :" + p10,
                "dst [::/0]",
                "src 0.0.0.0/0",
                "src [::]",
                "src *:" + p10,
                "dst *:" + p10,
                "autobound",
                "not autobound",
                "autobound and sport = :" + p12,
                "fwmark 0x10",
                "fwmark 0x10/0xf0",
                "fwmark != 0x0/0xffffffff",
                "fwmark 0x100/0xf00",
                "dev lo",
                "dev 1",
                "not dev lo",
                "( sport = :" + p0 + " or sport = :" + p6 + " ) and not dst 127.0.0.3",
                "sport = :" + u0 + " or sport = :" + u5,
                "dport = :" + u0,
                "sport = :" + c0 + " or dport = :" + c0,
                "src [::1/127] and dport >= :1024",
                "not ( src 127.0.0.1 or src [::1] )",
                "sport >= :" + p3 + " sport <= :" + p6 + " or autobound",
                "dst 127.0.0.2/31 and fwmark 0x100/0x100",
                "sport = :0",
                "",
                // CGROUP_COND: this process's cgroup v2 directory (every test socket is in it), as a path
                "cgroup " + OWN_CGROUP,
                "not cgroup " + OWN_CGROUP,
                "cgroup " + OWN_CGROUP + " and sport = :" + p0);
    }

    /** This process's cgroup v2 directory (its "0::" line of /proc/self/cgroup under the cgroup2 mount). */
    static final String OWN_CGROUP = ownCgroup();

    private static String ownCgroup() {
        try {
            String mount = null;
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/mountinfo"))) {
                String[] f = line.split(" ");
                int dash = java.util.Arrays.asList(f).indexOf("-");
                if (dash > 0 && f[dash + 1].equals("cgroup2")) {
                    mount = f[4];
                    break;
                }
            }
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/cgroup"))) {
                if (mount != null && line.startsWith("0::")) {
                    return java.nio.file.Path.of(mount, line.substring(3))
                            .normalize()
                            .toString();
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        throw new IllegalStateException(
                "no cgroup v2 (no cgroup2 mount or no 0:: line in /proc/self/cgroup): CGROUP_COND cannot be tested");
    }

    /** A random filter whose atoms come from the population, so most of them select something. */
    static String randomFilter(Random r, int depth) {
        if (depth == 0 || r.nextInt(3) == 0) {
            return randomAtom(r);
        }
        String a = randomFilter(r, depth - 1);
        String b = randomFilter(r, depth - 1);
        return switch (r.nextInt(5)) {
            case 0 -> "not ( " + a + " )";
            case 1, 2 -> "( " + a + " ) and ( " + b + " )";
            default -> "( " + a + " ) or ( " + b + " )";
        };
    }

    static String randomAtom(Random r) {
        List<Integer> ports = new ArrayList<>(tcpPorts);
        ports.addAll(udpPorts);
        ports.addAll(clientPorts);
        int port = ports.get(r.nextInt(ports.size()));
        String[] rel = {"=", "!=", ">=", "<=", ">", "<"};
        String[] v4 = {"127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.0/8", "127.0.0.2/31", "0.0.0.0/0", "127.0.0.1/32"
        };
        String[] v6 = {"[::1]", "[::]", "[::ffff:127.0.0.1]", "[::ffff:127.0.0.0/120]", "[::/0]", "[::1/127]", "[::/1]"
        };
        return switch (r.nextInt(9)) {
            case 0, 1 -> (r.nextBoolean() ? "sport " : "dport ") + rel[r.nextInt(rel.length)] + " :" + port;
            case 2 ->
                (r.nextBoolean() ? "src " : "dst ") + v4[r.nextInt(v4.length)] + (r.nextInt(3) == 0 ? ":" + port : "");
            case 3 ->
                (r.nextBoolean() ? "src " : "dst ") + v6[r.nextInt(v6.length)] + (r.nextInt(3) == 0 ? ":" + port : "");
            case 4 -> (r.nextBoolean() ? "src *:" : "dst *:") + port;
            case 5 -> "autobound";
            case 6 ->
                "fwmark 0x" + Integer.toHexString(r.nextInt(0x200)) + "/0x" + Integer.toHexString(r.nextInt(0x200));
            case 7 -> r.nextBoolean() ? "dev lo" : "dev " + r.nextInt(3);
            default -> "sport " + (r.nextBoolean() ? ">= :" : "<= :") + (20000 + r.nextInt(30000));
        };
    }

    private static Set<Long> kernelSelects(byte[] bytecode) throws SockDiag.KernelRefusal {
        Set<Long> selected = new TreeSet<>();
        for (DiagSocket s : SockDiag.dumpAll(bytecode)) {
            if (entries.containsKey(s.inode())) {
                selected.add(s.inode());
            }
        }
        return selected;
    }

    private static Set<Long> sluiceSelects(Context c, Source source) {
        Value filter = c.eval(source);
        Set<Long> selected = new TreeSet<>();
        for (Map.Entry<Long, SocketEntry> e : entries.entrySet()) {
            if (filter.execute(SocketRecord.encode(e.getValue())).asBoolean()) {
                selected.add(e.getKey());
            }
        }
        return selected;
    }

    private static final java.util.concurrent.atomic.AtomicInteger NAMES =
            new java.util.concurrent.atomic.AtomicInteger();

    private static Source textSource(String filter) {
        return Source.newBuilder("inetdiag", filter, "f" + NAMES.incrementAndGet())
                .mimeType("text/x-ss-filter")
                .cached(false)
                .buildLiteral();
    }

    private static Source byteSource(byte[] bc) {
        return Source.newBuilder("inetdiag", ByteSequence.create(bc), "b" + NAMES.incrementAndGet())
                .cached(false)
                .buildLiteral();
    }

    @Test
    void filtersSelectWhatTheKernelSelects() throws Exception {
        List<String> filters = new ArrayList<>(handWritten());
        int hand = filters.size();
        Random r = new Random(42);
        while (filters.size() < hand + 220) {
            filters.add(randomFilter(r, 3));
        }
        int differences = 0;
        int nonEmpty = 0;
        int notAll = 0;
        List<String> report = new ArrayList<>();
        for (String f : filters) {
            byte[] bc = FilterCompiler.compile(f, "filter");
            Set<Long> kernel = kernelSelects(bc);
            nonEmpty += kernel.isEmpty() ? 0 : 1;
            notAll += kernel.size() == entries.size() ? 0 : 1;
            for (Context c : contexts) {
                Set<Long> sluice = sluiceSelects(c, textSource(f));
                if (!sluice.equals(kernel)) {
                    differences++;
                    report.add(f + ": kernel " + kernel.size() + ", sluice " + sluice.size() + " "
                            + describe(kernel, sluice));
                }
            }
        }
        System.out.println("KernelInetDiagTest: " + filters.size() + " filters (" + hand + " hand-written), "
                + entries.size() + " sockets, " + contexts.size() + " engine modes: " + differences + " differences; "
                + nonEmpty + " select something, " + notAll + " not everything");
        assertEquals(List.of(), report);
        assertTrue(
                nonEmpty > filters.size() / 2 && notAll > filters.size() / 2,
                "filters too trivial: " + nonEmpty + " non-empty, " + notAll + " not all");
    }

    private static String describe(Set<Long> kernel, Set<Long> sluice) {
        StringBuilder s = new StringBuilder();
        for (Long i : kernel) {
            if (!sluice.contains(i)) {
                s.append("\n  kernel only: ")
                        .append(ours.get(i).what())
                        .append(" ")
                        .append(entries.get(i));
            }
        }
        for (Long i : sluice) {
            if (!kernel.contains(i)) {
                s.append("\n  sluice only: ")
                        .append(ours.get(i).what())
                        .append(" ")
                        .append(entries.get(i));
            }
        }
        return s.toString();
    }

    /** Random op sequences and one-byte mutations of compiled filters. */
    static byte[] randomProgram(Random r) {
        int ops = 1 + r.nextInt(6);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < ops; i++) {
            int code = r.nextInt(10) == 0 ? r.nextInt(256) : r.nextInt(15);
            int cond = switch (code) {
                case 7, 8 -> 8 + (r.nextInt(4) == 0 ? r.nextInt(5) * 4 : r.nextBoolean() ? 4 : 16);
                case 2, 3, 4, 5, 11, 12 -> 4;
                case 9 -> 4;
                case 10, 13 -> 8;
                default -> 0;
            };
            if (r.nextInt(8) == 0) {
                cond += r.nextInt(3) * 4 - 4;
                cond = Math.max(0, cond);
            }
            int size = 4 + cond;
            int yes = r.nextInt(6) == 0 ? r.nextInt(256) : size + (r.nextInt(5) == 0 ? 4 * r.nextInt(3) : 0);
            int no = r.nextInt(6) == 0 ? r.nextInt(80) : size + 4 * r.nextInt(8);
            out.write(code);
            out.write(yes);
            out.write(no);
            out.write(no >>> 8);
            byte[] c = new byte[cond];
            if (code == 7 || code == 8) {
                int[] fam = {0, 2, 10, r.nextInt(256)};
                c[0] = (byte) fam[r.nextInt(r.nextInt(6) == 0 ? 4 : 3)];
                c[1] = (byte) (r.nextBoolean() ? r.nextInt(130) : r.nextInt(256));
                int port = r.nextBoolean() ? -1 : tcpPorts.get(r.nextInt(tcpPorts.size()));
                if (c.length >= 8) {
                    c[4] = (byte) port;
                    c[5] = (byte) (port >>> 8);
                    c[6] = (byte) (port >>> 16);
                    c[7] = (byte) (port >>> 24);
                }
                for (int k = 8; k < c.length; k++) {
                    c[k] = (byte) (k == 8 ? 127 : r.nextInt(4) == 0 ? 1 : 0);
                }
            } else {
                r.nextBytes(c);
                if (code <= 5 || code == 11 || code == 12) {
                    int port = tcpPorts.get(r.nextInt(tcpPorts.size()));
                    if (c.length == 4) {
                        c[2] = (byte) port;
                        c[3] = (byte) (port >>> 8);
                    }
                }
            }
            out.write(c, 0, c.length);
        }
        if (r.nextInt(10) == 0) {
            out.write(r.nextInt(256));
        }
        return out.toByteArray();
    }

    @Test
    void checkerAcceptsExactlyWhatTheKernelAccepts() throws Exception {
        Random r = new Random(7);
        List<byte[]> programs = new ArrayList<>();
        for (int i = 0; i < 700; i++) {
            programs.add(randomProgram(r));
        }
        int mutated = 0;
        for (int i = 0; i < 400; i++) {
            byte[] bc = FilterCompiler.compile(randomFilter(r, 2), "m").clone();
            int at = r.nextInt(bc.length);
            bc[at] = r.nextBoolean() ? (byte) (bc[at] ^ (1 << r.nextInt(8))) : (byte) r.nextInt(256);
            programs.add(bc);
            mutated++;
        }
        int kernelAccepted = 0;
        int kernelRejected = 0;
        int disagreements = 0;
        int setDifferences = 0;
        List<String> report = new ArrayList<>();
        for (byte[] bc : programs) {
            boolean kernelOk;
            Set<Long> kernel = null;
            try {
                kernel = kernelSelects(bc);
                kernelOk = true;
            } catch (SockDiag.KernelRefusal e) {
                assertEquals(
                        22,
                        e.errno,
                        "the kernel refuses bytecode with EINVAL: "
                                + HexFormat.of().formatHex(bc));
                kernelOk = false;
            }
            String sluiceError = null;
            try {
                Audit.check(bc, true);
            } catch (SluiceException e) {
                sluiceError = e.getMessage();
            }
            if (kernelOk) {
                kernelAccepted++;
            } else {
                kernelRejected++;
            }
            if (kernelOk != (sluiceError == null)) {
                disagreements++;
                report.add(HexFormat.of().formatHex(bc) + ": kernel " + (kernelOk ? "accepts" : "rejects") + ", Sluice "
                        + (sluiceError == null ? "accepts" : "rejects: " + sluiceError));
                continue;
            }
            if (kernelOk) {
                for (Context c : contexts) {
                    Set<Long> sluice = sluiceSelects(c, byteSource(bc));
                    if (!sluice.equals(kernel)) {
                        setDifferences++;
                        report.add(HexFormat.of().formatHex(bc) + ": selected sets differ" + describe(kernel, sluice));
                    }
                }
            } else {
                for (Context c : contexts) {
                    try {
                        c.eval(byteSource(bc));
                        report.add(HexFormat.of().formatHex(bc) + ": the language loaded what the checker refuses");
                    } catch (PolyglotException e) {
                        assertTrue(e.isSyntaxError() && !e.isInternalError(), e.getMessage());
                    }
                }
            }
        }
        System.out.println(
                "KernelInetDiagTest: " + programs.size() + " programs (" + (programs.size() - mutated) + " random, "
                        + mutated + " mutated): kernel accepted " + kernelAccepted + ", rejected " + kernelRejected
                        + "; checker disagreements " + disagreements + ", selection differences " + setDifferences);
        assertEquals(List.of(), report);
        assertTrue(
                kernelAccepted >= 100 && kernelRejected >= 100,
                "too one-sided: " + kernelAccepted + " accepted, " + kernelRejected + " rejected");
    }

    /**
     * ss itself: for the hand-written filters, ss -tuan FILTER lists the same of the test's sockets as Sluice selects.
     * ss runs its filter a second time in user space on what the kernel returns, and there {@code autobound} means
     * "the local port is in net.ipv4.ip_local_port_range"; so for a filter with autobound, ss lists the sockets that
     * both meanings select: Sluice's answer with the kernel's autobound, intersected with Sluice's answer with the
     * port-range autobound.
     */
    @Test
    void ssSelectsWhatSluiceSelects() throws Exception {
        Assumptions.assumeTrue(onPath("ss"), "SKIPPED: ss (iproute2) is not installed");
        String[] range = java.nio.file.Files.readAllLines(
                        java.nio.file.Path.of("/proc/sys/net/ipv4/ip_local_port_range"))
                .get(0)
                .trim()
                .split("\\s+");
        int low = Integer.parseInt(range[0]);
        int high = Integer.parseInt(range[1]);
        int compared = 0;
        List<String> report = new ArrayList<>();
        for (String f : handWritten()) {
            Set<Long> viaSs = ssSelects(f);
            Context c = contexts.get(contexts.size() - 1);
            Set<Long> sluice = sluiceSelects(c, textSource(f));
            if (f.contains("autobound")) {
                Value filter = c.eval(textSource(f));
                sluice.removeIf(inode -> {
                    SocketEntry e = entries.get(inode);
                    SocketEntry byPortRange = new SocketEntry(
                            e.family,
                            e.src,
                            e.dst,
                            e.sport,
                            e.dport,
                            e.ifindex,
                            e.sport >= low && e.sport <= high,
                            e.mark,
                            e.cgroupId);
                    return !filter.execute(SocketRecord.encode(byPortRange)).asBoolean();
                });
            }
            if (!viaSs.equals(sluice)) {
                report.add(f + ": ss " + viaSs.size() + ", sluice " + sluice.size() + describe(viaSs, sluice));
            }
            compared++;
        }
        System.out.println("KernelInetDiagTest: " + compared + " hand-written filters compared with ss -tuan: "
                + report.size() + " differences");
        assertEquals(List.of(), report);
    }

    /**
     * The command: {@code sluice ss FILTER} (filter run in Sluice) and {@code sluice ss --kernel FILTER} print the
     * same rows as {@code ss -tuan FILTER} (netid, state, local and peer address; the queues may move between runs),
     * among the rows of the test's ports.
     */
    @Test
    void sluiceSsPrintsWhatSsPrints() throws Exception {
        Assumptions.assumeTrue(onPath("ss"), "SKIPPED: ss (iproute2) is not installed");
        int p0 = tcpPorts.get(0), p6 = tcpPorts.get(6), p10 = tcpPorts.get(10), u0 = udpPorts.get(1);
        List<String> filters = List.of(
                "sport = :" + p0 + " or dport = :" + p0,
                "src 127.0.0.2 or src [::1] and sport >= :" + p6,
                "dst [::ffff:127.0.0.1]",
                "sport = :" + p10 + " or sport = :" + u0,
                "dev lo",
                "fwmark 0x10/0xf0 and not dport = :" + p6,
                // ss's state words (iproute2 ss.c scan_state): a set of kernel states before the expression
                "state listening",
                "state established src 127.0.0.1",
                "exclude listening exclude established",
                "state connected",
                "state listening state unconnected sport >= :" + p6);
        Set<String> ourPorts = new java.util.HashSet<>();
        for (List<Integer> ports : List.of(tcpPorts, udpPorts, clientPorts)) {
            ports.forEach(p -> ourPorts.add(Integer.toString(p)));
        }
        int rows = 0;
        for (String f : filters) {
            Set<String> viaSs = rows(runSs(f), ourPorts);
            dev.sluice.tests.cli.Sluice.Result inSluice = dev.sluice.tests.cli.Sluice.run(("ss " + f).split(" "));
            dev.sluice.tests.cli.Sluice.Result inKernel =
                    dev.sluice.tests.cli.Sluice.run(("ss --kernel " + f).split(" "));
            assertEquals(0, inSluice.exit(), inSluice.toString());
            assertEquals(0, inKernel.exit(), inKernel.toString());
            assertTrue(inSluice.stdout().startsWith("Netid "), inSluice.stdout());
            assertEquals(
                    runSs(f).lines().findFirst().orElse("").contains("State"),
                    inSluice.stdout().lines().findFirst().orElse("").contains("State"),
                    "the State column is shown as ss shows it: " + f);
            assertEquals(viaSs, rows(inSluice.stdout(), ourPorts), "sluice ss " + f);
            assertEquals(viaSs, rows(inKernel.stdout(), ourPorts), "sluice ss --kernel " + f);
            assertTrue(!viaSs.isEmpty(), "filter selects none of the test's sockets: " + f);
            rows += viaSs.size();
        }
        System.out.println("KernelInetDiagTest: sluice ss, sluice ss --kernel and ss -tuan agree on " + filters.size()
                + " filters (" + rows + " rows of the test's sockets)");
    }

    /**
     * The privilege rule of the kernel's audit: a requester without CAP_NET_ADMIN gets EPERM for a program with
     * MARK_COND, and Sluice's checker, told the requester lacks it, refuses the same program (and both accept the
     * same program without MARK_COND). The requester is a child JVM started by setpriv with CAP_NET_ADMIN dropped from
     * its bounding set.
     */
    @Test
    void markCondNeedsNetAdminInTheKernelAndInSluice() throws Exception {
        Assumptions.assumeTrue(onPath("setpriv"), "SKIPPED: setpriv (util-linux) is not installed");
        String mark =
                HexFormat.of().formatHex(dev.sluice.inetdiag.parse.FilterCompiler.compile("fwmark 0x10/0xf0", "t"));
        String port = HexFormat.of().formatHex(dev.sluice.inetdiag.parse.FilterCompiler.compile("sport >= :1024", "t"));
        String javaBin = java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java")
                .toString();
        List<String> command = List.of(
                "setpriv",
                "--bounding-set=-net_admin",
                "--inh-caps=-net_admin",
                javaBin,
                "--enable-native-access=ALL-UNNAMED",
                "-Xshare:auto",
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-cp",
                System.getProperty("java.class.path"),
                MarkCondProbeChild.class.getName(),
                mark,
                port);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
        assertEquals(0, p.exitValue(), out);
        List<String> lines = out.lines().filter(l -> l.startsWith("kernel=")).toList();
        // EPERM = 1 (asm-generic/errno-base.h)
        assertEquals(List.of("kernel=errno 1 sluice=MARK_NEEDS_NET_ADMIN", "kernel=ok sluice=ok"), lines, out);
        System.out.println("KernelInetDiagTest: without CAP_NET_ADMIN the kernel and Sluice both refuse MARK_COND ("
                + lines + ")");
    }

    private static String runSs(String filter) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("ss", "-tuan"));
        command.addAll(List.of(filter.split(" ")));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return out;
    }

    /**
     * "netid state local peer" of each row whose local or peer port is one of {@code ports}; "netid local peer" when
     * the listing has no State column (ss leaves it out when the filter admits one state).
     */
    private static Set<String> rows(String listing, Set<String> ports) {
        Set<String> rows = new TreeSet<>();
        List<String> lines = listing.lines().toList();
        boolean state = !lines.isEmpty() && lines.get(0).contains("State");
        int local = state ? 4 : 3;
        for (String line : lines.stream().skip(1).toList()) {
            String[] f = line.trim().split("\\s+");
            if (f.length < local + 2) {
                continue;
            }
            String localPort = f[local].substring(f[local].lastIndexOf(':') + 1);
            String peerPort = f[local + 1].substring(f[local + 1].lastIndexOf(':') + 1);
            if (ports.contains(localPort) || ports.contains(peerPort)) {
                rows.add(f[0] + (state ? " " + f[1] : "") + " " + f[local] + " " + f[local + 1]);
            }
        }
        return rows;
    }

    private static final Pattern INODE = Pattern.compile("\\bino:(\\d+)");

    private static Set<Long> ssSelects(String filter) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("ss", "-tuanHe"));
        if (!filter.isEmpty()) {
            command.addAll(List.of(filter.split(" ")));
        }
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), "ss " + filter + ": " + out);
        Set<Long> selected = new TreeSet<>();
        Matcher m = INODE.matcher(out);
        while (m.find()) {
            long inode = Long.parseLong(m.group(1));
            if (entries.containsKey(inode)) {
                selected.add(inode);
            }
        }
        return selected;
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
