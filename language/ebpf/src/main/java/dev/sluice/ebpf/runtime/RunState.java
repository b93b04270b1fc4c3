package dev.sluice.ebpf.runtime;

import java.io.OutputStream;

/**
 * The state one run of a program shares across its call frames and tail calls: its memory, the instruction fuel
 * left ({@code ebpf.MaxInstructions}), the tail calls made, and where trace_printk writes. Allocated per run, never
 * shared between runs, so nothing of one run is visible to the next (except through maps, by design).
 */
public final class RunState {
    /** The kernel's MAX_TAIL_CALL_CNT. */
    public static final int MAX_TAIL_CALLS = 33;

    public final Memory memory = new Memory();
    /** Instructions this run may still execute; a field of an object, so MERGE_EXPLODE can merge paths over it. */
    public long fuel;

    public final long maxInstructions;
    public int tailCalls;
    public final OutputStream output;
    /** The program type of the run: a tail call only goes to a program of the same type. */
    public final dev.sluice.ebpf.isa.ProgramType type;

    /** {@code ebpf.OverBudgetAction=verdict:N}: a run over its instruction limit returns N instead of failing. */
    public final boolean verdictOverLimit;

    public final long limitVerdict;

    /**
     * Whether the run's r0 is known nonzero without looking at it: set at each exit of a blinded program, true where
     * r0 reaches the exit in its blinded form (every path from a blinded {@code mov r0, K}, and such a K is never 0:
     * a mov of 0 stays plain). The compiler cannot see through the key that the verdict is nonzero, so a batch that
     * counts its nonzero verdicts counts these runs by this flag (a constant of the compiled code at each exit), not
     * by testing the unblinded value. False otherwise, and set false again when a run ends by a tail call or its
     * instruction limit.
     */
    public boolean verdictNonzero;

    public RunState(long maxInstructions, OutputStream output, dev.sluice.ebpf.isa.ProgramType type) {
        this(maxInstructions, output, type, false, 0);
    }

    public RunState(
            long maxInstructions,
            OutputStream output,
            dev.sluice.ebpf.isa.ProgramType type,
            boolean verdictOverLimit,
            long limitVerdict) {
        this.verdictOverLimit = verdictOverLimit;
        this.limitVerdict = limitVerdict;
        this.type = type;
        this.fuel = maxInstructions;
        this.maxInstructions = maxInstructions;
        this.output = output;
    }
}
