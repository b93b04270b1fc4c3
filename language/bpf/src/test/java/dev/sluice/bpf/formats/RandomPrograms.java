package dev.sluice.bpf.formats;

import dev.sluice.bpf.isa.Ancillary;
import dev.sluice.bpf.isa.Insn;
import dev.sluice.bpf.isa.Opcodes;
import dev.sluice.bpf.isa.Program;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * Generators of classic BPF programs for the format properties.
 * <ul>
 * <li>{@link #valid()}: every opcode of the kernel whitelist ({@link Opcodes#isKnown}), forward jumps that land
 * inside the program (jt/jf up to 255, ja further), unused fields zero, a ret at the end;</li>
 * <li>{@link #anyFields()}: any code, jt, jf and k, i.e. also what only the raw, ddd and dd forms (and asm's
 * {@code .insn}) can hold.</li>
 * </ul>
 */
final class RandomPrograms {
    private RandomPrograms() {}

    /** The kernel's whitelist, in code order. */
    static final int[] KNOWN_CODES;

    static {
        List<Integer> codes = new ArrayList<>();
        for (int c = 0; c < 0x100; c++) {
            if (Opcodes.isKnown(c)) {
                codes.add(c);
            }
        }
        KNOWN_CODES = codes.stream().mapToInt(Integer::intValue).toArray();
    }

    /** A k worth testing: small, a byte, an ancillary offset, a negative offset, or any 32-bit pattern. */
    static Arbitrary<Integer> interestingK() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(0, 20)),
                net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(0, 0xffff)),
                net.jqwik.api.Tuple.of(2, Arbitraries.of(Ancillary.values()).map(Ancillary::k)),
                net.jqwik.api.Tuple.of(
                        1,
                        Arbitraries.of(
                                Opcodes.SKF_NET_OFF,
                                Opcodes.SKF_LL_OFF,
                                Opcodes.SKF_AD_OFF + 2,
                                -1,
                                Integer.MIN_VALUE,
                                Integer.MAX_VALUE)),
                net.jqwik.api.Tuple.of(3, Arbitraries.integers()));
    }

    private record Draw(int code, int k, int jtSeed, int jfSeed) {}

    static Arbitrary<Program> valid() {
        Arbitrary<Draw> draw = Combinators.combine(
                        Arbitraries.of(toList(KNOWN_CODES)),
                        interestingK(),
                        Arbitraries.integers().between(0, 1 << 20),
                        Arbitraries.integers().between(0, 1 << 20))
                .as(Draw::new);
        Arbitrary<Integer> retK = interestingK();
        return Combinators.combine(draw.list().ofMinSize(0).ofMaxSize(80), retK, Arbitraries.of(true, false))
                .as((draws, rk, retA) -> {
                    int n = draws.size() + 1;
                    Insn[] insns = new Insn[n];
                    for (int i = 0; i < draws.size(); i++) {
                        insns[i] = shape(draws.get(i), i, n);
                    }
                    insns[n - 1] =
                            retA ? Insn.stmt(Opcodes.RET | Opcodes.A, 0) : Insn.stmt(Opcodes.RET | Opcodes.K, rk);
                    return Program.of(insns);
                });
    }

    /** Makes one draw a well-formed instruction at index i of an n-instruction program. */
    private static Insn shape(Draw d, int i, int n) {
        int c = d.code();
        int room = n - 2 - i; // the largest offset that still lands on an instruction
        if (c == (Opcodes.JMP | Opcodes.JA)) {
            return Insn.stmt(c, d.jtSeed() % (room + 1));
        }
        if (Opcodes.isConditionalJump(c)) {
            int reach = Math.min(room, 255);
            int k = Opcodes.src(c) == Opcodes.X ? 0 : d.k();
            return Insn.jump(c, k, d.jtSeed() % (reach + 1), d.jfSeed() % (reach + 1));
        }
        boolean kUnused = c == (Opcodes.MISC | Opcodes.TAX)
                || c == (Opcodes.MISC | Opcodes.TXA)
                || c == (Opcodes.ALU | Opcodes.NEG)
                || c == (Opcodes.RET | Opcodes.A)
                || c == (Opcodes.LD | Opcodes.W | Opcodes.LEN)
                || c == (Opcodes.LDX | Opcodes.W | Opcodes.LEN)
                || Opcodes.cls(c) == Opcodes.ALU && Opcodes.src(c) == Opcodes.X;
        return Insn.stmt(c, kUnused ? 0 : d.k());
    }

    static Arbitrary<Program> anyFields() {
        Arbitrary<Insn> insn = Combinators.combine(
                        Arbitraries.integers().between(0, 0xffff),
                        Arbitraries.integers().between(0, 255),
                        Arbitraries.integers().between(0, 255),
                        Arbitraries.integers())
                .as((c, jt, jf, k) -> new Insn(c, jt, jf, k));
        Arbitrary<Insn> mostlyKnown = Arbitraries.oneOf(
                insn,
                Combinators.combine(
                                Arbitraries.of(toList(KNOWN_CODES)),
                                Arbitraries.integers().between(0, 255),
                                Arbitraries.integers().between(0, 255),
                                interestingK())
                        .as((c, jt, jf, k) -> new Insn(c, jt, jf, k)));
        return mostlyKnown.list().ofMinSize(1).ofMaxSize(60).map(Program::new);
    }

    private static List<Integer> toList(int[] a) {
        List<Integer> l = new ArrayList<>();
        for (int v : a) {
            l.add(v);
        }
        return l;
    }
}
