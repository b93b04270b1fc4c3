package dev.sluice.ebpf.verify;

/** Whether programs are verified before they run ({@code ebpf.Verify}) and the verifier's instruction limit. */
public record VerifierOptions(boolean enabled, long limit) {
    public static final VerifierOptions DEFAULT = new VerifierOptions(true, Verifier.DEFAULT_LIMIT);
    public static final VerifierOptions OFF = new VerifierOptions(false, Verifier.DEFAULT_LIMIT);
}
