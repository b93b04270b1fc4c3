package dev.sluice.ebpf.isa;

import static dev.sluice.ebpf.isa.Opcodes.*;

import com.oracle.truffle.api.CompilerDirectives;

/**
 * The one meaning of the ALU operations and jump conditions (the interpreter nodes run it; the verifier folds
 * constants with it). The arithmetic of RFC 9669 section 4.1 and the jump conditions of section 4.3, as pure functions. The interpreter
 * calls them with a partial-evaluation constant operation, so each call folds to the one operation it names.
 * Division by zero gives 0 and modulo by zero leaves dst unchanged (no trap); shift counts are masked to the operand
 * width (Java's shift operators do exactly that); 32-bit results are zero-extended.
 */
public final class Alu {
    private Alu() {}

    /** ALU64: {@code dst op src}; {@code off} selects sdiv/smod (1) and the width of movsx (8/16/32). */
    public static long alu64(int op, long dst, long src, int off) {
        switch (op) {
            case ADD:
                return dst + src;
            case SUB:
                return dst - src;
            case MUL:
                return dst * src;
            case DIV:
                if (src == 0) {
                    return 0;
                }
                return off == 0 ? Long.divideUnsigned(dst, src) : dst / src; // Long.MIN_VALUE / -1 wraps, no trap
            case MOD:
                if (src == 0) {
                    return dst;
                }
                return off == 0 ? Long.remainderUnsigned(dst, src) : dst % src; // truncated, as the RFC requires
            case OR:
                return dst | src;
            case AND:
                return dst & src;
            case XOR:
                return dst ^ src;
            case LSH:
                return dst << src;
            case RSH:
                return dst >>> src;
            case ARSH:
                return dst >> src;
            case NEG:
                return -dst;
            case MOV:
                return switch (off) {
                    case 8 -> (byte) src;
                    case 16 -> (short) src;
                    case 32 -> (int) src;
                    default -> src;
                };
            default:
                throw CompilerDirectives.shouldNotReachHere("ALU64 operation");
        }
    }

    /** ALU (32-bit): operates on the low 32 bits and zero-extends the result. */
    public static long alu32(int op, long dst64, long src64, int off) {
        int dst = (int) dst64;
        int src = (int) src64;
        int result;
        switch (op) {
            case ADD:
                result = dst + src;
                break;
            case SUB:
                result = dst - src;
                break;
            case MUL:
                result = dst * src;
                break;
            case DIV:
                result = src == 0 ? 0 : off == 0 ? Integer.divideUnsigned(dst, src) : dst / src;
                break;
            case MOD:
                result = src == 0 ? dst : off == 0 ? Integer.remainderUnsigned(dst, src) : dst % src;
                break;
            case OR:
                result = dst | src;
                break;
            case AND:
                result = dst & src;
                break;
            case XOR:
                result = dst ^ src;
                break;
            case LSH:
                result = dst << src;
                break;
            case RSH:
                result = dst >>> src;
                break;
            case ARSH:
                result = dst >> src;
                break;
            case NEG:
                result = -dst;
                break;
            case MOV:
                result = switch (off) {
                    case 8 -> (byte) src;
                    case 16 -> (short) src;
                    default -> src;
                };
                break;
            default:
                throw CompilerDirectives.shouldNotReachHere("ALU operation");
        }
        return result & 0xffffffffL;
    }

    /** END: to little-endian (truncate, on this little-endian machine), to big-endian or bswap (swap), width 16/32/64. */
    public static long byteSwap(boolean swap, int width, long v) {
        switch (width) {
            case 16:
                return (swap ? Short.reverseBytes((short) v) : (short) v) & 0xffffL;
            case 32:
                return (swap ? Integer.reverseBytes((int) v) : (int) v) & 0xffffffffL;
            default:
                return swap ? Long.reverseBytes(v) : v;
        }
    }

    /** A conditional jump's condition on 64-bit operands. */
    public static boolean condition64(int op, long a, long b) {
        switch (op) {
            case JEQ:
                return a == b;
            case JNE:
                return a != b;
            case JGT:
                return Long.compareUnsigned(a, b) > 0;
            case JGE:
                return Long.compareUnsigned(a, b) >= 0;
            case JLT:
                return Long.compareUnsigned(a, b) < 0;
            case JLE:
                return Long.compareUnsigned(a, b) <= 0;
            case JSET:
                return (a & b) != 0;
            case JSGT:
                return a > b;
            case JSGE:
                return a >= b;
            case JSLT:
                return a < b;
            case JSLE:
                return a <= b;
            default:
                throw CompilerDirectives.shouldNotReachHere("jump operation");
        }
    }

    /**
     * JMP32: the same conditions on the low 32 bits, as the 64-bit ones on those bits extended the way the comparison
     * reads them (signed comparisons sign-extend, the rest zero-extend).
     */
    public static boolean condition32(int op, long a64, long b64) {
        boolean signed = op == JSGT || op == JSGE || op == JSLT || op == JSLE;
        return signed ? condition64(op, (int) a64, (int) b64) : condition64(op, a64 & 0xffffffffL, b64 & 0xffffffffL);
    }
}
