package dev.sluice.scpl.nodes;

import com.oracle.truffle.api.memory.ByteArraySupport;
import com.oracle.truffle.api.nodes.Node;
import dev.sluice.scpl.policy.Cond;

/** Argument-condition nodes. Leaf tests call {@link Cond.Compare#holds(long)}, the shared evaluator core. */
abstract class CondNode extends Node {
    abstract boolean execute(byte[] data);

    static CondNode create(Cond c, boolean bigEndian) {
        return switch (c) {
            case Cond.Compare cmp -> new CompareNode(cmp, bigEndian);
            case Cond.And a -> new AndNode(create(a.left(), bigEndian), create(a.right(), bigEndian));
            case Cond.Or o -> new OrNode(create(o.left(), bigEndian), create(o.right(), bigEndian));
            case Cond.Not n -> new NotNode(create(n.operand(), bigEndian));
            case Cond.Const k -> new ConstNode(k.value());
        };
    }

    static final class CompareNode extends CondNode {
        private final Cond.Compare compare;
        private final int offset;
        private final boolean bigEndian;

        CompareNode(Cond.Compare compare, boolean bigEndian) {
            this.compare = compare;
            this.offset = 16 + 8 * compare.arg();
            this.bigEndian = bigEndian;
        }

        @Override
        boolean execute(byte[] data) {
            long arg =
                    (bigEndian ? ByteArraySupport.bigEndian() : ByteArraySupport.littleEndian()).getLong(data, offset);
            return compare.holds(arg);
        }
    }

    static final class AndNode extends CondNode {
        @Child
        private CondNode left;

        @Child
        private CondNode right;

        AndNode(CondNode left, CondNode right) {
            this.left = left;
            this.right = right;
        }

        @Override
        boolean execute(byte[] data) {
            return left.execute(data) && right.execute(data);
        }
    }

    static final class OrNode extends CondNode {
        @Child
        private CondNode left;

        @Child
        private CondNode right;

        OrNode(CondNode left, CondNode right) {
            this.left = left;
            this.right = right;
        }

        @Override
        boolean execute(byte[] data) {
            return left.execute(data) || right.execute(data);
        }
    }

    static final class NotNode extends CondNode {
        @Child
        private CondNode operand;

        NotNode(CondNode operand) {
            this.operand = operand;
        }

        @Override
        boolean execute(byte[] data) {
            return !operand.execute(data);
        }
    }

    static final class ConstNode extends CondNode {
        private final boolean value;

        ConstNode(boolean value) {
            this.value = value;
        }

        @Override
        boolean execute(byte[] data) {
            return value;
        }
    }
}
