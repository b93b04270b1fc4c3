package dev.sluice.ebpf.runtime;

/**
 * The state one run of a program shares across its call frames: its memory, the instruction fuel left
 * ({@code ebpf.MaxInstructions}) and the call depth. Allocated per run, never shared between runs, so nothing of one
 * run is visible to the next.
 */
public final class RunState {
    public final Memory memory = new Memory();
    /** Instructions this run may still execute; a field of an object, so MERGE_EXPLODE can merge paths over it. */
    public long fuel;
    public final long maxInstructions;
    /** Frames currently active, the entry function's included. */
    public int depth;

    public RunState(long maxInstructions) {
        this.fuel = maxInstructions;
        this.maxInstructions = maxInstructions;
    }
}
