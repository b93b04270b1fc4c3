package dev.sluice.tests.ebpf;

import static dev.sluice.tests.ebpf.EbpfAsm.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.testing.EngineMode;
import dev.sluice.tests.kernel.KernelEbpf;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What a socket filter sees of its input frame, against the kernel's BPF_PROG_TEST_RUN on the same frames:
 * __sk_buff.len, __sk_buff.protocol (the kernel's eth_type_trans: an Ethernet type, raw 802.3, 802.2 LLC), and legacy
 * loads at k, SKF_NET_OFF + k and SKF_LL_OFF + k (inside and past the headers). With ebpf.SocketData=network Sluice
 * must answer as the kernel does for every (program, frame); with the default (link, an AF_PACKET socket) the same
 * frame is seen 14 bytes earlier, which is checked against the kernel's answers shifted accordingly.
 */
class SocketDataTest {
    private static final int SKF_NET_OFF = -0x100000, SKF_LL_OFF = -0x200000;

    @BeforeAll
    static void kernelAvailable() {
        String reason = KernelEbpf.unavailableReason();
        if (reason != null) {
            System.err.println("SKIPPED SocketDataTest: " + reason);
        }
        Assumptions.assumeTrue(reason == null, "SKIPPED: " + reason);
    }

    private static byte[] frame(int etherType, int payload, int first) {
        byte[] f = new byte[14 + payload];
        for (int i = 0; i < f.length; i++) {
            f[i] = (byte) (i * 13 + 5);
        }
        f[12] = (byte) (etherType >>> 8);
        f[13] = (byte) etherType;
        if (payload >= 2 && first >= 0) {
            f[14] = (byte) (first >>> 8);
            f[15] = (byte) first;
        }
        return f;
    }

    private static List<byte[]> frames() {
        List<byte[]> frames = new ArrayList<>();
        // The kernel's test run refuses IPv4 frames without an IP header (34 bytes) and IPv6 ones without 54.
        frames.add(frame(0x0800, 40, 0x4500));
        frames.add(frame(0x86dd, 48, 0x6000));
        frames.add(frame(0x0806, 28, -1));
        frames.add(frame(0x0100, 30, 0xffff)); // a length, then 0xffff: Novell raw 802.3
        frames.add(frame(0x0100, 30, 0xaaaa)); // a length, then an LLC header: 802.2
        frames.add(frame(0x0600, 20, -1));
        return frames;
    }

    private record Probe(String name, Insn[] program) {}

    private static List<Probe> probes() {
        List<Probe> p = new ArrayList<>();
        p.add(new Probe("len", new Insn[] {ldx(W, 0, 1, 0), exit()}));
        p.add(new Probe("protocol", new Insn[] {ldx(W, 0, 1, 16), exit()}));
        for (int k : new int[] {0, 2, 13, 26, 40}) {
            p.add(new Probe("ld_abs " + k, new Insn[] {mov64Reg(6, 1), ldAbs(B, k), exit()}));
            p.add(new Probe("ld_abs SKF_NET_OFF+" + k, new Insn[] {mov64Reg(6, 1), ldAbs(H, SKF_NET_OFF + k), exit()}));
            p.add(new Probe("ld_abs SKF_LL_OFF+" + k, new Insn[] {mov64Reg(6, 1), ldAbs(W, SKF_LL_OFF + k), exit()}));
        }
        p.add(new Probe("ld_abs SKF_LL_OFF-1", new Insn[] {mov64Reg(6, 1), ldAbs(B, SKF_LL_OFF - 1), exit()}));
        p.add(new Probe("ld_abs SKF_LL_OFF+70", new Insn[] {mov64Reg(6, 1), ldAbs(B, SKF_LL_OFF + 70), exit()}));
        // LD_IND: r7 + imm added in 64 bits and taken as an int, so r7 = SKF_NET_OFF reaches the network header.
        p.add(new Probe(
                "ld_ind SKF_NET_OFF+1", new Insn[] {mov64Reg(6, 1), mov64Imm(7, SKF_NET_OFF), ldInd(B, 7, 1), exit()}));
        p.add(new Probe(
                "ld_ind SKF_LL_OFF+12", new Insn[] {mov64Reg(6, 1), mov64Imm(7, SKF_LL_OFF), ldInd(H, 7, 12), exit()}));
        return p;
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void socketFiltersSeeFramesAsTheKernelShowsThem(EngineMode mode) {
        List<String> mismatches = new ArrayList<>();
        int compared = 0;
        try (var engine = mode.newEngine("ebpf");
                Context network = context(engine, "network");
                Context link = context(engine, "link")) {
            for (Probe probe : probes()) {
                byte[] code = encode(probe.program());
                int fd = KernelEbpf.loadOrThrow(KernelEbpf.BPF_PROG_TYPE_SOCKET_FILTER, code);
                try {
                    Value inNetwork = load(network, code, probe.name());
                    Value inLink = load(link, code, probe.name());
                    for (byte[] frame : frames()) {
                        int kernel = KernelEbpf.testRun(fd, frame).retval();
                        long sluice = inNetwork.execute((Object) frame.clone()).asLong();
                        compared++;
                        if ((int) sluice != kernel) {
                            mismatches.add(
                                    probe.name() + " on " + HexFormat.of().formatHex(frame) + ": kernel " + kernel
                                            + ", Sluice (network) " + sluice);
                        }
                        // An AF_PACKET socket sees the same frame from its link-layer header: the kernel's view moved
                        // 14 bytes.
                        Long expected = linkView(probe.name(), frame, kernel);
                        if (expected != null) {
                            long linkResult =
                                    inLink.execute((Object) frame.clone()).asLong();
                            if ((int) linkResult != expected.intValue()) { // the kernel's retval is the low 32 bits
                                mismatches.add(
                                        probe.name() + " on " + HexFormat.of().formatHex(frame)
                                                + ": link view expected " + expected + ", Sluice " + linkResult);
                            }
                        }
                    }
                } finally {
                    KernelEbpf.close(fd);
                }
            }
            PolyglotException shortFrame = org.junit.jupiter.api.Assertions.assertThrows(
                    PolyglotException.class,
                    () -> load(network, encode(mov64Imm(0, 1), exit()), "short").execute((Object) new byte[13]));
            assertEquals(
                    "a socket_filter input is an Ethernet frame (ebpf.SocketData=network): at least 14 bytes, not 13",
                    shortFrame.getMessage());
        }
        System.out.println("SocketDataTest " + mode + ": " + compared
                + " (program, frame) pairs against BPF_PROG_TEST_RUN, " + mismatches.size() + " mismatches");
        assertTrue(mismatches.isEmpty(), String.join("\n", mismatches));
        assertEquals(probes().size() * frames().size(), compared);
    }

    /** What the link-layer view gives where it follows from the kernel's network view (null: not derived). */
    private static Long linkView(String probe, byte[] frame, int kernelNetworkView) {
        if (probe.equals("len")) {
            return (long) frame.length;
        }
        if (probe.equals("protocol")) {
            return (long) kernelNetworkView; // eth_type_trans of the same frame
        }
        if (probe.contains("SKF_") && !probe.endsWith("70") && !probe.endsWith("-1")) {
            return (long)
                    kernelNetworkView; // both headers are where they were: SKF_* offsets do not depend on the view
        }
        if (probe.equals("ld_abs 0")) {
            return (long) (frame[0] & 0xff); // the data starts at the Ethernet header
        }
        return null;
    }

    private static Context context(org.graalvm.polyglot.Engine engine, String socketData) {
        return Context.newBuilder("ebpf")
                .engine(engine)
                .allowExperimentalOptions(true)
                .option("ebpf.ProgramType", "socket_filter")
                .option("ebpf.InputFormat", "raw")
                .option("ebpf.SocketData", socketData)
                .build();
    }

    private static Value load(Context c, byte[] code, String name) {
        return c.eval(org.graalvm.polyglot.Source.newBuilder(
                        "ebpf", ByteSequence.create(code), name.replace(' ', '_') + ".ebpf")
                .cached(false)
                .buildLiteral());
    }
}
