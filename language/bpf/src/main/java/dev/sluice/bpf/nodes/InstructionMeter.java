package dev.sluice.bpf.nodes;

/**
 * The instruction count of one invocation under a budget. A field of an object, not a local: a local counter would
 * be a partial-evaluation constant per path and stop MERGE_EXPLODE from merging paths; a field of a non-escaping
 * object is a value that merges, and escape analysis still keeps it in a register.
 */
final class InstructionMeter {
    final int limit;
    int remaining;

    InstructionMeter(int limit) {
        this.limit = limit;
        this.remaining = limit;
    }
}
