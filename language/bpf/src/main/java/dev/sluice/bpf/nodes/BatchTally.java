package dev.sluice.bpf.nodes;

import dev.sluice.core.guard.Budget;

/**
 * A batch's accounting under a budget (docs/guards.md, "Budgets"): the calling thread's lease, looked up once per
 * batch, and, for a budget that only counts (no window to admit against), the instructions of the batch so far,
 * settled into the lease once when the batch ends with the number of inputs the root ran. Allocated by the batch root's
 * compiled code and never escaping it, so its field lives in a register across the loop; per input it costs one
 * register add instead of the lease lookup and two read-modify-writes of the lease (the counters cost +56% on a
 * 208-instruction seccomp tree that way). The invocations are the root's loop count, not a second register.
 */
public final class BatchTally {
    final Budget.Lease lease;
    long instructions;

    BatchTally(Budget.Lease lease) {
        this.lease = lease;
    }
}
