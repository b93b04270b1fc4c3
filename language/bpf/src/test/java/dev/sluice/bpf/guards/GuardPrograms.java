package dev.sluice.bpf.guards;

import dev.sluice.bpf.formats.RawFormat;
import dev.sluice.bpf.isa.Insn;
import dev.sluice.bpf.isa.Opcodes;
import dev.sluice.bpf.isa.Program;
import java.nio.ByteOrder;

/** Small programs the guard tests share. */
final class GuardPrograms {
    private GuardPrograms() {}

    /** seccomp: A = nr; A += add; A &= 0xffff; A |= tag << 16; ret A. The verdict carries the tag and a checksum of the input. */
    static Program tagged(int tag, int add) {
        return Program.of(
                Insn.stmt(Opcodes.LD | Opcodes.W | Opcodes.ABS, 0),
                Insn.stmt(Opcodes.ALU | Opcodes.ADD | Opcodes.K, add),
                Insn.stmt(Opcodes.ALU | Opcodes.AND | Opcodes.K, 0xffff),
                Insn.stmt(Opcodes.ALU | Opcodes.OR | Opcodes.K, tag << 16),
                Insn.stmt(Opcodes.RET | Opcodes.A, 0));
    }

    /**
     * A random valid seccomp program of {@code n} instructions: loads, ALU ops with constants and X (those seccomp allows: no MOD), register moves
     * and forward conditional jumps, ending in ret A (and some ret #k on the way).
     */
    static Program random(java.util.Random rnd, int n) {
        Insn[] insns = new Insn[n];
        int[] aluK = {
            Opcodes.ADD,
            Opcodes.SUB,
            Opcodes.MUL,
            Opcodes.DIV,
            Opcodes.AND,
            Opcodes.OR,
            Opcodes.XOR,
            Opcodes.LSH,
            Opcodes.RSH
        };
        int[] jumps = {Opcodes.JEQ, Opcodes.JGT, Opcodes.JGE, Opcodes.JSET};
        for (int i = 0; i < n - 1; i++) {
            int left = n - 2 - i; // instructions between the next one and the last
            insns[i] = switch (rnd.nextInt(9)) {
                case 0, 1 -> Insn.stmt(Opcodes.LD | Opcodes.W | Opcodes.ABS, 4 * rnd.nextInt(16));
                case 2, 3 -> {
                    int op = aluK[rnd.nextInt(aluK.length)];
                    int k = op == Opcodes.LSH || op == Opcodes.RSH
                            ? rnd.nextInt(32)
                            : op == Opcodes.DIV ? 1 + rnd.nextInt(1000) : rnd.nextInt();
                    yield Insn.stmt(Opcodes.ALU | op | Opcodes.K, k);
                }
                case 4 -> Insn.stmt(Opcodes.ALU | aluK[rnd.nextInt(aluK.length)] | Opcodes.X, 0);
                case 5 -> Insn.stmt(Opcodes.MISC | (rnd.nextBoolean() ? Opcodes.TAX : Opcodes.TXA), 0);
                case 6 -> Insn.stmt(Opcodes.LDX | Opcodes.IMM, rnd.nextInt(64));
                case 7 ->
                    rnd.nextInt(4) == 0
                            ? Insn.stmt(Opcodes.RET | Opcodes.K, rnd.nextInt())
                            : Insn.stmt(Opcodes.LD | Opcodes.IMM, rnd.nextInt());
                default ->
                    Insn.jump(
                            Opcodes.JMP
                                    | jumps[rnd.nextInt(jumps.length)]
                                    | (rnd.nextBoolean() ? Opcodes.K : Opcodes.X),
                            rnd.nextInt(100),
                            rnd.nextInt(Math.min(left, 255) + 1),
                            rnd.nextInt(Math.min(left, 255) + 1));
            };
        }
        insns[n - 1] = Insn.stmt(Opcodes.RET | Opcodes.A, 0);
        return Program.of(insns);
    }

    static byte[] raw(Program p) {
        return RawFormat.encode(p, ByteOrder.nativeOrder());
    }

    /** A struct seccomp_data with the given syscall number, in the host's byte order. */
    static byte[] seccompData(int nr) {
        byte[] d = new byte[64];
        java.nio.ByteBuffer.wrap(d).order(ByteOrder.nativeOrder()).putInt(0, nr);
        return d;
    }
}
