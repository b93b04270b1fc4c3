package dev.sluice.bpf.lower;

import dev.sluice.bpf.isa.Profile;

/**
 * The pre-decoded form the Truffle nodes run: one specialised operation per instruction, its constant, and absolute
 * jump targets. Produced only from verified programs, so the nodes need no checks the verifier already made.
 * {@code constantTime} selects predicated, branch-free execution (the program passed SecretTaint); a non-null
 * {@code operationTrace} sees each operation that mode evaluates.
 */
public record LoweredProgram(
        Profile profile,
        boolean bigEndianData,
        int[] ops,
        int[] constants,
        int[] trueTargets,
        int[] falseTargets,
        boolean constantTime,
        OperationTrace operationTrace) {
    public LoweredProgram(
            Profile profile, boolean bigEndianData, int[] ops, int[] constants, int[] trueTargets, int[] falseTargets) {
        this(profile, bigEndianData, ops, constants, trueTargets, falseTargets, false, null);
    }

    public int length() {
        return ops.length;
    }

    /**
     * The most instructions one run can execute. Classic BPF jumps only forward, so this is a static bound: the longest
     * path through the jump graph, computed backwards from the returns.
     */
    public int longestPath() {
        int n = ops.length;
        int[] longest = new int[n];
        for (int pc = n - 1; pc >= 0; pc--) {
            int op = ops[pc];
            if (op == Op.RET_K || op == Op.RET_A) {
                longest[pc] = 1;
            } else if (op >= Op.JA && op <= Op.JSET_X || op == Op.JUMP_ALWAYS) {
                longest[pc] = 1 + Math.max(longest[trueTargets[pc]], longest[falseTargets[pc]]);
            } else {
                longest[pc] = 1 + longest[pc + 1];
            }
        }
        return longest[0];
    }

    /** The same program run in constant-time mode. */
    public LoweredProgram inConstantTime(OperationTrace trace) {
        return new LoweredProgram(profile, bigEndianData, ops, constants, trueTargets, falseTargets, true, trace);
    }
}
