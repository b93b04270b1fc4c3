package dev.sluice.bpf.lower;

import dev.sluice.bpf.isa.Profile;

/**
 * The pre-decoded form the Truffle nodes run: one specialised operation per instruction, its constant, and absolute
 * jump targets. Produced only from verified programs, so the nodes need no checks the verifier already made.
 */
public record LoweredProgram(Profile profile, boolean bigEndianData, int[] ops, int[] constants, int[] trueTargets, int[] falseTargets) {
    public int length() {
        return ops.length;
    }
}
