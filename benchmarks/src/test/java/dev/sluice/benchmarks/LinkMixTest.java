package dev.sluice.benchmarks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The link mix is what docs/performance.md says it is: deterministic per seed, its composition within the stated
 * bounds, flows in trains with heavy-tailed sizes, and matches for every filter; and BranchProfile's tracer gives the
 * verdicts that the filters' definitions give when read off the bytes independently.
 */
class LinkMixTest {
    private static final Path DATA = Path.of("data");
    private static final int FRAMES = 10_000;

    private static List<byte[]> bytes(List<PacketSet.Frame> frames) {
        return frames.stream().map(PacketSet.Frame::bytes).toList();
    }

    @Test
    void theSameSeedGivesTheSameFramesAndAnotherSeedOthers() {
        List<PacketSet.Frame> a = LinkMix.generate(3_000, 42);
        List<PacketSet.Frame> b = LinkMix.generate(3_000, 42);
        List<PacketSet.Frame> c = LinkMix.generate(3_000, 43);
        assertEquals(3_000, a.size());
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i).bytes(), b.get(i).bytes(), "frame " + i);
            assertEquals(a.get(i).timestampMicros(), b.get(i).timestampMicros(), "timestamp " + i);
        }
        int same = 0;
        for (int i = 0; i < a.size(); i++) {
            same += Arrays.equals(a.get(i).bytes(), c.get(i).bytes()) ? 1 : 0;
        }
        assertTrue(same < 30, same + " of 3,000 frames equal under another seed");
    }

    /** The bounds docs/performance.md states for the composition, on the default seed and on four others. */
    @ParameterizedTest
    @ValueSource(longs = {LinkMix.DEFAULT_SEED, 1, 2, 3, 4})
    void compositionIsWithinTheStatedBounds(long seed) {
        LinkMix.Composition c = LinkMix.composition(bytes(LinkMix.generate(FRAMES, seed)));
        assertEquals(FRAMES, c.frames());
        assertBetween(c.share("tcp"), 0.60, 0.85, "tcp");
        assertBetween(c.share("udp"), 0.12, 0.35, "udp");
        assertBetween(c.share("icmp"), 0.005, 0.04, "icmp");
        assertBetween(c.share("arp"), 0.005, 0.04, "arp");
        assertBetween(c.share("other-l2"), 0.0005, 0.01, "other layer 2");
        assertBetween(c.share("ipv6"), 0.05, 0.50, "ipv6"); // wide: an elephant or two decide it
        assertBetween(c.share("vlan"), 0.03, 0.20, "802.1Q");
        assertBetween(c.share("fragment"), 0.001, 0.06, "IPv4 fragments");
        assertBetween(c.share("truncated"), 0.0005, 0.008, "truncated captures");
        assertBetween(c.share("syn"), 0.02, 0.10, "TCP SYN or SYN-ACK");
        assertBetween(c.share("dns-query"), 0.005, 0.04, "DNS queries");
        // heavy-tailed flow sizes: the largest 1% of the flows carry a tenth of the packets or more
        assertTrue(c.topFlowsShare() >= 0.10, "largest 1% of flows carry " + c.topFlowsShare());
        assertTrue(c.flows() >= 300, c.flows() + " flows");
        // trains: a flow's packets come several in a row, on average
        assertBetween(c.meanTrain(), 1.4, 3.5, "mean train");
    }

    @Test
    void theGeneratedSetHasNoTrainsTheLinkMixHas() {
        LinkMix.Composition generated = LinkMix.composition(bytes(PacketSet.generate(FRAMES, PacketSet.DEFAULT_SEED)));
        assertTrue(generated.meanTrain() < 1.05, "independent draws, mean train " + generated.meanTrain());
        LinkMix.Composition mix = LinkMix.composition(bytes(LinkMix.generate(FRAMES, LinkMix.DEFAULT_SEED)));
        assertTrue(mix.meanTrain() > 1.4, "link mix, mean train " + mix.meanTrain());
    }

    /** Each filter's verdicts, read off the bytes here, equal the tracer's; and every filter matches on both sets. */
    @Test
    void theTracerAgreesWithTheFiltersDefinitionsOnBothSets() throws Exception {
        List<List<byte[]>> sets = List.of(
                bytes(PacketSet.generate(FRAMES, PacketSet.DEFAULT_SEED)),
                bytes(LinkMix.generate(FRAMES, LinkMix.DEFAULT_SEED)));
        record Filter(String name, Predicate<byte[]> definition) {}
        List<Filter> filters = List.of(
                new Filter("tcp-port-80", LinkMixTest::tcpPort80),
                new Filter("udp-dst-53", LinkMixTest::udpDstPort53),
                new Filter("vlan-tcp-syn", LinkMixTest::vlanTcpSyn),
                new Filter("host-list", LinkMixTest::hostList));
        for (List<byte[]> frames : sets) {
            for (Filter f : filters) {
                BranchProfile.Insn[] program = BranchProfile.readDdd(DATA.resolve(f.name() + ".ddd"));
                int matches = 0;
                for (int i = 0; i < frames.size(); i++) {
                    boolean expected = f.definition().test(frames.get(i));
                    int verdict = BranchProfile.run(program, frames.get(i), (pc, taken) -> {});
                    assertEquals(expected, verdict != 0, f.name() + ", frame " + i);
                    matches += expected ? 1 : 0;
                }
                assertTrue(matches > 10 && matches < frames.size() / 2, f.name() + " matches " + matches);
            }
        }
    }

    @Test
    void theFiguresOfKnownSequences() throws Exception {
        BranchProfile.Insn[] tcpPort80 = BranchProfile.readDdd(DATA.resolve("tcp-port-80.ddd"));
        List<byte[]> frames = bytes(LinkMix.generate(FRAMES, LinkMix.DEFAULT_SEED));
        byte[] match =
                frames.stream().filter(LinkMixTest::tcpPort80).findFirst().orElseThrow();
        byte[] miss = frames.stream().filter(f -> !tcpPort80(f)).findFirst().orElseThrow();

        List<byte[]> same = new ArrayList<>();
        List<byte[]> alternating = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            same.add(match);
            alternating.add(i % 2 == 0 ? match : miss);
        }
        BranchProfile.Figures s = BranchProfile.profile(tcpPort80, same);
        assertEquals(1_000, s.accepted());
        assertEquals(0, s.verdictChanges());
        assertEquals(0, s.pathEntropyBits(), 1e-9);
        assertEquals(0, s.pathEntropyGivenPreviousBits(), 1e-9);
        assertTrue(s.bimodalMispredictsPerPacket() < 0.01, "a repeated packet is predicted after a few");

        BranchProfile.Figures a = BranchProfile.profile(tcpPort80, alternating);
        assertEquals(500, a.accepted());
        assertEquals(1.0, a.verdictChanges(), 1e-9);
        assertEquals(1.0, a.pathEntropyBits(), 1e-9); // two paths, equally often
        assertEquals(0, a.pathEntropyGivenPreviousBits(), 1e-9); // each determines the next
        assertTrue(a.bimodalMispredictsPerPacket() > 0.4, "a bimodal counter cannot follow an alternation");
    }

    @Test
    void theTracerRejectsWhatIsNotClassicBpf() {
        BranchProfile.Insn[] program = {new BranchProfile.Insn(0xc7, 0, 0, 0)};
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class, () -> BranchProfile.run(program, new byte[60], (pc, t) -> {}));
        assertEquals("instruction 0: opcode 199 is not classic BPF", e.getMessage());
    }

    private static void assertBetween(double value, double low, double high, String what) {
        assertTrue(value >= low && value <= high, what + ": " + value + " not within [" + low + ", " + high + "]");
    }

    // The filters' definitions (tcpdump's), read off the frame's bytes; a field beyond the captured bytes rejects.

    private static int u8(byte[] f, int at) {
        return at < f.length ? f[at] & 0xff : -1;
    }

    private static int u16(byte[] f, int at) {
        return at + 2 <= f.length ? ByteBuffer.wrap(f).getShort(at) & 0xffff : -1;
    }

    private static long u32(byte[] f, int at) {
        return at + 4 <= f.length ? ByteBuffer.wrap(f).getInt(at) & 0xffffffffL : -1;
    }

    /** IPv4 at {@code ip}, not a non-first fragment, of {@code protocol}: where its transport header starts, or -1. */
    private static int ipv4Transport(byte[] f, int ip, int protocol) {
        if (u8(f, ip + 9) != protocol || u16(f, ip + 6) < 0 || (u16(f, ip + 6) & 0x1fff) != 0 || u8(f, ip) < 0) {
            return -1;
        }
        return ip + 4 * (u8(f, ip) & 0x0f);
    }

    static boolean tcpPort80(byte[] f) {
        int type = u16(f, 12);
        if (type == 0x86dd) {
            return u8(f, 20) == 6 && (u16(f, 54) == 80 || u16(f, 54) >= 0 && u16(f, 56) == 80);
        }
        if (type != 0x0800) {
            return false;
        }
        int l4 = ipv4Transport(f, 14, 6);
        return l4 >= 0 && (u16(f, l4) == 80 || u16(f, l4) >= 0 && u16(f, l4 + 2) == 80);
    }

    static boolean udpDstPort53(byte[] f) {
        if (u16(f, 12) != 0x0800) {
            return false;
        }
        int l4 = ipv4Transport(f, 14, 17);
        return l4 >= 0 && u16(f, l4 + 2) == 53;
    }

    static boolean vlanTcpSyn(byte[] f) {
        int type = u16(f, 12);
        if (type != 0x8100 && type != 0x88a8 && type != 0x9100) {
            return false;
        }
        if (u16(f, 16) != 0x0800) {
            return false;
        }
        int l4 = ipv4Transport(f, 18, 6);
        return l4 >= 0 && u8(f, l4 + 13) >= 0 && (u8(f, l4 + 13) & 0x02) != 0;
    }

    static boolean hostList(byte[] f) {
        int type = u16(f, 12);
        int src;
        int dst;
        if (type == 0x0800) {
            src = 26;
            dst = 30;
        } else if (type == 0x0806 || type == 0x8035) {
            src = 28;
            dst = 38;
        } else {
            return false;
        }
        // tcpdump tests the source address against the 16 hosts, then the destination (loading it: a capture cut
        // before it rejects), then both against the nets
        long source = u32(f, src);
        if (source >= 0x0a000001L && source <= 0x0a000010L) {
            return true;
        }
        long destination = u32(f, dst);
        return source >= 0 && destination >= 0 && (listed(source) || listed(destination));
    }

    private static boolean listed(long a) {
        return a >= 0
                && ((a >= 0x0a000001L && a <= 0x0a000010L)
                        || (a & 0xffff0000L) == 0xc0a80000L
                        || (a & 0xfff00000L) == 0xac100000L
                        || (a & 0xffc00000L) == 0x64400000L);
    }
}
