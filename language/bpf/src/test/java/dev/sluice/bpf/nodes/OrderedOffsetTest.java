package dev.sluice.bpf.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.bpf.lower.Op;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The key blinded {@code jgt #k} and {@code jge #k} add to both sides ({@link FilterBodyNode#orderedKey}): every stored
 * sum must be a signed 32-bit value (an x86 immediate) for every key, and the offset must be random, not a function of
 * the program's constants alone.
 */
class OrderedOffsetTest {
    private static final int[] EXTREME_KEYS = {0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, 0x5EED1234};
    private static final long[] EXTREME_DRAWS = {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, 1L << 31, (1L << 31) + 1};

    @Test
    void everyStoredSumFitsInSignedThirtyTwoBitsForEveryKeyAndDraw() {
        long[][] comparandSets = {
            {0},
            {0xffffffffL},
            {0x7fffffffL, 0x80000000L},
            {0, 1L << 30},
            {0xffffffffL - (1L << 30), 0xffffffffL},
            {0x12345678L, 0x23456789L, 0x30000000L}
        };
        for (long[] ks : comparandSets) {
            int[][] program = orderedJumps(ks);
            for (long draw : EXTREME_DRAWS) {
                long offset = FilterBodyNode.orderedOffset(program[0], program[1], draw);
                assertNotEquals(FilterBodyNode.WIDE_ORDER, offset, "comparands spread at most 2^30 are narrow");
                for (int key : EXTREME_KEYS) {
                    long[] sums = FilterBodyNode.orderedComparands(
                            program[0], program[1], FilterBodyNode.orderedKey(key, offset));
                    for (int pc = 0; pc < ks.length; pc++) {
                        long sum = sums[pc];
                        assertEquals((int) sum, sum, "k=" + ks[pc] + " key=" + key + " draw=" + draw);
                    }
                }
            }
        }
    }

    @Test
    void comparandsSpreadOverMoreThanTwoToTheThirtyOrAbsentAreWide() {
        int[][] wide = orderedJumps(new long[] {0, (1L << 30) + 1});
        assertEquals(FilterBodyNode.WIDE_ORDER, FilterBodyNode.orderedOffset(wide[0], wide[1], 12345));
        int[][] none = {new int[] {Op.JEQ_K, Op.RET_K}, new int[] {7, 0}};
        assertEquals(FilterBodyNode.WIDE_ORDER, FilterBodyNode.orderedOffset(none[0], none[1], 12345));
        // Wide, the key is read unsigned: sums lie in [0, 2^33) and keep their order.
        assertEquals(0xffffffffL + 0xffffffffL, FilterBodyNode.orderedKey(-1, FilterBodyNode.WIDE_ORDER) + 0xffffffffL);
    }

    @Test
    void theOffsetRangesOverEveryFittingValueAndDependsOnTheDraw() {
        int[][] program = orderedJumps(new long[] {1000, 5000});
        // All offsets with which the key's top 31 bits keep every sum in range: [-2^30 - 1000, 2^30 - 5000].
        long lowest = -(1L << 30) - 1000, highest = (1L << 30) - 5000;
        long choices = highest - lowest + 1;
        assertEquals(lowest, FilterBodyNode.orderedOffset(program[0], program[1], 0));
        assertEquals(highest, FilterBodyNode.orderedOffset(program[0], program[1], choices - 1));
        assertEquals(lowest, FilterBodyNode.orderedOffset(program[0], program[1], choices));
        Set<Long> seen = new HashSet<>();
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 64; i++) {
            long offset = FilterBodyNode.orderedOffset(program[0], program[1], random.nextLong());
            assertTrue(offset >= lowest && offset <= highest, "offset " + offset);
            seen.add(offset);
        }
        assertTrue(seen.size() > 60, "offsets drawn: " + seen.size());
    }

    /** ops and constants of a program of {@code jgt #k} / {@code jge #k} (alternating) for each k. */
    private static int[][] orderedJumps(long[] ks) {
        int[] ops = new int[ks.length + 1];
        int[] constants = new int[ks.length + 1];
        for (int pc = 0; pc < ks.length; pc++) {
            ops[pc] = pc % 2 == 0 ? Op.JGT_K : Op.JGE_K;
            constants[pc] = (int) ks[pc];
        }
        ops[ks.length] = Op.RET_K;
        return new int[][] {ops, constants};
    }
}
