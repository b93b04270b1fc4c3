package dev.sluice.tests;

import static dev.sluice.bpf.isa.Opcodes.*;

import dev.sluice.bpf.formats.RawFormat;
import dev.sluice.bpf.isa.Insn;
import dev.sluice.bpf.isa.Program;
import java.nio.ByteOrder;

/** Short constructors for hand-written test programs, named after bpf_asm's mnemonics. */
public final class Asm {
    private Asm() {}

    public static byte[] raw(Insn... insns) {
        return RawFormat.encode(Program.of(insns), ByteOrder.nativeOrder());
    }

    public static Insn ld(int k) {
        return Insn.stmt(LD | W | ABS, k);
    }

    public static Insn ldh(int k) {
        return Insn.stmt(LD | H | ABS, k);
    }

    public static Insn ldb(int k) {
        return Insn.stmt(LD | B | ABS, k);
    }

    public static Insn ldInd(int k) {
        return Insn.stmt(LD | W | IND, k);
    }

    public static Insn ldhInd(int k) {
        return Insn.stmt(LD | H | IND, k);
    }

    public static Insn ldbInd(int k) {
        return Insn.stmt(LD | B | IND, k);
    }

    public static Insn ldImm(int k) {
        return Insn.stmt(LD | IMM, k);
    }

    public static Insn ldxImm(int k) {
        return Insn.stmt(LDX | IMM, k);
    }

    public static Insn ldLen() {
        return Insn.stmt(LD | W | LEN, 0);
    }

    public static Insn ldxLen() {
        return Insn.stmt(LDX | W | LEN, 0);
    }

    public static Insn ldxMsh(int k) {
        return Insn.stmt(LDX | B | MSH, k);
    }

    public static Insn ldMem(int k) {
        return Insn.stmt(LD | MEM, k);
    }

    public static Insn ldxMem(int k) {
        return Insn.stmt(LDX | MEM, k);
    }

    public static Insn st(int k) {
        return Insn.stmt(ST, k);
    }

    public static Insn stx(int k) {
        return Insn.stmt(STX, k);
    }

    public static Insn tax() {
        return Insn.stmt(MISC | TAX, 0);
    }

    public static Insn txa() {
        return Insn.stmt(MISC | TXA, 0);
    }

    public static Insn alu(int op, int k) {
        return Insn.stmt(ALU | op | K, k);
    }

    public static Insn aluX(int op) {
        return Insn.stmt(ALU | op | X, 0);
    }

    public static Insn neg() {
        return Insn.stmt(ALU | NEG, 0);
    }

    public static Insn ja(int k) {
        return Insn.stmt(JMP | JA, k);
    }

    public static Insn jmp(int op, int k, int jt, int jf) {
        return Insn.jump(JMP | op | K, k, jt, jf);
    }

    public static Insn jmpX(int op, int jt, int jf) {
        return Insn.jump(JMP | op | X, 0, jt, jf);
    }

    public static Insn ret(int k) {
        return Insn.stmt(RET | K, k);
    }

    public static Insn retA() {
        return Insn.stmt(RET | A, 0);
    }

    public static Insn raw(int code, int jt, int jf, int k) {
        return new Insn(code, jt, jf, k);
    }
}
