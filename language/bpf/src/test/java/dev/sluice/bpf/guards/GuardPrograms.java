package dev.sluice.bpf.guards;

import java.nio.ByteOrder;

import dev.sluice.bpf.formats.RawFormat;
import dev.sluice.bpf.isa.Insn;
import dev.sluice.bpf.isa.Opcodes;
import dev.sluice.bpf.isa.Program;

/** Small programs the guard tests share. */
final class GuardPrograms {
    private GuardPrograms() {
    }

    /** seccomp: A = nr; A += add; A &= 0xffff; A |= tag << 16; ret A. The verdict carries the tag and a checksum of the input. */
    static Program tagged(int tag, int add) {
        return Program.of(
                        Insn.stmt(Opcodes.LD | Opcodes.W | Opcodes.ABS, 0),
                        Insn.stmt(Opcodes.ALU | Opcodes.ADD | Opcodes.K, add),
                        Insn.stmt(Opcodes.ALU | Opcodes.AND | Opcodes.K, 0xffff),
                        Insn.stmt(Opcodes.ALU | Opcodes.OR | Opcodes.K, tag << 16),
                        Insn.stmt(Opcodes.RET | Opcodes.A, 0));
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
