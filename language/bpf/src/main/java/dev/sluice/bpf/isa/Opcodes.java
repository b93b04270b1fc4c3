package dev.sluice.bpf.isa;

/**
 * Classic BPF opcode constants and the kernel's opcode whitelist.
 *
 * <p>Values are facts from Linux {@code include/uapi/linux/bpf_common.h} and {@code filter.h}; the
 * whitelist mirrors {@code codes[]} in {@code net/core/filter.c}, which accepts exact 16-bit codes only.
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
            RET = 0x06,
            MISC = 0x07;
    // Sizes.
    public static final int W = 0x00, H = 0x08, B = 0x10;
    // Modes.
    public static final int IMM = 0x00, ABS = 0x20, IND = 0x40, MEM = 0x60, LEN = 0x80, MSH = 0xa0;
    // ALU and JMP operations.
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
            XOR = 0xa0;
    public static final int JA = 0x00, JEQ = 0x10, JGT = 0x20, JGE = 0x30, JSET = 0x40;
    // Sources.
    public static final int K = 0x00, X = 0x08, A = 0x10;
    // MISC operations.
    public static final int TAX = 0x00, TXA = 0x80;

    /** BPF_MAXINSNS. */
    public static final int MAX_INSNS = 4096;
    /** BPF_MEMWORDS. */
    public static final int MEMWORDS = 16;

    /** Negative load offsets (linux/filter.h). */
    public static final int SKF_AD_OFF = -0x1000;

    public static final int SKF_NET_OFF = -0x100000;
    public static final int SKF_LL_OFF = -0x200000;

    public static int cls(int code) {
        return code & 0x07;
    }

    public static int size(int code) {
        return code & 0x18;
    }

    public static int mode(int code) {
        return code & 0xe0;
    }

    public static int op(int code) {
        return code & 0xf0;
    }

    public static int src(int code) {
        return code & 0x08;
    }

    public static int retSrc(int code) {
        return code & 0x18;
    }

    private static final boolean[] ALLOWED = new boolean[256];

    static {
        int[] allowed = {
            // ALU, K and X forms
            ALU | ADD | K,
            ALU | ADD | X,
            ALU | SUB | K,
            ALU | SUB | X,
            ALU | MUL | K,
            ALU | MUL | X,
            ALU | DIV | K,
            ALU | DIV | X,
            ALU | MOD | K,
            ALU | MOD | X,
            ALU | AND | K,
            ALU | AND | X,
            ALU | OR | K,
            ALU | OR | X,
            ALU | XOR | K,
            ALU | XOR | X,
            ALU | LSH | K,
            ALU | LSH | X,
            ALU | RSH | K,
            ALU | RSH | X,
            ALU | NEG,
            // Loads
            LD | W | ABS,
            LD | H | ABS,
            LD | B | ABS,
            LD | W | LEN,
            LD | W | IND,
            LD | H | IND,
            LD | B | IND,
            LD | IMM,
            LD | MEM,
            LDX | W | LEN,
            LDX | B | MSH,
            LDX | IMM,
            LDX | MEM,
            // Stores
            ST,
            STX,
            // Misc
            MISC | TAX,
            MISC | TXA,
            // Return
            RET | K,
            RET | A,
            // Jumps
            JMP | JA,
            JMP | JEQ | K,
            JMP | JEQ | X,
            JMP | JGE | K,
            JMP | JGE | X,
            JMP | JGT | K,
            JMP | JGT | X,
            JMP | JSET | K,
            JMP | JSET | X,
        };
        for (int c : allowed) {
            ALLOWED[c] = true;
        }
    }

    /** The kernel's {@code chk_code_allowed}: exact codes only. */
    public static boolean isKnown(int code) {
        return code >= 0 && code < ALLOWED.length && ALLOWED[code];
    }

    public static boolean isConditionalJump(int code) {
        return cls(code) == JMP && op(code) != JA;
    }

    public static boolean isJump(int code) {
        return cls(code) == JMP;
    }

    public static boolean isReturn(int code) {
        return code == (RET | K) || code == (RET | A);
    }

    /** A short human name for an opcode, as bpf_asm spells the mnemonic. */
    public static String mnemonic(int code) {
        if (!isKnown(code)) {
            return String.format("opcode 0x%02x", code);
        }
        switch (cls(code)) {
            case LD:
                return switch (size(code)) {
                    case H -> "ldh";
                    case B -> "ldb";
                    default -> "ld";
                };
            case LDX:
                return code == (LDX | B | MSH) ? "ldxb" : "ldx";
            case ST:
                return "st";
            case STX:
                return "stx";
            case MISC:
                return code == (MISC | TAX) ? "tax" : "txa";
            case RET:
                return "ret";
            case ALU:
                return switch (op(code)) {
                    case ADD -> "add";
                    case SUB -> "sub";
                    case MUL -> "mul";
                    case DIV -> "div";
                    case MOD -> "mod";
                    case AND -> "and";
                    case OR -> "or";
                    case XOR -> "xor";
                    case LSH -> "lsh";
                    case RSH -> "rsh";
                    default -> "neg";
                };
            default:
                return switch (op(code)) {
                    case JA -> "ja";
                    case JEQ -> "jeq";
                    case JGT -> "jgt";
                    case JGE -> "jge";
                    default -> "jset";
                };
        }
    }
}
