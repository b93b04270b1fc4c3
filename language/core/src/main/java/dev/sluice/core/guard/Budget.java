package dev.sluice.core.guard;

import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;
import com.oracle.truffle.api.nodes.Node;
import dev.sluice.core.error.CoreFailure;
import dev.sluice.core.error.SluiceException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;

/**
 * The budgets of one loaded program and their counters (a fuel guard any language's interpreter can meter against)
 * (docs/guards.md, "Budgets").
 * <ul>
 * <li>Per invocation: at most {@link GuardOptions#maxInstructions()} instructions; the interpreter counts down and
 * stops at the instruction that would exceed it.</li>
 * <li>Per program, over a window of {@link GuardOptions#windowMillis()}: at most {@code rate * window / 1000}
 * invocations and instructions. An invocation that finds the invocation allowance used up does not run; one that
 * finds part of the instruction allowance left runs with that as its limit.</li>
 * </ul>
 * When a budget runs out the declared action applies: a guest error naming the instruction and the budget, or a fixed
 * verdict. Counters (for all its entry points) are readable filter members.
 *
 * <p>Each thread draws on the window through a {@link Lease}: a share of the allowance (a sixteenth, or all that is
 * left) taken under the lock, then spent without it. An invocation takes no lock and no shared write until its lease
 * runs dry (issue 16: the lock per invocation cost about 0.3 us). A thread gives back what its lease holds when it
 * takes a new one, so one thread alone sees the exact window; with several, allowance held in other threads' leases
 * (at most a sixteenth of the window each) is not available to this one, and invocations already running can overshoot
 * the window by the instructions they run. A lease never outlives its window.
 */
public final class Budget {
    /** A lease holds at most this fraction of a window's allowance, so that other threads find the rest. */
    private static final int LEASE_SHARE = 16;

    private final GuardOptions options;
    private final String optionPrefix;
    private final int longestRun;
    private final boolean windowed;
    private final int staticLimit;
    private final long invocationAllowance;
    private final long instructionAllowance;
    private final long windowNanos;

    private final ThreadLocal<Lease> leases = ThreadLocal.withInitial(this::newLease);
    /**
     * The lease of the thread that called last: a racy cache (a plain field). Its owner is final, so a thread that
     * reads another thread's lease here sees that it is not its own and asks the thread-local.
     */
    private Lease lastLease;
    /** Every lease ever handed out, for the counters: one small record per thread that ran the program. */
    private final List<Lease> allLeases = new CopyOnWriteArrayList<>();

    private final LongAdder overBudget = new LongAdder();

    // The current window: what the leases of this generation took of it. Guarded by this.
    private long windowStart;
    private long windowInvocations;
    private long windowInstructions;
    /** Bumped when a window starts: a lease of an older generation holds nothing. Written under the lock. */
    private volatile long generation;

    /**
     * @param optionPrefix the language's option namespace ({@code "bpf"}), named in over-budget messages
     * @param longestRun the most instructions one run of any program of the language can execute (classic BPF: 4096,
     *            the kernel's program length limit, since jumps go only forward)
     */
    public Budget(GuardOptions options, String optionPrefix, int longestRun) {
        this.options = options;
        this.optionPrefix = optionPrefix;
        this.longestRun = longestRun;
        this.windowed = options.windowed();
        this.staticLimit = options.maxInstructions() > 0 ? options.maxInstructions() : Integer.MAX_VALUE;
        this.windowNanos = options.windowMillis() * 1_000_000L;
        this.invocationAllowance = allowance(options.invocationsPerSecond(), options.windowMillis());
        this.instructionAllowance = allowance(options.instructionsPerSecond(), options.windowMillis());
        this.windowStart = System.nanoTime();
    }

    private static long allowance(long perSecond, long windowMillis) {
        return perSecond <= 0 ? 0 : Math.max(1, perSecond * windowMillis / 1000);
    }

    /** Whether every invocation is admitted and charged: a per-program budget or the counters are on. */
    public boolean accounted() {
        return windowed || options.counters();
    }

    /**
     * Whether invocations are admitted against a window ({@code BudgetInvocationsPerSecond} or
     * {@code BudgetInstructionsPerSecond}); if not, an accounted budget only counts, and every invocation runs with the
     * {@link #staticLimit}, so a caller running many may count them itself and {@link #settle} once.
     */
    public boolean windowed() {
        return windowed;
    }

    /** The instruction limit of an invocation when nothing is {@link #accounted}: {@code <lang>.MaxInstructions} or unlimited. */
    public int staticLimit() {
        return staticLimit;
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
     * The calling thread's lease: {@link Lease#admit} and {@link Lease#charge} each invocation through it. The last
     * thread's lease is kept at hand, so that a thread calling again finds it without a call out of compiled code.
     */
    public Lease lease() {
        Lease l = lastLease;
        if (l != null && l.owner == Thread.currentThread()) {
            return l;
        }
        return threadsLease();
    }

    @TruffleBoundary
    private Lease threadsLease() {
        Lease l = leases.get();
        lastLease = l;
        return l;
    }

    private Lease newLease() {
        Lease l = new Lease(Thread.currentThread());
        allLeases.add(l);
        return l;
    }

    /**
     * One thread's share of the window, and its counters. Only its thread writes it (readers of the counters may see
     * them a little late while that thread runs).
     */
    public final class Lease {
        private final Thread owner;
        private long leaseGeneration = -1;
        private long invocationsLeft;
        private long instructionsLeft;
        private long invocations;
        private long instructions;

        private Lease(Thread owner) {
            this.owner = owner;
        }

        /**
         * Admits one invocation: returns its instruction limit, or -1 when the invocation allowance of the window is
         * used up (the caller then applies {@link #refuse}). No lock unless the lease has run dry.
         */
        public int admit() {
            return Budget.this.admit(this) ? instructionLimit(this) : -1;
        }

        /** Records the instructions one invocation executed. */
        public void charge(int executed) {
            Budget.this.charge(this, executed);
        }
    }

    /**
     * Admits one invocation through the thread's lease: false when the invocation allowance of the window is used up
     * (the caller then applies {@link #refuse}). No lock unless the lease has run dry. This and {@link
     * #instructionLimit}, {@link #charge} are the budget's methods, not the lease's, so that in compiled code, where the
     * budget is a constant, its settings fold: with no instruction allowance every run gets the constant static limit,
     * and the interpreter's per-instruction checks against it fold away on paths that cannot reach it.
     */
    public boolean admit(Lease l) {
        if (windowed) {
            int need = Math.min(staticLimit, longestRun);
            if (l.leaseGeneration != generation
                    || invocationAllowance > 0 && l.invocationsLeft <= 0
                    || instructionAllowance > 0 && l.instructionsLeft < need) {
                if (!renew(l, need)) {
                    return false;
                }
            }
            l.invocationsLeft--;
        }
        l.invocations++;
        return true;
    }

    /** The instruction limit of an admitted invocation: the static limit, or less when the lease holds less. */
    public int instructionLimit(Lease l) {
        return instructionAllowance > 0 ? (int) Math.min(staticLimit, Math.max(0, l.instructionsLeft)) : staticLimit;
    }

    /** Records the instructions one invocation executed. */
    public void charge(Lease l, int executed) {
        l.instructions += executed;
        if (instructionAllowance > 0) {
            l.instructionsLeft -= executed;
        }
    }

    /**
     * Records {@code invocations} invocations that executed {@code instructions} instructions in all, counted by the
     * caller, for a budget that is not {@link #windowed} (so each was admitted without condition and ran with the
     * {@link #staticLimit}): what {@link #admit} and {@link #charge} would have recorded one by one.
     */
    public void settle(Lease l, long invocations, long instructions) {
        if (windowed) {
            throw new IllegalStateException("a windowed budget admits and charges each invocation");
        }
        l.invocations += invocations;
        l.instructions += instructions;
    }

    /**
     * Gives back what {@code l} holds of the current window and takes a new share, starting a new window when this one
     * has run out and its time is up. The clock is read only then: reading it on every call costs more than a whole
     * filter run on some virtual machines, so an expired window is replaced at the first invocation that needs it.
     * Returns false when the invocation allowance is used up.
     */
    @TruffleBoundary
    private synchronized boolean renew(Lease l, int need) {
        if (l.leaseGeneration == generation) {
            windowInvocations -= Math.max(0, l.invocationsLeft);
            windowInstructions -= Math.max(0, l.instructionsLeft);
        }
        l.invocationsLeft = 0;
        l.instructionsLeft = 0;
        l.leaseGeneration = generation;
        boolean invocationsUsedUp = invocationAllowance > 0 && windowInvocations >= invocationAllowance;
        boolean instructionsLow = instructionAllowance > 0 && instructionAllowance - windowInstructions < need;
        if (invocationsUsedUp || instructionsLow) {
            long now = System.nanoTime();
            if (now - windowStart >= windowNanos) {
                windowStart = now;
                windowInvocations = 0;
                windowInstructions = 0;
                generation = generation + 1;
                l.leaseGeneration = generation;
            } else if (invocationsUsedUp) {
                return false;
            }
        }
        if (invocationAllowance > 0) {
            long take =
                    Math.min(Math.max(1, invocationAllowance / LEASE_SHARE), invocationAllowance - windowInvocations);
            windowInvocations += take;
            l.invocationsLeft = take;
        } else {
            l.invocationsLeft = Long.MAX_VALUE;
        }
        if (instructionAllowance > 0) {
            long take = Math.min(
                    Math.max(need, instructionAllowance / LEASE_SHARE),
                    Math.max(0, instructionAllowance - windowInstructions));
            windowInstructions += take;
            l.instructionsLeft = take;
        }
        return true;
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
        long sum = 0;
        for (Lease l : allLeases) {
            sum += l.invocations;
        }
        return sum;
    }

    @TruffleBoundary
    public long instructionsExecuted() {
        long sum = 0;
        for (Lease l : allLeases) {
            sum += l.instructions;
        }
        return sum;
    }

    @TruffleBoundary
    public long overBudgetCount() {
        return overBudget.sum();
    }
}
