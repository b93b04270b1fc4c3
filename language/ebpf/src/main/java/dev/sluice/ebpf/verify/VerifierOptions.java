package dev.sluice.ebpf.verify;

/**
 * Whether programs are verified before they run ({@code ebpf.Verify}), the verifier's instruction limit, and whether
 * the kernel's rules for unprivileged programs apply ({@code ebpf.Unprivileged}).
 */
public record VerifierOptions(boolean enabled, long limit, boolean unprivileged) {
    public static final VerifierOptions DEFAULT = new VerifierOptions(true, Verifier.DEFAULT_LIMIT, false);
    public static final VerifierOptions OFF = new VerifierOptions(false, Verifier.DEFAULT_LIMIT, false);

    public VerifierOptions(boolean enabled, long limit) {
        this(enabled, limit, false);
    }
}
