package dev.sluice.bpf.nodes;

import dev.sluice.bpf.lower.Op;

/**
 * Constant blinding against JIT spraying, in the manner of the kernel's {@code bpf_jit_harden}: the constants an
 * author chooses for value operations (immediates loaded, ALU operands, jump comparands, returned constants) are kept
 * as {@code k ^ key} with a random key per loaded filter node, and unblinded at run time, so they never appear
 * verbatim as immediates in compiled code. Offsets (packet and seccomp_data loads, scratch indexes, ancillary codes)
 * are checked by the verifier and stay plain. Keys and the XOR are {@link dev.sluice.core.guard.BlindingKeys}; this
 * class knows which classic BPF constants are blindable.
 */
final class Blinding {
    private Blinding() {}

    static boolean[] blindableOps(int[] ops) {
        boolean[] b = new boolean[ops.length];
        for (int pc = 0; pc < ops.length; pc++) {
            b[pc] = switch (ops[pc]) {
                case Op.RET_K,
                        Op.LD_IMM,
                        Op.LDX_IMM,
                        Op.ADD_K,
                        Op.SUB_K,
                        Op.MUL_K,
                        Op.DIV_K,
                        Op.MOD_K,
                        Op.AND_K,
                        Op.OR_K,
                        Op.XOR_K,
                        Op.LSH_K,
                        Op.RSH_K,
                        Op.JEQ_K,
                        Op.JGT_K,
                        Op.JGE_K,
                        Op.JSET_K -> true;
                default -> false;
            };
        }
        return b;
    }
}
