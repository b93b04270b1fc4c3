package dev.sluice.bpf.runtime;

import java.util.Locale;

/**
 * Every error Sluice reports, with its exact message. One enum for the whole project (BPF, formats, SCPL), in the
 * style of GraalWasm's {@code Failure}: the kind decides whether embedders see a syntax error or a runtime error.
 * Messages name the instruction index or source position and the rule that was broken.
 */
public enum Failure {
    // --- Program input (formats) ---
    RAW_LENGTH(Kind.SYNTAX, "raw program is %d bytes, not a multiple of 8 (sizeof struct sock_filter)"),
    SYNTAX(Kind.SYNTAX, "%s"),
    UNKNOWN_FORMAT(Kind.SYNTAX, "cannot tell the program's format: %s"),

    // --- Verifier: the kernel's bpf_check_classic ---
    EMPTY_PROGRAM(Kind.VERIFY, "program has no instructions (a filter needs 1 to 4096)"),
    PROGRAM_TOO_LONG(Kind.VERIFY, "program has %d instructions, more than the kernel's limit of 4096"),
    UNKNOWN_OPCODE(Kind.VERIFY, "insn %d: unknown opcode 0x%02x"),
    DIVISION_BY_ZERO(Kind.VERIFY, "insn %d: %s by constant 0"),
    SHIFT_OUT_OF_RANGE(Kind.VERIFY, "insn %d: shift by constant %d (must be below 32)"),
    SCRATCH_OUT_OF_RANGE(Kind.VERIFY, "insn %d: scratch index M[%d] out of range (must be below 16)"),
    JUMP_OUT_OF_RANGE(Kind.VERIFY, "insn %d: jump target insn %d is past the end of the program (%d instructions)"),
    JUMP_BACKWARD(Kind.VERIFY, "insn %d: jump offset %d goes backward (classic BPF jumps only forward)"),
    LAST_NOT_RETURN(Kind.VERIFY, "insn %d: the last instruction must be a ret, found %s"),
    UNKNOWN_ANCILLARY(Kind.VERIFY, "insn %d: unknown ancillary load at SKF_AD_OFF%+d"),
    UNINITIALIZED_SCRATCH(Kind.VERIFY, "insn %d: read of M[%d] before any write on the path from insn %d"),
    // --- Verifier: the kernel's seccomp_check_filter ---
    SECCOMP_FORBIDDEN(Kind.VERIFY, "insn %d: %s is not allowed in a seccomp filter"),
    SECCOMP_LOAD_OUT_OF_RANGE(Kind.VERIFY, "insn %d: load offset %d is outside struct seccomp_data (must be below 64)"),
    SECCOMP_LOAD_UNALIGNED(Kind.VERIFY, "insn %d: load offset %d is not a multiple of 4"),

    // --- Text formats (formats package): add kinds below this line ---

    // --- SCPL (scpl language): add kinds below this line ---

    // --- Launcher (sluice command): add kinds below this line ---

    // --- Guards: add kinds below this line ---
    UNSIGNED_PROGRAM(Kind.VERIFY, "%s: refused: no signature (%s.RequireSignature is set; looked for %s)"),
    SIGNATURE_NOT_TRUSTED(Kind.VERIFY, "%s: refused: none of %d signature(s) verifies with the %d trusted key(s) (the program or the signature was changed, or the signer's key is not trusted)"),
    MALFORMED_SIGNATURE(Kind.VERIFY, "%s: malformed signature: %s"),
    BAD_KEY(Kind.RUNTIME, "%s: %s"),
    NO_TRUSTED_KEYS(Kind.RUNTIME, "%s.RequireSignature is set but %s.TrustedKeys names no key"),
    UNREADABLE_TRUST_FILE(Kind.RUNTIME, "%s: cannot read: %s"),
    HANDLE_SWAP(Kind.RUNTIME, "filter handle: %s"),
    INSTRUCTION_BUDGET_EXCEEDED(Kind.RUNTIME, "insn %d: over budget: stopped after %d instructions (%s)"),
    INVOCATION_BUDGET_EXCEEDED(Kind.RUNTIME, "over budget: %d invocations per %d ms used up (%s)"),

    // --- Running ---
    BAD_INPUT(Kind.RUNTIME, "%s"),
    SECCOMP_INPUT_SIZE(Kind.RUNTIME, "seccomp input must be 64 bytes (struct seccomp_data), got %d"),
    BAD_PCAP(Kind.RUNTIME, "pcap: %s"),
    BAD_OPTION(Kind.RUNTIME, "%s");

    /** How a failure reaches embedders: SYNTAX and VERIFY as syntax errors, RUNTIME as guest errors. */
    public enum Kind {
        SYNTAX,
        VERIFY,
        RUNTIME
    }

    public final Kind kind;
    public final String format;

    Failure(Kind kind, String format) {
        this.kind = kind;
        this.format = format;
    }

    public String message(Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
