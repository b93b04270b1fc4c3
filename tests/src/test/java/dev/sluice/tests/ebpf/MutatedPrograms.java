package dev.sluice.tests.ebpf;

import dev.sluice.tests.ebpf.EbpfAsm.Insn;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Programs near the verifier's boundary: a program of {@link RandomEbpfPrograms} (shaped for the kernel's verifier)
 * with one to three fields changed: an offset or immediate moved by one or replaced, a register renamed, an access
 * size or a jump condition swapped. Off-by-one mutants of bounds checks and accesses are where a verifier is wrong.
 */
final class MutatedPrograms {
    private static final int[] JUMP_OPS = {
        EbpfAsm.JEQ,
        EbpfAsm.JGT,
        EbpfAsm.JGE,
        EbpfAsm.JSET,
        EbpfAsm.JNE,
        EbpfAsm.JSGT,
        EbpfAsm.JSGE,
        EbpfAsm.JLT,
        EbpfAsm.JLE,
        EbpfAsm.JSLT,
        EbpfAsm.JSLE
    };
    private static final int[] SIZES = {EbpfAsm.B, EbpfAsm.H, EbpfAsm.W, EbpfAsm.DW};

    private MutatedPrograms() {}

    static List<Insn> mutate(List<Insn> original, RandomGenerator rnd) {
        List<Insn> p = new ArrayList<>(original);
        int changes = 1 + rnd.nextInt(3);
        for (int c = 0; c < changes; c++) {
            int at = rnd.nextInt(p.size());
            Insn i = p.get(at);
            int cls = i.opcode() & 0x07;
            Insn m = switch (rnd.nextInt(7)) {
                case 0 ->
                    new Insn(i.opcode(), i.dst(), i.src(), (short) (i.off() + (rnd.nextBoolean() ? 1 : -1)), i.imm());
                case 1 -> new Insn(i.opcode(), i.dst(), i.src(), i.off(), i.imm() + (rnd.nextBoolean() ? 1 : -1));
                case 2 -> new Insn(i.opcode(), rnd.nextInt(11), i.src(), i.off(), i.imm());
                case 3 -> new Insn(i.opcode(), i.dst(), rnd.nextInt(11), i.off(), i.imm());
                case 4 ->
                    cls == EbpfAsm.LDX || cls == EbpfAsm.ST || cls == EbpfAsm.STX
                            ? new Insn((i.opcode() & ~0x18) | SIZES[rnd.nextInt(4)], i.dst(), i.src(), i.off(), i.imm())
                            : new Insn(i.opcode(), i.dst(), i.src(), i.off(), rnd.nextInt(64) - 8);
                case 5 ->
                    isConditionalJump(i)
                            ? new Insn(
                                    (i.opcode() & 0x0f) | JUMP_OPS[rnd.nextInt(JUMP_OPS.length)],
                                    i.dst(),
                                    i.src(),
                                    i.off(),
                                    i.imm())
                            : new Insn(i.opcode(), i.dst(), i.src(), (short) (rnd.nextInt(64) - 32), i.imm());
                default -> new Insn(i.opcode(), i.dst(), i.src(), i.off(), i.imm() ^ (1 << rnd.nextInt(32)));
            };
            p.set(at, m);
        }
        return p;
    }

    private static boolean isConditionalJump(Insn i) {
        int cls = i.opcode() & 0x07;
        int op = i.opcode() & 0xf0;
        return (cls == EbpfAsm.JMP || cls == EbpfAsm.JMP32)
                && op != EbpfAsm.JA
                && op != EbpfAsm.CALL
                && op != EbpfAsm.EXIT;
    }
}
