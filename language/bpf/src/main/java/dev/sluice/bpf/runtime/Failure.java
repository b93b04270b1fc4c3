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
    TEXT_UNEXPECTED_CHARACTER(Kind.SYNTAX, "unexpected character '%s'"),
    TEXT_UNTERMINATED_COMMENT(Kind.SYNTAX, "unterminated /* comment"),
    TEXT_MALFORMED_NUMBER(Kind.SYNTAX, "malformed number '%s'"),
    TEXT_NUMBER_OUT_OF_RANGE(Kind.SYNTAX, "%s %s is out of range (%s)"),
    TEXT_EXPECTED(Kind.SYNTAX, "expected %s, found %s"),
    TEXT_NO_INSTRUCTIONS(Kind.SYNTAX, "no instructions found in this %s program"),
    ASM_UNKNOWN_MNEMONIC(Kind.SYNTAX, "unknown mnemonic '%s'"),
    ASM_BAD_OPERAND(Kind.SYNTAX, "'%s' does not take %s (expected %s)"),
    ASM_UNDEFINED_LABEL(Kind.SYNTAX, "undefined label '%s'"),
    ASM_DUPLICATE_LABEL(Kind.SYNTAX, "duplicate label '%s' (first defined at line %d)"),
    ASM_LABEL_WITHOUT_INSTRUCTION(Kind.SYNTAX, "label '%s' is not followed by an instruction"),
    ASM_JUMP_BACKWARD(Kind.SYNTAX, "jump to '%s' goes backward (the label is at line %d); classic BPF jumps only forward"),
    ASM_JUMP_TOO_FAR(Kind.SYNTAX, "jump to '%s' is %d instructions ahead; jt/jf reach at most 255: insert a 'ja %s' trampoline"),
    ASM_MSH_FORM(Kind.SYNTAX, "only 4*([k]&0xf) is a valid ldxb operand, found %s*([k]&%s)"),
    DDD_COUNT_MISMATCH(Kind.SYNTAX, "the count says %d instructions but %d follow"),
    DDD_ROW(Kind.SYNTAX, "an instruction row has 4 numbers 'code jt jf k', found %d"),
    DD_ROW(Kind.SYNTAX, "a { code, jt, jf, k } row has 4 numbers, found %d"),
    DD_MACRO(Kind.SYNTAX, "%s macros are not read; give numeric rows as tcpdump -dd prints them ({ 0x28, 0, 0, 0x0000000c },)"),
    TEXT_RAW_NOT_TEXT(Kind.SYNTAX, "the raw format is binary (8-byte struct sock_filter records), not text"),

    // --- SCPL (scpl language): add kinds below this line ---
    // Every SCPL format ends in %s, which receives the source line and a caret (or "" without a position).
    SCPL_SYNTAX(Kind.SYNTAX, "%s%s"),
    SCPL_UNKNOWN_SYSCALL(Kind.SYNTAX, "unknown syscall '%s' on %s%s%s"),
    SCPL_UNKNOWN_ERRNO(Kind.SYNTAX, "unknown errno name '%s'%s%s"),
    SCPL_UNKNOWN_NAME(Kind.SYNTAX, "unknown %s '%s'%s%s"),
    SCPL_UNKNOWN_ARCH(Kind.SYNTAX, "unknown arch '%s' (SCPL has syscall tables for %s)%s"),
    SCPL_BAD_VALUE(Kind.SYNTAX, "%s%s"),
    SCPL_DUPLICATE(Kind.SYNTAX, "'%s' is already defined at %s%s"),
    SCPL_DEFINITION_CYCLE(Kind.SYNTAX, "%s '%s' refers to itself (%s)%s"),
    SCPL_INCLUDE_CYCLE(Kind.SYNTAX, "include cycle: %s%s"),
    SCPL_INCLUDE_FAILED(Kind.SYNTAX, "cannot include \"%s\": %s%s"),
    SCPL_NO_POLICY(Kind.SYNTAX, "no policy block '{ default_action = ...; rules = [...] }' in %s%s"),
    SCPL_SECOND_POLICY(Kind.SYNTAX, "a second policy block (the first is at %s); a policy file has exactly one, included files none%s"),
    SCPL_SHADOWED_RULE(Kind.SYNTAX, "rule never applies: %s %s decided by the earlier rule at %s%s"),
    SCPL_TOO_LARGE(Kind.VERIFY, "compiled filter has %d instructions, more than the kernel's 4096; largest part: %s%s"),
    SCPL_VALIDATION_MISMATCH(Kind.RUNTIME, "translation validation failed (compiler bug): arch %s, %s, args %s: policy says %s, compiled BPF says %s%s"),
    // Docker/OCI seccomp profile import (dev.sluice.scpl.oci); like the SCPL kinds, each format ends in the snippet %s.
    OCI_MALFORMED_JSON(Kind.SYNTAX, "malformed JSON: %s%s"),
    OCI_SCHEMA(Kind.SYNTAX, "not a valid seccomp profile: %s%s"),
    OCI_NO_TARGET_ARCH(Kind.SYNTAX, "no target arch with an SCPL syscall table: %s (SCPL has tables for %s)%s"),

    // --- Launcher (sluice command): add kinds below this line ---
    // Input the sluice command cannot use (exit code 1); usage errors (exit 2) are the command line's own wording.
    CLI_NO_SUCH_FILE(Kind.RUNTIME, "%s: no such file"),
    CLI_IS_DIRECTORY(Kind.RUNTIME, "%s: is a directory"),
    CLI_PERMISSION_DENIED(Kind.RUNTIME, "%s: permission denied"),
    CLI_CANNOT_READ(Kind.RUNTIME, "%s: cannot read: %s"),
    CLI_TOO_LARGE(Kind.RUNTIME, "%s: too large to read into memory"),
    CLI_CANNOT_WRITE(Kind.RUNTIME, "%s: cannot write: %s"),
    CLI_SECCOMP_DATA_LENGTH(Kind.RUNTIME, "%s: %d bytes is not a whole number of 64-byte struct seccomp_data records"),
    CLI_PCAP_CUT_IN_HEADER(Kind.RUNTIME, "%s: truncated dump file: packet %d has only %d of its 16 header bytes (the %d packets before it were processed)"),
    CLI_PCAP_CUT_IN_DATA(Kind.RUNTIME, "%s: truncated dump file: packet %d claims %s captured bytes, only %d remain (the %d packets before it were processed)"),
    CLI_POLICY_DENIES_EXECVE(Kind.RUNTIME, "%s: the policy does not allow execve (nr %d) on %s (%s), so the command could never start; nothing was installed"),
    CLI_COMMAND_NOT_FOUND(Kind.RUNTIME, "sluice exec: %s: command not found"),
    CLI_NOT_EXECUTABLE(Kind.RUNTIME, "sluice exec: %s: not an executable file"),
    CLI_INSTALL_FAILED(Kind.RUNTIME, "sluice exec: %s; nothing was installed"),
    CLI_EXEC_FAILED(Kind.RUNTIME, "sluice exec: %s: %s (under the policy)"),
    CLI_UNSUPPORTED_HOST(Kind.RUNTIME, "sluice exec: installing filters is supported on x86_64, aarch64 and riscv64 hosts only, not %s"),

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

    // --- Constant-time mode (verify/SecretTaint) ---
    CONSTANT_TIME_SECRET_INDEX(Kind.VERIFY, "insn %d: constant-time program loads at a secret-dependent offset [%s]"),
    CONSTANT_TIME_SECRET_DIVISOR(Kind.VERIFY, "insn %d: constant-time program divides by a secret-dependent X"),
    CONSTANT_TIME_SECRET_SEARCH(Kind.VERIFY, "insn %d: constant-time program cannot run %s: its netlink attribute walk reads the packet from offset A to the end, and its steps and result depend on the secret bytes %s"),

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
