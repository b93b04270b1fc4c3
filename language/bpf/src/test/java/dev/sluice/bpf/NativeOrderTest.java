package dev.sluice.bpf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.bpf.formats.AsmFormat;
import dev.sluice.bpf.formats.RawFormat;
import dev.sluice.bpf.isa.Insn;
import dev.sluice.bpf.isa.Profile;
import dev.sluice.bpf.isa.Program;
import dev.sluice.bpf.lower.Lowering;
import dev.sluice.bpf.lower.NativeOrderPlan;
import dev.sluice.bpf.verify.Verifier;
import dev.sluice.core.error.SluiceException;
import dev.sluice.core.seccomp.Arch;
import dev.sluice.core.testing.EngineMode;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;
import org.junit.jupiter.api.Test;

/**
 * Packet loads left in the machine's byte order ({@link NativeOrderPlan}): which loads the plan chooses, and random
 * header filters whose loads feed compares, bit tests and masks (with constants taken from the packets, so that they
 * match often) and, now and then, a use that needs the plain value, run by the reference interpreter of
 * {@link DifferentialTest} and by Sluice interpreted and compiled, blinded and not.
 */
public class NativeOrderTest {
    private static final long SEED = 0x0de5L;
    private static final int PROGRAMS = 60;
    private static final int PACKETS = 24;
    /** Few byte values, so that loaded halfwords and words often equal constants built from them. */
    private static final int[] ALPHABET = {0x00, 0x08, 0x86};

    /** {@code tcpdump -d 'tcp port 80'} in bpf_asm syntax. */
    public static final String TCP_PORT_80 = """
                ldh [12]
                jeq #0x86dd, l2, l8
                l2: ldb [20]
                jeq #0x6, l4, drop
                l4: ldh [54]
                jeq #0x50, accept, l6
                l6: ldh [56]
                jeq #0x50, accept, drop
                l8: jeq #0x800, l9, drop
                l9: ldb [23]
                jeq #0x6, l11, drop
                l11: ldh [20]
                jset #0x1fff, drop, l13
                l13: ldxb 4*([14]&0xf)
                ldh [x + 14]
                jeq #0x50, accept, l16
                l16: ldh [x + 16]
                jeq #0x50, accept, drop
                accept: ret #262144
                drop: ret #0
                """;

    private static NativeOrderPlan plan(String asm) {
        Program p = AsmFormat.parse("plan.asm", asm);
        Verifier.verify(p, Profile.SOCKET);
        return NativeOrderPlan.of(Lowering.lower(p, Profile.SOCKET, Arch.X86_64));
    }

    @Test
    void tcpPort80KeepsEveryHalfwordInTheMachinesOrder() {
        NativeOrderPlan plan = plan(TCP_PORT_80);
        assertNotNull(plan);
        boolean[] expected = new boolean[20];
        for (int pc : new int[] {0, 4, 6, 11, 14, 16}) {
            expected[pc] = true;
        }
        assertArrayEquals(expected, plan.loads(), "the halfword loads, not the byte loads");
        boolean little = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
        assertEquals(little ? 0xdd86 : 0x86dd, plan.constants()[1]);
        assertEquals(little ? 0x0008 : 0x0800, plan.constants()[8], "reached from the ldh at 0 through the jeq at 1");
        assertEquals(6, plan.constants()[3], "a byte load's compare keeps its constant");
        assertEquals(little ? 0xff1f : 0x1fff, plan.constants()[12]);
        assertEquals(little ? 0x5000 : 0x0050, plan.constants()[15]);
        assertEquals(20, plan.constants()[11], "a load's offset stays as it is");
    }

    @Test
    void aValueThatMeetsAPlainUseStaysPlainOnEveryPathToIt() {
        // The halfword of pc 0 reaches the tax at 4 through pc 1's false branch, and the word of pc 2 meets it at 3.
        NativeOrderPlan plan = plan("""
                ldh [12]
                jeq #0x800, l2, l3
                l2: ld [26]
                l3: and #0xffff
                tax
                ret #1
                """);
        assertNull(plan, "the merge joins both loads into one class, which tax needs plain");

        NativeOrderPlan mixedWidths = plan("""
                ldh [12]
                jeq #0x800, l2, l3
                l2: ld [26]
                l3: jeq #0x800, l4, l5
                l4: ret #1
                l5: ret #0
                """);
        assertNull(mixedWidths, "a halfword and a word that meet cannot share one comparand");

        NativeOrderPlan ordered = plan("""
                ldh [12]
                jgt #0x800, l2, l3
                l2: ld [26]
                jeq #0xa000001, l3, l4
                l3: ret #1
                l4: ret #0
                """);
        assertNotNull(ordered);
        assertEquals(List.of(false, false, true, false, false, false), asList(ordered.loads()));
    }

    @Test
    void aHalfwordNeverEqualsAConstantAbove16Bits() {
        NativeOrderPlan plan = plan("""
                ldh [12]
                jeq #0x10800, l2, l3
                l2: ret #1
                l3: ret #0
                """);
        assertNotNull(plan);
        assertEquals(0x10800, plan.constants()[1], "kept: no halfword, in either order, equals it");
    }

    @Test
    void randomHeaderFiltersAgreeWithTheReference() {
        Random rnd = new Random(SEED);
        List<byte[]> packets = new ArrayList<>();
        for (int i = 0; i < PACKETS; i++) {
            byte[] pkt = new byte[rnd.nextInt(4) == 0 ? rnd.nextInt(40) : 40 + rnd.nextInt(24)];
            for (int b = 0; b < pkt.length; b++) {
                pkt[b] = (byte) ALPHABET[rnd.nextInt(ALPHABET.length)];
            }
            packets.add(pkt);
        }
        int total = packets.stream().mapToInt(b -> b.length).sum();
        byte[] data = new byte[total];
        int[] offsets = new int[PACKETS];
        int[] lengths = new int[PACKETS];
        for (int i = 0, at = 0; i < PACKETS; i++) {
            System.arraycopy(packets.get(i), 0, data, at, packets.get(i).length);
            offsets[i] = at;
            lengths[i] = packets.get(i).length;
            at += lengths[i];
        }
        int accepted = 0;
        int attempts = 0;
        int nativePrograms = 0;
        int matches = 0;
        try (Engine interpreted = EngineMode.INTERPRETED.newEngine();
                Engine compiled = EngineMode.COMPILED.newEngine()) {
            List<Context> contexts = new ArrayList<>();
            for (String blinding : new String[] {"on", "off"}) {
                contexts.add(EngineMode.INTERPRETED
                        .contextBuilder("bpf", interpreted)
                        .option("bpf.ConstantBlinding", blinding)
                        .build());
                contexts.add(EngineMode.COMPILED
                        .contextBuilder("bpf", compiled)
                        .option("bpf.ConstantBlinding", blinding)
                        .build());
            }
            while (accepted < PROGRAMS) {
                attempts++;
                assertTrue(attempts < PROGRAMS * 20, "the generator rarely makes verifiable programs");
                Insn[] p = randomHeaderFilter(rnd, packets);
                Program program = Program.of(p);
                try {
                    Verifier.verify(program, Profile.SOCKET);
                } catch (SluiceException e) {
                    continue;
                }
                accepted++;
                if (NativeOrderPlan.of(Lowering.lower(program, Profile.SOCKET, Arch.X86_64)) != null) {
                    nativePrograms++;
                }
                int[] expected = new int[PACKETS];
                for (int i = 0; i < PACKETS; i++) {
                    expected[i] = DifferentialTest.Reference.run(p, packets.get(i));
                    matches += expected[i] != 0 ? 1 : 0;
                }
                byte[] raw = RawFormat.encode(program, ByteOrder.nativeOrder());
                Source src = Source.newBuilder(BpfLanguage.ID, ByteSequence.create(raw), "header" + accepted)
                        .mimeType(BpfLanguage.MIME_BINARY_SOCKET)
                        .buildLiteral();
                for (Context ctx : contexts) {
                    Value filter = ctx.eval(src);
                    String where = "program " + accepted + " " + Arrays.toString(p);
                    for (int i = 0; i < PACKETS; i++) {
                        assertEquals(
                                expected[i] & 0xffffffffL,
                                filter.execute(packets.get(i)).asLong(),
                                "execute: " + where + " packet " + i);
                    }
                    int[] results = new int[PACKETS];
                    filter.invokeMember("runBatch", data, offsets, lengths, results);
                    assertArrayEquals(expected, results, "runBatch: " + where);
                }
            }
            contexts.forEach(Context::close);
        }
        // The generator must exercise what it is for: native loads, and compares that both match and fail.
        assertTrue(nativePrograms >= PROGRAMS / 2, nativePrograms + " of " + PROGRAMS + " programs had native loads");
        assertTrue(
                matches > PROGRAMS * PACKETS / 20 && matches < PROGRAMS * PACKETS * 19 / 20,
                matches + " of " + PROGRAMS * PACKETS + " runs accepted");
        System.err.printf(
                "NativeOrderTest: %d header filters (%d with native-order loads) x %d packets agree with the reference,"
                        + " interpreted and compiled, blinded and not; %d runs accepted%n",
                accepted, nativePrograms, PACKETS, matches);
    }

    /**
     * Loads of every width at constant and indexed offsets, then compares, bit tests and masks whose constants are the
     * loaded value of some packet (or that value with a bit above 16 set), and sometimes a use that needs A plain.
     */
    private static Insn[] randomHeaderFilter(Random rnd, List<byte[]> packets) {
        int len = 8 + rnd.nextInt(28);
        Insn[] p = new Insn[len];
        int lastSize = 2;
        int lastOffset = 12;
        boolean indexed = false;
        p[0] = Insn.stmt(0xb1, 0); // ldxb 4*([0]&0xf): X for the indexed loads
        for (int pc = 1; pc < len - 3; pc++) {
            int room = len - pc - 2;
            int choice = rnd.nextInt(20);
            if (choice < 6) {
                lastSize = new int[] {4, 2, 1}[rnd.nextInt(3)];
                indexed = rnd.nextInt(3) == 0;
                lastOffset = rnd.nextInt(indexed ? 24 : 48);
                int size = lastSize == 4 ? 0x00 : lastSize == 2 ? 0x08 : 0x10;
                p[pc] = Insn.stmt((indexed ? 0x40 : 0x20) | size, lastOffset);
            } else if (choice < 13) {
                int k = valueOf(rnd, packets, lastOffset, lastSize, indexed);
                if (rnd.nextInt(8) == 0) {
                    k |= 0x10000 << rnd.nextInt(8);
                }
                p[pc] = Insn.jump(0x15, k, hop(rnd, room), hop(rnd, room)); // jeq #k
            } else if (choice < 15) {
                p[pc] = Insn.jump(0x45, rnd.nextInt(), hop(rnd, room), hop(rnd, room)); // jset #k
            } else if (choice < 17) {
                int mask = switch (rnd.nextInt(3)) {
                    case 0 -> 0xffff0000;
                    case 1 -> 0x00ff;
                    default -> rnd.nextInt();
                };
                p[pc] = Insn.stmt(0x54, mask); // and #k
            } else {
                if (rnd.nextBoolean()) {
                    p[pc] = Insn.stmt(0x07, 0); // tax, then txa: A's value goes through X
                    p[++pc] = Insn.stmt(0x87, 0);
                    continue;
                }
                p[pc] = switch (rnd.nextInt(6)) {
                    case 0 -> Insn.stmt(0x16, 0); // ret a
                    case 1 -> Insn.jump(0x25, valueOf(rnd, packets, lastOffset, lastSize, indexed), 0, 1); // jgt
                    case 2 -> Insn.stmt(0x04, 1); // add #1
                    case 3 -> Insn.stmt(0x02, 0); // st M[0]
                    case 4 -> Insn.stmt(0x00, 0x800); // ld #0x800
                    default -> Insn.jump(0x1d, 0, hop(rnd, room), hop(rnd, room)); // jeq x
                };
            }
        }
        p[len - 3] = Insn.stmt(0x05, rnd.nextInt(2)); // ja, so that the last two lines are reached
        p[len - 2] = rnd.nextBoolean() ? Insn.stmt(0x16, 0) : Insn.stmt(0x06, 1); // ret a, or ret #1
        p[len - 1] = Insn.stmt(0x06, 0);
        return p;
    }

    /** A forward jump offset, mostly short, so that most of a program is reached. */
    private static int hop(Random rnd, int room) {
        return rnd.nextInt(4) == 0 ? rnd.nextInt(room + 1) : Math.min(room, rnd.nextInt(3));
    }

    /** The plain value a load of {@code size} at {@code offset} gives on a random packet (0 when out of it). */
    private static int valueOf(Random rnd, List<byte[]> packets, int offset, int size, boolean indexed) {
        byte[] pkt = packets.get(rnd.nextInt(packets.size()));
        int at = offset + (indexed && pkt.length > 0 ? 4 * (pkt[0] & 0xf) : 0);
        if (at + size > pkt.length) {
            return 0;
        }
        int v = 0;
        for (int i = 0; i < size; i++) {
            v = v << 8 | (pkt[at + i] & 0xff);
        }
        return v;
    }

    private static List<Boolean> asList(boolean[] flags) {
        List<Boolean> list = new ArrayList<>();
        for (boolean f : flags) {
            list.add(f);
        }
        return list;
    }
}
