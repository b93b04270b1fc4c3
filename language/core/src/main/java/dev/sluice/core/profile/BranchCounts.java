package dev.sluice.core.profile;

import com.oracle.truffle.api.CompilerDirectives;
import com.oracle.truffle.api.CompilerDirectives.CompilationFinal;

/**
 * How often each conditional jump of a guest program went each way while interpreted, given to the compiler as the
 * jump's branch probability where one way clearly dominates ({@link #skewed}), as GraalWasm profiles its branches.
 * Partial evaluation does not see the host interpreter's profiles, so without this Graal weighs both ways of every
 * guest branch alike: it lays out either successor as the fall-through and may choose a conditional move where one
 * side is almost never taken. With the counts, the path most packets take runs straight through.
 *
 * <p>The counts only guide code layout: no branch is removed or speculated on, so a branch that was never taken in the
 * interpreter still works, just out of line. Counting happens only in the interpreter, and only for a body's first
 * {@link #COUNTED} jumps: only the counts before a compilation matter, and an interpreter that never compiles
 * ({@code engine.Compilation=false}, the sluice command over a capture) then pays one read per jump instead of two
 * writes (counting every jump made a seccomp tree's interpreted batch 1.3-1.8x slower). Races between threads lose
 * increments, which only blurs a probability.
 *
 * <p>A node holds one in a final field, so that in compiled code the counts are constants and the probability folds.
 */
public final class BranchCounts {
    /** How many jumps of a body are counted, at most: far more than a compilation waits for. */
    static final int COUNTED = 1 << 20;
    /** The share of the rarer way at or below which a branch counts as {@link #skewed}. */
    private static final double UNEVEN = 0.2;

    /** Per site, the times taken, then the times not taken. */
    @CompilationFinal(dimensions = 1)
    private final int[] counts;
    /** How many more jumps are counted; read and written in the interpreter only. */
    private int left;

    /** Counts for {@code sites} branch sites, numbered from 0 (a program's instruction indexes). */
    public BranchCounts(int sites) {
        this(sites, COUNTED);
    }

    BranchCounts(int sites, int counted) {
        this.counts = new int[2 * sites];
        this.left = counted;
    }

    /**
     * {@code condition}, counted at {@code site} in the interpreter and, in compiled code, with the probability the
     * counts give.
     */
    public boolean profile(int site, boolean condition) {
        if (CompilerDirectives.inInterpreter()) {
            if (left > 0) {
                left--;
                counts[condition ? 2 * site : 2 * site + 1]++;
            }
            return condition;
        }
        int taken = counts[2 * site];
        int notTaken = counts[2 * site + 1];
        if (!skewed(taken, notTaken)) {
            return condition;
        }
        return CompilerDirectives.injectBranchProbability(probability(taken, notTaken), condition);
    }

    /**
     * How often {@code site} was reached in the interpreter, either way; a constant in compiled code. A body uses it to
     * choose between two equivalent forms of one instruction by how common its path is.
     */
    public int reached(int site) {
        return counts[2 * site] + counts[2 * site + 1];
    }

    /** The times {@code site} was taken (for tests). */
    int taken(int site) {
        return counts[2 * site];
    }

    /** The times {@code site} was not taken (for tests). */
    int notTaken(int site) {
        return counts[2 * site + 1];
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
