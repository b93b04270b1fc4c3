package dev.sluice.ebpf.isa;

/**
 * Opcode fields of RFC 9669 (section 3 and 4), with the names of Linux's {@code include/uapi/linux/bpf.h}. An opcode
 * byte is a class (low 3 bits) and, depending on the class, an operation and source or a size and mode.
 */
public final class Opcodes {
    private Opcodes() {}

    // Classes.
    public static final int LD = 0x00,
            LDX = 0x01,
            ST = 0x02,
            STX = 0x03,
            ALU = 0x04,
            JMP = 0x05,
            JMP32 = 0x06,
            ALU64 = 0x07;

    // Source bit of ALU and JMP classes.
    public static final int K = 0x00, X = 0x08;

    // ALU operations (high 4 bits).
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
    /** END with the source bit: to little-endian (K) or big-endian (X); on ALU64 only K, an unconditional swap. */
    public static final int TO_LE = 0x00, TO_BE = 0x08;

    // Jump operations (high 4 bits).
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

    // Load and store sizes and modes.
    public static final int W = 0x00, H = 0x08, B = 0x10, DW = 0x18;
    public static final int IMM = 0x00, ABS = 0x20, IND = 0x40, MEM = 0x60, MEMSX = 0x80, ATOMIC = 0xc0;

    // Atomic operations (in imm).
    public static final int FETCH = 0x01, XCHG = 0xe0 | FETCH, CMPXCHG = 0xf0 | FETCH;

    // Sources of a call (src field).
    public static final int CALL_HELPER = 0, CALL_LOCAL = 1, CALL_KFUNC = 2;

    // Pseudo sources of LDDW (src field), RFC 9669 section 5.4.
    public static final int LDDW_IMM64 = 0,
            LDDW_MAP_FD = 1,
            LDDW_MAP_VALUE_FD = 2,
            LDDW_VARIABLE = 3,
            LDDW_FUNCTION = 4,
            LDDW_MAP_IDX = 5,
            LDDW_MAP_VALUE_IDX = 6;

    /** The LDDW opcode: LD | IMM | DW, two instruction slots. */
    public static final int LDDW = LD | IMM | DW;

    public static final int REGISTERS = 11;
    public static final int FRAME_POINTER = 10;

    public static int cls(int opcode) {
        return opcode & 0x07;
    }

    public static int op(int opcode) {
        return opcode & 0xf0;
    }

    public static int source(int opcode) {
        return opcode & 0x08;
    }

    public static int size(int opcode) {
        return opcode & 0x18;
    }

    public static int mode(int opcode) {
        return opcode & 0xe0;
    }

    public static int sizeBytes(int opcode) {
        return switch (size(opcode)) {
            case W -> 4;
            case H -> 2;
            case B -> 1;
            default -> 8;
        };
    }

    public static boolean isAlu(int opcode) {
        return cls(opcode) == ALU || cls(opcode) == ALU64;
    }

    public static boolean isJump(int opcode) {
        return cls(opcode) == JMP || cls(opcode) == JMP32;
    }

    /** Conditional jumps: every jump operation except JA, CALL and EXIT. */
    public static boolean isConditionalJump(int opcode) {
        if (!isJump(opcode)) {
            return false;
        }
        int op = op(opcode);
        return op != JA && op != CALL && op != EXIT;
    }
}
