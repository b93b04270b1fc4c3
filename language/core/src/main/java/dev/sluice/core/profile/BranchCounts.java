package dev.sluice.core.profile;

import com.oracle.truffle.api.CompilerDirectives;

/**
 * How often each conditional jump of a guest program went each way while interpreted, given to the compiler as the
 * jump's branch probability where one way clearly dominates ({@link #skewed}), as GraalWasm profiles its branches. Partial evaluation does not see the host
 * interpreter's profiles, so without this every guest branch is a coin toss to Graal: it lays out either successor
 * as the fall-through and may choose a conditional move where one side is almost never taken. With the counts, the
 * path most packets take runs straight through.
 *
 * <p>The counts only guide code layout: no branch is removed or speculated on, so a branch that was never taken in the
 * interpreter still works, just out of line. Counting happens only in the interpreter; races between threads lose
 * increments, which only blurs a probability.
 *
 * <p>A holder keeps the array in a field marked {@code @CompilationFinal(dimensions = 1)}, so that in compiled code
 * the counts are constants and the probability folds.
 */
public final class BranchCounts {
    /** Counts are halved when a site's two counts together reach this, so that later behaviour still shows. */
    private static final int HALVE_AT = 1 << 24;
    /** The share of the rarer way at or below which a branch counts as {@link #skewed}. */
    private static final double UNEVEN = 0.2;

    private BranchCounts() {}

    /** Counts for {@code sites} branch sites, numbered from 0 (a program's instruction indexes). */
    public static int[] forSites(int sites) {
        return new int[2 * sites];
    }

    /**
     * {@code condition}, counted at {@code site} in the interpreter and, in compiled code, with the probability the
     * counts give.
     */
    public static boolean profile(int[] counts, int site, boolean condition) {
        int taken = counts[2 * site];
        int notTaken = counts[2 * site + 1];
        if (CompilerDirectives.inInterpreter()) {
            if (condition) {
                taken++;
            } else {
                notTaken++;
            }
            if (taken + notTaken >= HALVE_AT) {
                taken >>= 1;
                notTaken >>= 1;
            }
            counts[2 * site] = taken;
            counts[2 * site + 1] = notTaken;
            return condition;
        }
        if (!skewed(taken, notTaken)) {
            return condition;
        }
        return CompilerDirectives.injectBranchProbability(probability(taken, notTaken), condition);
    }

    /**
     * Whether one way was taken at least four times as often as the other: only then is the probability given to the
     * compiler. A branch without such a majority keeps the compiler's own layout. Measured on a balanced tree of 31
     * jumps over uniform values (eBPF's {@code EbpfBenchmark.treeBatch}), giving its near-even probabilities made the
     * batch 2-3x slower in every code placement tried, and leaving them out kept it at the level without counts
     * (docs/performance.md, "Branch counts").
     */
    static boolean skewed(int taken, int notTaken) {
        double p = probability(taken, notTaken);
        return p <= UNEVEN || p >= 1 - UNEVEN;
    }

    /**
     * The probability of taking a branch seen {@code taken} and {@code notTaken} times: 0.5 when never seen, never
     * exactly 0 or 1, since a branch not seen in the interpreter may still go that way.
     */
    static double probability(int taken, int notTaken) {
        return (taken + 0.5) / (taken + notTaken + 1.0);
    }
}
