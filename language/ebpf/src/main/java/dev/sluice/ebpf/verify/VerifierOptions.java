package dev.sluice.ebpf.verify;

/**
 * Whether programs are verified before they run ({@code ebpf.Verify}), the verifier's instruction limit, whether the
 * kernel's rules for unprivileged programs apply ({@code ebpf.Unprivileged}), and the secret bytes of constant-time
 * mode ({@code ebpf.ConstantTime}, {@code ebpf.SecretBytes}; null when off).
 */
public record VerifierOptions(boolean enabled, long limit, boolean unprivileged, java.util.BitSet secretBytes) {
    public static final VerifierOptions DEFAULT = new VerifierOptions(true, Verifier.DEFAULT_LIMIT, false, null);
    public static final VerifierOptions OFF = new VerifierOptions(false, Verifier.DEFAULT_LIMIT, false, null);

    public VerifierOptions(boolean enabled, long limit) {
        this(enabled, limit, false, null);
    }

    public VerifierOptions(boolean enabled, long limit, boolean unprivileged) {
        this(enabled, limit, unprivileged, null);
    }

    /** Constant-time mode ({@code ebpf.ConstantTime}): the secret bytes of the program's data, else null. */
    public boolean constantTime() {
        return secretBytes != null;
    }
}
