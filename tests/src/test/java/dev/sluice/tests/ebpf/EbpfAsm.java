package dev.sluice.tests.ebpf;

import java.io.ByteArrayOutputStream;
import java.util.List;

/**
 * A minimal eBPF instruction encoder for the tests that drive the live kernel, independent of the language under
 * test. Opcode values are RFC 9669's (section 3 and following); an instruction is 8 bytes, little-endian: opcode,
 * dst (low nibble) and src (high nibble), a signed 16-bit offset, a signed 32-bit immediate. LDDW takes two slots.
 */
public final class EbpfAsm {
    // Instruction classes.
    public static final int LD = 0x00,
            LDX = 0x01,
            ST = 0x02,
            STX = 0x03,
            ALU = 0x04,
            JMP = 0x05,
            JMP32 = 0x06,
            ALU64 = 0x07;
    // Source operand.
    public static final int K = 0x00, X = 0x08;
    // Arithmetic operations.
    public static final int ADD = 0x00,
            SUB = 0x10,
            MUL = 0x20,
            DIV = 0x30,
            OR = 0x40,
            AND = 0x50,
            LSH = 0x60,
            RSH = 0x70,
            NEG = 0x80,
            MOD = 0x90,
            XOR = 0xa0,
            MOV = 0xb0,
            ARSH = 0xc0,
            END = 0xd0;
    // Jump operations.
    public static final int JA = 0x00,
            JEQ = 0x10,
            JGT = 0x20,
            JGE = 0x30,
            JSET = 0x40,
            JNE = 0x50,
            JSGT = 0x60,
            JSGE = 0x70,
            CALL = 0x80,
            EXIT = 0x90,
            JLT = 0xa0,
            JLE = 0xb0,
            JSLT = 0xc0,
            JSLE = 0xd0;
    // Sizes and modes of loads and stores.
    public static final int W = 0x00, H = 0x08, B = 0x10, DW = 0x18;
    public static final int IMM = 0x00, ABS = 0x20, IND = 0x40, MEM = 0x60, MEMSX = 0x80, ATOMIC = 0xc0;
    /** LDDW source: the immediate is a map file descriptor (BPF_PSEUDO_MAP_FD in linux/bpf.h). */
    public static final int PSEUDO_MAP_FD = 1;

    // Helper ids, from enum bpf_func_id (___BPF_FUNC_MAPPER) in linux/bpf.h.
    public static final int HELPER_MAP_LOOKUP_ELEM = 1;
    public static final int HELPER_MAP_UPDATE_ELEM = 2;
    public static final int HELPER_MAP_DELETE_ELEM = 3;
    public static final int HELPER_KTIME_GET_NS = 5;
    public static final int HELPER_GET_PRANDOM_U32 = 7;
    public static final int HELPER_GET_SMP_PROCESSOR_ID = 8;

    // XDP actions (enum xdp_action).
    public static final int XDP_ABORTED = 0, XDP_DROP = 1, XDP_PASS = 2, XDP_TX = 3, XDP_REDIRECT = 4;

    private EbpfAsm() {}

    /** One 8-byte instruction slot. */
    public record Insn(int opcode, int dst, int src, int off, int imm) {
        public Insn {
            if (dst < 0
                    || dst > 15
                    || src < 0
                    || src > 15
                    || off < Short.MIN_VALUE
                    || off > 0xffff
                    || opcode < 0
                    || opcode > 0xff) {
                throw new IllegalArgumentException(
                        "bad instruction fields " + opcode + " " + dst + " " + src + " " + off);
            }
        }

        void encode(ByteArrayOutputStream out) {
            out.write(opcode);
            out.write(src << 4 | dst);
            out.write(off);
            out.write(off >> 8);
            out.write(imm);
            out.write(imm >> 8);
            out.write(imm >> 16);
            out.write(imm >> 24);
        }

        @Override
        public String toString() {
            return String.format("op=0x%02x dst=r%d src=r%d off=%d imm=%d", opcode, dst, src, (short) off, imm);
        }
    }

    public static byte[] encode(List<Insn> insns) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(insns.size() * 8);
        for (Insn i : insns) {
            i.encode(out);
        }
        return out.toByteArray();
    }

    public static byte[] encode(Insn... insns) {
        return encode(List.of(insns));
    }

    public static Insn alu64Imm(int op, int dst, int imm) {
        return new Insn(ALU64 | K | op, dst, 0, 0, imm);
    }

    public static Insn alu64Reg(int op, int dst, int src) {
        return new Insn(ALU64 | X | op, dst, src, 0, 0);
    }

    public static Insn alu32Imm(int op, int dst, int imm) {
        return new Insn(ALU | K | op, dst, 0, 0, imm);
    }

    public static Insn alu32Reg(int op, int dst, int src) {
        return new Insn(ALU | X | op, dst, src, 0, 0);
    }

    public static Insn mov64Imm(int dst, int imm) {
        return alu64Imm(MOV, dst, imm);
    }

    public static Insn mov64Reg(int dst, int src) {
        return alu64Reg(MOV, dst, src);
    }

    /** The first slot of LDDW; {@link #lddwHigh} is the second. */
    public static Insn lddwLow(int dst, int src, long imm) {
        return new Insn(LD | IMM | DW, dst, src, 0, (int) imm);
    }

    public static Insn lddwHigh(long imm) {
        return new Insn(0, 0, 0, 0, (int) (imm >>> 32));
    }

    public static Insn ldx(int size, int dst, int src, int off) {
        return new Insn(LDX | MEM | size, dst, src, off, 0);
    }

    public static Insn stx(int size, int dst, int src, int off) {
        return new Insn(STX | MEM | size, dst, src, off, 0);
    }

    public static Insn st(int size, int dst, int off, int imm) {
        return new Insn(ST | MEM | size, dst, 0, off, imm);
    }

    /** Legacy packet load: r0 = ntoh(packet[imm]) of the given size; the context must be in r6. */
    public static Insn ldAbs(int size, int imm) {
        return new Insn(LD | ABS | size, 0, 0, 0, imm);
    }

    public static Insn ldInd(int size, int src, int imm) {
        return new Insn(LD | IND | size, 0, src, 0, imm);
    }

    public static Insn jmpImm(int op, int dst, int imm, int off) {
        return new Insn(JMP | K | op, dst, 0, off, imm);
    }

    public static Insn jmpReg(int op, int dst, int src, int off) {
        return new Insn(JMP | X | op, dst, src, off, 0);
    }

    public static Insn jmp32Imm(int op, int dst, int imm, int off) {
        return new Insn(JMP32 | K | op, dst, 0, off, imm);
    }

    public static Insn jmp32Reg(int op, int dst, int src, int off) {
        return new Insn(JMP32 | X | op, dst, src, off, 0);
    }

    public static Insn ja(int off) {
        return new Insn(JMP | JA, 0, 0, off, 0);
    }

    public static Insn call(int helper) {
        return new Insn(JMP | CALL, 0, 0, 0, helper);
    }

    public static Insn exit() {
        return new Insn(JMP | EXIT, 0, 0, 0, 0);
    }
}
