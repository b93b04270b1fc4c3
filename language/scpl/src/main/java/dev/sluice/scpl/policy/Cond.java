package dev.sluice.scpl.policy;

/**
 * A resolved argument condition: the one evaluator core of SCPL. {@link Policy#decide} and the Truffle nodes both
 * call {@link Compare#holds(long)} for the leaf tests, so the two executable semantics cannot drift apart.
 *
 * <p>Comparisons are unsigned 64-bit, like libseccomp's SCMP_CMP_*: {@code (arg & mask) op value}. The 32-bit
 * form ({@code low32(argN)}) compares only the low 32 bits of the argument, mask and value.
 */
public sealed interface Cond {
    boolean test(long[] args);

    enum Op {
        EQ("=="),
        NE("!="),
        LT("<"),
        LE("<="),
        GT(">"),
        GE(">=");

        public final String symbol;

        Op(String symbol) {
            this.symbol = symbol;
        }

        public static Op of(String symbol) {
            for (Op o : values()) {
                if (o.symbol.equals(symbol)) {
                    return o;
                }
            }
            throw new IllegalArgumentException(symbol);
        }
    }

    /** {@code (arg[index] & mask) op value}; for low32 the mask and value already fit in 32 bits. */
    record Compare(int arg, boolean low32, long mask, Op op, long value) implements Cond {
        @Override
        public boolean test(long[] args) {
            return holds(args[arg]);
        }

        /** The leaf test on one argument value. */
        public boolean holds(long argValue) {
            return apply(op, low32 ? argValue & 0xffffffffL & mask : argValue & mask, value);
        }

        public static boolean apply(Op op, long left, long right) {
            int c = Long.compareUnsigned(left, right);
            return switch (op) {
                case EQ -> c == 0;
                case NE -> c != 0;
                case LT -> c < 0;
                case LE -> c <= 0;
                case GT -> c > 0;
                case GE -> c >= 0;
            };
        }

        @Override
        public String toString() {
            String a = low32 ? "low32(arg" + arg + ")" : "arg" + arg;
            long full = low32 ? 0xffffffffL : -1L;
            String m = mask == full ? "" : String.format(" & 0x%x", mask);
            return a + m + " " + op.symbol + " "
                    + (value >= 0 && value < 4096 ? Long.toString(value) : String.format("0x%x", value));
        }
    }

    record And(Cond left, Cond right) implements Cond {
        @Override
        public boolean test(long[] args) {
            return left.test(args) && right.test(args);
        }

        @Override
        public String toString() {
            return "(" + left + " && " + right + ")";
        }
    }

    record Or(Cond left, Cond right) implements Cond {
        @Override
        public boolean test(long[] args) {
            return left.test(args) || right.test(args);
        }

        @Override
        public String toString() {
            return "(" + left + " || " + right + ")";
        }
    }

    record Not(Cond operand) implements Cond {
        @Override
        public boolean test(long[] args) {
            return !operand.test(args);
        }

        @Override
        public String toString() {
            return "!" + operand;
        }
    }

    record Const(boolean value) implements Cond {
        @Override
        public boolean test(long[] args) {
            return value;
        }

        @Override
        public String toString() {
            return Boolean.toString(value);
        }
    }
}
