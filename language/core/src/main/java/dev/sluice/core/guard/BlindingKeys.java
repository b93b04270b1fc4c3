package dev.sluice.core.guard;

import java.security.SecureRandom;

/**
 * Keys for constant blinding against JIT spraying (in the manner of the kernel's {@code bpf_jit_harden}): an
 * interpreter keeps the constants an author chose as {@code k ^ key}, with a fresh key per loaded program, and unblinds
 * them at run time, so they never appear verbatim as immediates in compiled code. Which constants are blindable is the
 * language's decision.
 */
public final class BlindingKeys {
    private static final SecureRandom RANDOM = new SecureRandom();

    private BlindingKeys() {}

    /** A fresh non-zero key (zero would leave constants plain). */
    public static int newKey() {
        int key;
        do {
            key = RANDOM.nextInt();
        } while (key == 0);
        return key;
    }

    /**
     * A fresh 64-bit key whose two 32-bit halves are both non-zero, for languages with 64-bit constants (eBPF's lddw):
     * its low half blinds the 32-bit constants (sign-extended), the whole key the 64-bit ones, so that no half of a
     * constant is left plain.
     */
    public static long newWideKey() {
        return (long) newKey() << 32 | (newKey() & 0xffffffffL);
    }

    /** {@code constants} with every {@code blindable} entry XORed with {@code key}. */
    public static int[] blind(int[] constants, boolean[] blindable, int key) {
        int[] out = constants.clone();
        for (int i = 0; i < out.length; i++) {
            if (blindable[i]) {
                out[i] ^= key;
            }
        }
        return out;
    }
}
