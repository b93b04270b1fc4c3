package dev.sluice.ebpf.isa;

/**
 * One 8-byte instruction slot of RFC 9669: opcode, dst and src registers (4 bits each), a signed 16-bit offset and a
 * signed 32-bit immediate. LDDW takes two slots; its second slot is an {@code Insn} too (opcode 0, imm = high word).
 */
public record Insn(int opcode, int dst, int src, int off, int imm) {
    public Insn {
        if ((opcode & ~0xff) != 0 || (dst & ~0xf) != 0 || (src & ~0xf) != 0 || off != (short) off) {
            throw new IllegalArgumentException(
                    "instruction field out of range: " + opcode + " " + dst + " " + src + " " + off);
        }
    }

    /** Decodes a slot from its little-endian 64-bit form (bits 0-7 opcode, 8-11 dst, 12-15 src, 16-31 off, 32-63 imm). */
    public static Insn decode(long word) {
        return new Insn(
                (int) (word & 0xff), (int) (word >>> 8) & 0xf, (int) (word >>> 12) & 0xf, (short) (word >>> 16), (int)
                        (word >>> 32));
    }

    public long encode() {
        return (opcode & 0xffL)
                | (dst & 0xfL) << 8
                | (src & 0xfL) << 12
                | (off & 0xffffL) << 16
                | (imm & 0xffffffffL) << 32;
    }

    public int cls() {
        return Opcodes.cls(opcode);
    }
}
