package dev.sluice.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.bpf.formats.RawFormat;
import dev.sluice.bpf.isa.Insn;
import dev.sluice.bpf.isa.Profile;
import dev.sluice.bpf.isa.Program;
import dev.sluice.bpf.verify.Verifier;
import dev.sluice.core.error.SluiceException;
import dev.sluice.core.testing.EngineMode;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;
import org.junit.jupiter.api.Test;

/**
 * Random socket filters (seeded, so reproducible) that the verifier accepts, run on random packets by a small
 * reference interpreter written here straight from the kernel's rules (it works on the raw instructions, not on
 * Sluice's lowered form) and by Sluice interpreted ({@code execute}) and compiled ({@code runBatch},
 * COMPILED). All three must agree on every packet: this catches a lowering or node bug that the
 * hand-written cases miss, and any disagreement between interpreter and compiled code.
 */
class DifferentialTest {
    private static final long SEED = 0x5111CEL;
    private static final int PROGRAMS = 32;
    private static final int PACKETS = 12;

    @Test
    void randomFiltersAgreeWithReference() {
        Random rnd = new Random(SEED);
        int accepted = 0;
        int attempts = 0;
        int runs = 0;
        try (Engine interpreted = EngineMode.INTERPRETED.newEngine();
                Engine compiled = EngineMode.COMPILED.newEngine();
                Context ic = EngineMode.INTERPRETED
                        .contextBuilder("bpf", interpreted)
                        .build();
                Context cc = EngineMode.COMPILED.contextBuilder("bpf", compiled).build()) {
            while (accepted < PROGRAMS) {
                attempts++;
                assertTrue(attempts < PROGRAMS * 50, "the generator rarely makes verifiable programs");
                Insn[] p = randomProgram(rnd);
                try {
                    Verifier.verify(Program.of(p), Profile.SOCKET);
                } catch (SluiceException e) {
                    continue; // e.g. an uninitialised M[] read; the verifier's own rules are tested elsewhere
                }
                accepted++;
                byte[] raw = RawFormat.encode(Program.of(p), ByteOrder.nativeOrder());
                Source src = Source.newBuilder(BpfLanguage.ID, ByteSequence.create(raw), "random" + accepted)
                        .mimeType(BpfLanguage.MIME_BINARY_SOCKET)
                        .buildLiteral();
                Value fi = ic.eval(src);
                Value fc = cc.eval(src);
                List<byte[]> packets = new ArrayList<>();
                for (int i = 0; i < PACKETS; i++) {
                    byte[] pkt = new byte[rnd.nextInt(48)];
                    rnd.nextBytes(pkt);
                    packets.add(pkt);
                }
                int total = packets.stream().mapToInt(b -> b.length).sum();
                byte[] data = new byte[total];
                int[] offs = new int[PACKETS];
                int[] lens = new int[PACKETS];
                int at = 0;
                for (int i = 0; i < PACKETS; i++) {
                    System.arraycopy(packets.get(i), 0, data, at, packets.get(i).length);
                    offs[i] = at;
                    lens[i] = packets.get(i).length;
                    at += lens[i];
                }
                int[] compiledResults = new int[PACKETS];
                fc.invokeMember("runBatch", data, offs, lens, compiledResults);
                for (int i = 0; i < PACKETS; i++) {
                    int expected = Reference.run(p, packets.get(i));
                    String where = "program " + accepted + " " + java.util.Arrays.toString(p) + " packet " + i + " ("
                            + packets.get(i).length + " bytes)";
                    assertEquals(
                            expected & 0xffffffffL, fi.execute(packets.get(i)).asLong(), "interpreted: " + where);
                    assertEquals(expected, compiledResults[i], "compiled runBatch: " + where);
                    runs++;
                }
            }
        }
        System.err.printf(
                "DifferentialTest: %d random filters (of %d generated) x %d packets = %d runs agree with the reference, interpreted and compiled%n",
                accepted, attempts, PACKETS, runs);
    }

    private static final int[] ALU_OPS = {0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x90, 0xa0};
    private static final int[] JMP_OPS = {0x10, 0x20, 0x30, 0x40};

    private static Insn[] randomProgram(Random rnd) {
        int len = 6 + rnd.nextInt(30);
        Insn[] p = new Insn[len];
        for (int pc = 0; pc < len - 1; pc++) {
            int room = len - pc - 2; // largest legal forward offset
            p[pc] = switch (rnd.nextInt(14)) {
                case 0 -> Insn.stmt(rnd.nextBoolean() ? 0x00 : 0x01, interesting(rnd)); // ld/ldx #k
                case 1 -> Insn.stmt(0x20 | (rnd.nextInt(3) << 3), rnd.nextInt(52)); // ld/ldh/ldb [k]
                case 2 ->
                    Insn.stmt(
                            0x40 | (rnd.nextInt(3) << 3),
                            rnd.nextBoolean() ? rnd.nextInt(40) : -rnd.nextInt(8)); // [x + k]
                case 3 -> Insn.stmt(rnd.nextBoolean() ? 0x80 : 0x81, 0); // ld/ldx len
                case 4 -> Insn.stmt(0xb1, rnd.nextInt(48)); // ldxb msh
                case 5 -> Insn.stmt(rnd.nextBoolean() ? 0x02 : 0x03, rnd.nextInt(4)); // st/stx M[0..3]
                case 6 -> Insn.stmt(rnd.nextBoolean() ? 0x60 : 0x61, rnd.nextInt(4)); // ld/ldx M[0..3]
                case 7 -> Insn.stmt(rnd.nextBoolean() ? 0x07 : 0x87, 0); // tax/txa
                case 8, 9 -> {
                    int op = ALU_OPS[rnd.nextInt(ALU_OPS.length)];
                    boolean x = rnd.nextBoolean();
                    int k = interesting(rnd);
                    if (!x && (op == 0x30 || op == 0x90) && k == 0) {
                        k = 3;
                    }
                    if (!x && (op == 0x60 || op == 0x70)) {
                        k &= 31;
                    }
                    yield Insn.stmt(0x04 | op | (x ? 0x08 : 0), k);
                }
                case 10 -> Insn.stmt(0x84, 0); // neg
                case 11 -> room > 0 ? Insn.stmt(0x05, rnd.nextInt(room + 1)) : Insn.stmt(0x16, 0); // ja
                case 12 -> Insn.stmt(rnd.nextBoolean() ? 0x06 : 0x16, interesting(rnd)); // ret
                default -> {
                    int op = JMP_OPS[rnd.nextInt(JMP_OPS.length)];
                    int jt = Math.min(255, rnd.nextInt(room + 1));
                    int jf = Math.min(255, rnd.nextInt(room + 1));
                    yield Insn.jump(0x05 | op | (rnd.nextBoolean() ? 0x08 : 0), interesting(rnd), jt, jf);
                }
            };
        }
        p[len - 1] = Insn.stmt(rnd.nextBoolean() ? 0x16 : 0x06, interesting(rnd));
        return p;
    }

    private static int interesting(Random rnd) {
        return switch (rnd.nextInt(6)) {
            case 0 -> 0;
            case 1 -> rnd.nextInt(64);
            case 2 -> -1 - rnd.nextInt(4);
            case 3 -> Integer.MIN_VALUE + rnd.nextInt(4);
            default -> rnd.nextInt();
        };
    }

    /**
     * The reference: the kernel's classic BPF semantics for socket filters with no metadata, written directly over
     * the instruction fields. A = X = 0 at start; a failed load or a division by X = 0 returns 0.
     */
    static final class Reference {
        private static final long SKF_NET_OFF = -0x100000;

        static int run(Insn[] p, byte[] pkt) {
            int a = 0;
            int x = 0;
            int[] m = new int[16];
            int pc = 0;
            while (true) {
                Insn in = p[pc];
                int k = in.k();
                int code = in.code();
                int next = pc + 1;
                switch (code & 0x07) {
                    case 0x00, 0x01 -> { // LD, LDX
                        boolean toX = (code & 0x07) == 0x01;
                        int mode = code & 0xe0;
                        int size = switch (code & 0x18) {
                            case 0x08 -> 2;
                            case 0x10 -> 1;
                            default -> 4;
                        };
                        long v;
                        if (mode == 0x00) {
                            v = k;
                        } else if (mode == 0x80) {
                            v = pkt.length;
                        } else if (mode == 0x60) {
                            v = m[k];
                        } else if (mode == 0x20) {
                            v = load(pkt, k, size);
                        } else if (mode == 0x40) {
                            v = load(pkt, x + k, size); // 32-bit signed sum
                        } else { // MSH
                            long b = load(pkt, k, 1);
                            v = b < 0 ? -1 : (b & 0xf) << 2;
                        }
                        if ((mode == 0x20 || mode == 0x40 || mode == 0xa0) && v < 0) {
                            return 0;
                        }
                        if (toX) {
                            x = (int) v;
                        } else {
                            a = (int) v;
                        }
                    }
                    case 0x02 -> m[k] = a;
                    case 0x03 -> m[k] = x;
                    case 0x04 -> {
                        int b = (code & 0x08) != 0 ? x : k;
                        switch (code & 0xf0) {
                            case 0x00 -> a += b;
                            case 0x10 -> a -= b;
                            case 0x20 -> a *= b;
                            case 0x30 -> {
                                if (b == 0) {
                                    return 0;
                                }
                                a = (int) ((a & 0xffffffffL) / (b & 0xffffffffL));
                            }
                            case 0x90 -> {
                                if (b == 0) {
                                    return 0;
                                }
                                a = (int) ((a & 0xffffffffL) % (b & 0xffffffffL));
                            }
                            case 0x40 -> a |= b;
                            case 0x50 -> a &= b;
                            case 0xa0 -> a ^= b;
                            case 0x60 -> a = (int) ((a & 0xffffffffL) << (b & 31));
                            case 0x70 -> a = (int) ((a & 0xffffffffL) >>> (b & 31));
                            default -> a = -a; // NEG
                        }
                    }
                    case 0x05 -> {
                        long av = a & 0xffffffffL;
                        long bv = ((code & 0x08) != 0 ? x : k) & 0xffffffffL;
                        boolean taken = switch (code & 0xf0) {
                            case 0x10 -> av == bv;
                            case 0x20 -> av > bv;
                            case 0x30 -> av >= bv;
                            case 0x40 -> (av & bv) != 0;
                            default -> true; // JA
                        };
                        if ((code & 0xf0) == 0x00) {
                            next = pc + 1 + k;
                        } else {
                            next = pc + 1 + (taken ? in.jt() : in.jf());
                        }
                    }
                    case 0x06 -> {
                        return (code & 0x18) == 0x10 ? a : k;
                    }
                    default -> {
                        if ((code & 0xf8) == 0x80) {
                            a = x;
                        } else {
                            x = a;
                        }
                    }
                }
                pc = next;
            }
        }

        /** Big-endian load at a signed offset; -1 if it fails. No metadata: the network header is the packet start. */
        private static long load(byte[] pkt, int offset, int size) {
            long off = offset;
            if (off < 0) {
                if (off >= SKF_NET_OFF) {
                    off -= SKF_NET_OFF;
                } else {
                    return -1; // SKF_LL_OFF range without a link-layer header, or below it
                }
            }
            if (off + size > pkt.length) {
                return -1;
            }
            long v = 0;
            for (int i = 0; i < size; i++) {
                v = (v << 8) | (pkt[(int) off + i] & 0xff);
            }
            return v;
        }
    }
}
