package dev.sluice.bpf.nodes;

import com.oracle.truffle.api.CompilerDirectives;
import dev.sluice.bpf.lower.Op;

/**
 * What the lowered operations compute: the one definition that both execution modes use, the dispatch loop
 * ({@link FilterBodyNode}, which {@code sluice explain} observes) and the predicated constant-time body
 * ({@link ConstantTimeBodyNode}). Pure functions of the registers and the constant; callers keep their own storage
 * (a register array, or masked per-instruction states) and their own control (a jump, or masks on both edges).
 *
 * <p>Every method is small and, with a partial-evaluation-constant {@code op}, folds to the one operation: the
 * compiled filter stays straight-line code.
 */
public final class OpSemantics {
    private OpSemantics() {}

    /** Whether {@code op} computes a new A from A, X and k ({@link #alu}). */
    public static boolean isAlu(int op) {
        return op >= Op.ADD_K && op <= Op.NEG;
    }

    /** Whether {@code op} is a conditional jump ({@link #jumpTaken}, {@link #jumpMask}). */
    public static boolean isConditionalJump(int op) {
        return op >= Op.JEQ_K && op <= Op.JSET_X;
    }

    /** Whether {@code op} divides by X, which ends the program with 0 when X is 0 (the kernel's rule). */
    public static boolean dividesByX(int op) {
        return op == Op.DIV_X || op == Op.MOD_X;
    }

    /**
     * A after an ALU operation. Arithmetic is modulo 2^32, division and remainder unsigned; shifts by X use its low
     * five bits (the kernel masks the count, as Java does); shifts by k are below 32 (verifier). For {@link Op#DIV_X}
     * and {@link Op#MOD_X} the caller has handled X = 0 ({@link #dividesByX}).
     */
    public static int alu(int op, int a, int x, int k) {
        return switch (op) {
            case Op.ADD_K -> a + k;
            case Op.SUB_K -> a - k;
            case Op.MUL_K -> a * k;
            case Op.DIV_K -> Integer.divideUnsigned(a, k);
            case Op.MOD_K -> Integer.remainderUnsigned(a, k);
            case Op.AND_K -> a & k;
            case Op.OR_K -> a | k;
            case Op.XOR_K -> a ^ k;
            case Op.LSH_K -> a << k;
            case Op.RSH_K -> a >>> k;
            case Op.ADD_X -> a + x;
            case Op.SUB_X -> a - x;
            case Op.MUL_X -> a * x;
            case Op.DIV_X -> Integer.divideUnsigned(a, x);
            case Op.MOD_X -> Integer.remainderUnsigned(a, x);
            case Op.AND_X -> a & x;
            case Op.OR_X -> a | x;
            case Op.XOR_X -> a ^ x;
            case Op.LSH_X -> a << (x & 31);
            case Op.RSH_X -> a >>> (x & 31);
            case Op.NEG -> -a;
            default -> throw CompilerDirectives.shouldNotReachHere("not an ALU op");
        };
    }

    /** Whether a conditional jump goes to its true target: comparisons are unsigned, JSET tests A & operand. */
    public static boolean jumpTaken(int op, int a, int x, int k) {
        int operand = op >= Op.JEQ_X ? x : k;
        return switch (op) {
            case Op.JEQ_K, Op.JEQ_X -> a == operand;
            case Op.JGT_K, Op.JGT_X -> Integer.compareUnsigned(a, operand) > 0;
            case Op.JGE_K, Op.JGE_X -> Integer.compareUnsigned(a, operand) >= 0;
            case Op.JSET_K, Op.JSET_X -> (a & operand) != 0;
            default -> throw CompilerDirectives.shouldNotReachHere("not a conditional jump");
        };
    }

    /**
     * {@link #jumpTaken} as a mask, -1 when taken and 0 when not, computed by arithmetic without a branch on A or X
     * (constant-time mode). {@code OpSemanticsTest} checks that the two agree.
     */
    public static int jumpMask(int op, int a, int x, int k) {
        int operand = op >= Op.JEQ_X ? x : k;
        return switch (op) {
            case Op.JEQ_K, Op.JEQ_X -> ~nonZero(a ^ operand);
            case Op.JGT_K, Op.JGT_X -> greaterUnsigned(a, operand);
            case Op.JGE_K, Op.JGE_X -> ~greaterUnsigned(operand, a);
            case Op.JSET_K, Op.JSET_X -> nonZero(a & operand);
            default -> throw CompilerDirectives.shouldNotReachHere("not a conditional jump");
        };
    }

    /** -1 if v != 0, else 0; no branch. */
    static int nonZero(int v) {
        return (v | -v) >> 31;
    }

    /** -1 if a > b unsigned, else 0; no branch. */
    static int greaterUnsigned(int a, int b) {
        return (int) (((b & 0xffffffffL) - (a & 0xffffffffL)) >> 63);
    }

    /** Bytes read by a packet load: 4 for the _W forms, 2 for _H, 1 for _B and LDX_MSH. */
    public static int loadSize(int op) {
        return switch (op) {
            case Op.LD_ABS_W, Op.LD_IND_W, Op.LD_NEG_W -> 4;
            case Op.LD_ABS_H, Op.LD_IND_H, Op.LD_NEG_H -> 2;
            default -> 1;
        };
    }

    /** Whether a packet load is at X + k (the IND forms); the others are at k. */
    public static boolean indexedByX(int op) {
        return op == Op.LD_IND_W || op == Op.LD_IND_H || op == Op.LD_IND_B;
    }

    /** LDX_MSH: X = 4 * (P[k] & 0xf), the IPv4 header length. */
    public static int headerLength(int loadedByte) {
        return (loadedByte & 0xf) << 2;
    }
}
