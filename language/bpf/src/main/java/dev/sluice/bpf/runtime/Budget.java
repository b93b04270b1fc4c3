package dev.sluice.bpf.runtime;

import java.util.concurrent.atomic.LongAdder;

import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;
import com.oracle.truffle.api.nodes.Node;

import dev.sluice.bpf.lower.LoweredProgram;
import dev.sluice.bpf.lower.Op;

/**
 * The budgets of one loaded filter and their counters (docs/guards.md, "Budgets").
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
    /** No classic BPF run executes more instructions than the kernel's program length limit. */
    static final int CLASSIC_LONGEST_PATH = 4096;

    private final GuardOptions options;
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

    public Budget(GuardOptions options) {
        this.options = options;
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

    /** The instruction limit of an invocation when nothing is {@link #accounted}: bpf.MaxInstructions or unlimited. */
    public int staticLimit() {
        return options.maxInstructions() > 0 ? options.maxInstructions() : Integer.MAX_VALUE;
    }

    /**
     * Whether {@code program} needs counting at all: it does when something is {@link #accounted}, or when its
     * longest path is longer than bpf.MaxInstructions. Classic BPF jumps only forward, so the longest path is a static
     * bound; a limit at or above it can never be reached and costs nothing.
     */
    public boolean needsMetering(LoweredProgram program) {
        if (accounted()) {
            return true;
        }
        if (options.maxInstructions() <= 0) {
            return false;
        }
        int[] ops = program.ops();
        int n = ops.length;
        int[] longest = new int[n];
        for (int pc = n - 1; pc >= 0; pc--) {
            int op = ops[pc];
            if (op == Op.RET_K || op == Op.RET_A) {
                longest[pc] = 1;
            } else if (op >= Op.JA && op <= Op.JSET_X || op == Op.JUMP_ALWAYS) {
                longest[pc] = 1 + Math.max(longest[program.trueTargets()[pc]], longest[program.falseTargets()[pc]]);
            } else {
                longest[pc] = 1 + longest[pc + 1];
            }
        }
        return longest[0] > options.maxInstructions();
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
                boolean instructionsLow = instructionAllowance > 0 && instructionAllowance - windowInstructions < Math.min(limit, CLASSIC_LONGEST_PATH);
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
            throw SluiceException.atNode(location, Failure.INVOCATION_BUDGET_EXCEEDED, invocationAllowance, options.windowMillis(),
                            "bpf.BudgetInvocationsPerSecond");
        }
        return options.overBudgetVerdict();
    }

    /** Instruction {@code pc} would exceed {@code limit}: the declared verdict, or a guest error naming it. */
    @TruffleBoundary
    public int stop(Node location, int pc, int limit) {
        overBudget.increment();
        if (options.errorOnOverBudget()) {
            String which = options.maxInstructions() > 0 && limit == options.maxInstructions() ? "bpf.MaxInstructions"
                            : "bpf.BudgetInstructionsPerSecond: " + instructionAllowance + " per " + options.windowMillis() + " ms";
            throw SluiceException.atNode(location, Failure.INSTRUCTION_BUDGET_EXCEEDED, pc, limit, which);
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
