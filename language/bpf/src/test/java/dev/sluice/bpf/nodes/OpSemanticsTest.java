package dev.sluice.bpf.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sluice.bpf.lower.Op;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The branch-free jump masks of constant-time mode mean exactly what the dispatch loop's jump conditions mean. */
class OpSemanticsTest {
    private static final int[] EDGES = {
        0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe, 0xffffffff
    };
    private static final int[] JUMPS = {Op.JEQ_K, Op.JGT_K, Op.JGE_K, Op.JSET_K, Op.JEQ_X, Op.JGT_X, Op.JGE_X, Op.JSET_X
    };

    @Test
    void jumpMaskIsMinusOneExactlyWhenTheJumpIsTaken() {
        for (int op : JUMPS) {
            for (int a : EDGES) {
                for (int operand : EDGES) {
                    check(op, a, operand);
                }
            }
        }
        SplittableRandom random = new SplittableRandom(13);
        for (int i = 0; i < 200_000; i++) {
            check(JUMPS[random.nextInt(JUMPS.length)], random.nextInt(), random.nextInt());
        }
    }

    private static void check(int op, int a, int operand) {
        int expected = OpSemantics.jumpTaken(op, a, operand, operand) ? -1 : 0;
        assertEquals(
                expected,
                OpSemantics.jumpMask(op, a, operand, operand),
                () -> "op " + op + " a " + Integer.toHexString(a) + " operand " + Integer.toHexString(operand));
    }

    @Test
    void unsignedComparisonsAndShiftMasking() {
        assertEquals(true, OpSemantics.jumpTaken(Op.JGT_K, 0x80000000, 0, 1), "comparisons are unsigned");
        assertEquals(false, OpSemantics.jumpTaken(Op.JGE_X, 1, 0x80000000, 0));
        assertEquals(0x7fffffff, OpSemantics.alu(Op.DIV_K, 0xffffffff, 0, 2), "division is unsigned");
        assertEquals(1, OpSemantics.alu(Op.MOD_X, 0xffffffff, 2, 0));
        assertEquals(
                2,
                OpSemantics.alu(Op.LSH_X, 1, 33, 0),
                "the shift count by X is taken modulo 32, as the kernel masks it");
        assertEquals(0x3c, OpSemantics.headerLength(0x4f), "LDX_MSH: 4 * (P[k] & 0xf)");
    }
}
