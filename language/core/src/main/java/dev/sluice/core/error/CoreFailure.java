package dev.sluice.core.error;

/** The failures of the machinery every language shares: options, inputs, seccomp data, pcap, trust and budgets. */
public enum CoreFailure implements FailureKind {
    // --- Options and inputs ---
    BAD_OPTION(Category.RUNTIME, "%s"),
    BAD_INPUT(Category.RUNTIME, "%s"),
    SECCOMP_INPUT_SIZE(Category.RUNTIME, "seccomp input must be 64 bytes (struct seccomp_data), got %d"),
    BAD_PCAP(Category.RUNTIME, "pcap: %s"),

    // --- Trust (signatures) ---
    UNSIGNED_PROGRAM(Category.VERIFY, "%s: refused: no signature (%s.RequireSignature is set; looked for %s)"),
    SIGNATURE_NOT_TRUSTED(
            Category.VERIFY,
            "%s: refused: none of %d signature(s) verifies with the %d trusted key(s) (the program or the signature was changed, or the signer's key is not trusted)"),
    MALFORMED_SIGNATURE(Category.VERIFY, "%s: malformed signature: %s"),
    BAD_KEY(Category.RUNTIME, "%s: %s"),
    NO_TRUSTED_KEYS(Category.RUNTIME, "%s.RequireSignature is set but %s.TrustedKeys names no key"),
    UNREADABLE_TRUST_FILE(Category.RUNTIME, "%s: cannot read: %s"),

    // --- Budgets ---
    INSTRUCTION_BUDGET_EXCEEDED(Category.RUNTIME, "insn %d: over budget: stopped after %d instructions (%s)"),
    INVOCATION_BUDGET_EXCEEDED(Category.RUNTIME, "over budget: %d invocations per %d ms used up (%s)");

    private final Category category;
    private final String format;

    CoreFailure(Category category, String format) {
        this.category = category;
        this.format = format;
    }

    @Override
    public Category category() {
        return category;
    }

    @Override
    public String format() {
        return format;
    }
}
