package dev.sluice.core.guard;

import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;
import com.oracle.truffle.api.nodes.Node;
import dev.sluice.core.error.CoreFailure;
import dev.sluice.core.error.SluiceException;
import java.util.concurrent.atomic.LongAdder;

/**
 * The budgets of one loaded program and their counters (a fuel guard any language's interpreter can meter against) (docs/guards.md, "Budgets").
 * <ul>
 * <li>Per invocation: at most {@link GuardOptions#maxInstructions()} instructions; the interpreter counts down and
 * stops at the instruction that would exceed it.</li>
 * <li>Per program, over a window of {@link GuardOptions#windowMillis()}: at most {@code rate * window / 1000}
 * invocations and instructions. An invocation that finds the invocation allowance used up does not run; one that
 * finds part of the instruction allowance left runs with that as its limit.</li>
 * </ul>
 * When a budget runs out the declared action applies: a guest error naming the instruction and the budget, or a fixed
 * verdict. Counters (for all its entry points) are readable filter members. Under concurrent invocations the window
 * allowance is checked at entry, so it can be overshot by the instructions of invocations already running.
 */
public final class Budget {
    private final GuardOptions options;
    private final String optionPrefix;
    private final int longestRun;
    private final long invocationAllowance;
    private final long instructionAllowance;
    private final long windowNanos;

    private final LongAdder invocations = new LongAdder();
    private final LongAdder instructions = new LongAdder();
    private final LongAdder overBudget = new LongAdder();

    // The current window; guarded by this.
    private long windowStart;
    private long windowInvocations;
    private long windowInstructions;

    /**
     * @param optionPrefix the language's option namespace ({@code "bpf"}), named in over-budget messages
     * @param longestRun the most instructions one run of any program of the language can execute (classic BPF: 4096,
     *            the kernel's program length limit, since jumps go only forward)
     */
    public Budget(GuardOptions options, String optionPrefix, int longestRun) {
        this.options = options;
        this.optionPrefix = optionPrefix;
        this.longestRun = longestRun;
        this.windowNanos = options.windowMillis() * 1_000_000L;
        this.invocationAllowance = allowance(options.invocationsPerSecond(), options.windowMillis());
        this.instructionAllowance = allowance(options.instructionsPerSecond(), options.windowMillis());
        this.windowStart = System.nanoTime();
    }

    private static long allowance(long perSecond, long windowMillis) {
        return perSecond <= 0 ? 0 : Math.max(1, perSecond * windowMillis / 1000);
    }

    private boolean windowed() {
        return options.windowed();
    }

    /** Whether every invocation is admitted and charged: a per-program budget or the counters are on. */
    public boolean accounted() {
        return windowed() || options.counters();
    }

    /** The instruction limit of an invocation when nothing is {@link #accounted}: {@code <lang>.MaxInstructions} or unlimited. */
    public int staticLimit() {
        return options.maxInstructions() > 0 ? options.maxInstructions() : Integer.MAX_VALUE;
    }

    /**
     * Whether a program whose longest run executes {@code longestPath} instructions needs counting at all: it does when
     * something is {@link #accounted}, or when that run is longer than the per-invocation limit. A limit at or above a
     * program's static bound can never be reached and costs nothing.
     */
    public boolean needsMetering(int longestPath) {
        if (accounted()) {
            return true;
        }
        return options.maxInstructions() > 0 && longestPath > options.maxInstructions();
    }

    /**
     * Admits one invocation: returns its instruction limit, or -1 when the invocation allowance of the window is used
     * up (the caller then applies {@link #refuse}).
     */
    @TruffleBoundary
    public int admit() {
        int limit = options.maxInstructions() > 0 ? options.maxInstructions() : Integer.MAX_VALUE;
        if (windowed()) {
            synchronized (this) {
                // The clock is read only when this invocation could be limited by the window: reading it on every
                // call costs more than a whole filter run on some virtual machines. So a window that expired is
                // replaced by a new one starting at the first invocation that needs it.
                boolean invocationsUsedUp = invocationAllowance > 0 && windowInvocations >= invocationAllowance;
                boolean instructionsLow = instructionAllowance > 0
                        && instructionAllowance - windowInstructions < Math.min(limit, longestRun);
                if (invocationsUsedUp || instructionsLow) {
                    long now = System.nanoTime();
                    if (now - windowStart >= windowNanos) {
                        windowStart = now;
                        windowInvocations = 0;
                        windowInstructions = 0;
                    } else if (invocationsUsedUp) {
                        return -1;
                    }
                }
                windowInvocations++;
                if (instructionAllowance > 0) {
                    limit = (int) Math.min(limit, Math.max(0, instructionAllowance - windowInstructions));
                }
            }
        }
        invocations.increment();
        return limit;
    }

    /** Records the instructions one invocation executed. */
    @TruffleBoundary
    public void charge(int executed) {
        instructions.add(executed);
        if (instructionAllowance > 0) {
            synchronized (this) {
                windowInstructions += executed;
            }
        }
    }

    /** The invocation allowance is used up: the declared verdict, or a guest error. */
    @TruffleBoundary
    public int refuse(Node location) {
        overBudget.increment();
        if (options.errorOnOverBudget()) {
            throw SluiceException.atNode(
                    location,
                    CoreFailure.INVOCATION_BUDGET_EXCEEDED,
                    invocationAllowance,
                    options.windowMillis(),
                    optionPrefix + ".BudgetInvocationsPerSecond");
        }
        return options.overBudgetVerdict();
    }

    /** Instruction {@code pc} would exceed {@code limit}: the declared verdict, or a guest error naming it. */
    @TruffleBoundary
    public int stop(Node location, int pc, int limit) {
        overBudget.increment();
        if (options.errorOnOverBudget()) {
            String which = options.maxInstructions() > 0 && limit == options.maxInstructions()
                    ? optionPrefix + ".MaxInstructions"
                    : optionPrefix + ".BudgetInstructionsPerSecond: " + instructionAllowance + " per "
                            + options.windowMillis() + " ms";
            throw SluiceException.atNode(location, CoreFailure.INSTRUCTION_BUDGET_EXCEEDED, pc, limit, which);
        }
        return options.overBudgetVerdict();
    }

    public GuardOptions options() {
        return options;
    }

    @TruffleBoundary
    public long invocations() {
        return invocations.sum();
    }

    @TruffleBoundary
    public long instructionsExecuted() {
        return instructions.sum();
    }

    @TruffleBoundary
    public long overBudgetCount() {
        return overBudget.sum();
    }
}
