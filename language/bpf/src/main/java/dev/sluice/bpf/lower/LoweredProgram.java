package dev.sluice.bpf.lower;

import dev.sluice.bpf.isa.Profile;
import dev.sluice.bpf.nodes.ConstantTimeBodyNode.OperationTrace;

/**
 * The pre-decoded form the Truffle nodes run: one specialised operation per instruction, its constant, and absolute
 * jump targets. Produced only from verified programs, so the nodes need no checks the verifier already made.
 * {@code constantTime} selects predicated, branch-free execution (the program passed SecretTaint); a non-null
 * {@code operationTrace} sees each operation that mode evaluates.
 */
public record LoweredProgram(Profile profile, boolean bigEndianData, int[] ops, int[] constants, int[] trueTargets, int[] falseTargets,
                boolean constantTime, OperationTrace operationTrace) {
    public LoweredProgram(Profile profile, boolean bigEndianData, int[] ops, int[] constants, int[] trueTargets, int[] falseTargets) {
        this(profile, bigEndianData, ops, constants, trueTargets, falseTargets, false, null);
    }

    public int length() {
        return ops.length;
    }

    /** The same program run in constant-time mode. */
    public LoweredProgram inConstantTime(OperationTrace trace) {
        return new LoweredProgram(profile, bigEndianData, ops, constants, trueTargets, falseTargets, true, trace);
    }
}
