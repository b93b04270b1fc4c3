package dev.sluice.bpf.runtime;

import dev.sluice.core.error.FailureKind;

/**
 * The failures of the classic BPF language, with their exact messages: program input (raw and text formats), the
 * kernel's verifier rules, constant-time mode and filter handles. The shared kinds (options, inputs, trust, budgets)
 * are {@link dev.sluice.core.error.CoreFailure}. Messages name the instruction index or source position and the rule
 * that was broken.
 */
public enum Failure implements FailureKind {
    // --- Program input (formats) ---
    RAW_LENGTH(Category.SYNTAX, "raw program is %d bytes, not a multiple of 8 (sizeof struct sock_filter)"),
    SYNTAX(Category.SYNTAX, "%s"),

    // --- Verifier: the kernel's bpf_check_classic ---
    EMPTY_PROGRAM(Category.VERIFY, "program has no instructions (a filter needs 1 to 4096)"),
    PROGRAM_TOO_LONG(Category.VERIFY, "program has %d instructions, more than the kernel's limit of 4096"),
    UNKNOWN_OPCODE(Category.VERIFY, "insn %d: unknown opcode 0x%02x"),
    DIVISION_BY_ZERO(Category.VERIFY, "insn %d: %s by constant 0"),
    SHIFT_OUT_OF_RANGE(Category.VERIFY, "insn %d: shift by constant %d (must be below 32)"),
    SCRATCH_OUT_OF_RANGE(Category.VERIFY, "insn %d: scratch index M[%d] out of range (must be below 16)"),
    JUMP_OUT_OF_RANGE(Category.VERIFY, "insn %d: jump target insn %d is past the end of the program (%d instructions)"),
    JUMP_BACKWARD(Category.VERIFY, "insn %d: jump offset %d goes backward (classic BPF jumps only forward)"),
    LAST_NOT_RETURN(Category.VERIFY, "insn %d: the last instruction must be a ret, found %s"),
    UNKNOWN_ANCILLARY(Category.VERIFY, "insn %d: unknown ancillary load at SKF_AD_OFF%+d"),
    UNINITIALIZED_SCRATCH(Category.VERIFY, "insn %d: read of M[%d] before any write on the path from insn %d"),
    // --- Verifier: the kernel's seccomp_check_filter ---
    SECCOMP_FORBIDDEN(Category.VERIFY, "insn %d: %s is not allowed in a seccomp filter"),
    SECCOMP_LOAD_OUT_OF_RANGE(
            Category.VERIFY, "insn %d: load offset %d is outside struct seccomp_data (must be below 64)"),
    SECCOMP_LOAD_UNALIGNED(Category.VERIFY, "insn %d: load offset %d is not a multiple of 4"),

    // --- Text formats (formats package): add kinds below this line ---
    TEXT_UNEXPECTED_CHARACTER(Category.SYNTAX, "unexpected character '%s'"),
    TEXT_UNTERMINATED_COMMENT(Category.SYNTAX, "unterminated /* comment"),
    TEXT_MALFORMED_NUMBER(Category.SYNTAX, "malformed number '%s'"),
    TEXT_NUMBER_OUT_OF_RANGE(Category.SYNTAX, "%s %s is out of range (%s)"),
    TEXT_EXPECTED(Category.SYNTAX, "expected %s, found %s"),
    TEXT_NO_INSTRUCTIONS(Category.SYNTAX, "no instructions found in this %s program"),
    ASM_UNKNOWN_MNEMONIC(Category.SYNTAX, "unknown mnemonic '%s'"),
    ASM_BAD_OPERAND(Category.SYNTAX, "'%s' does not take %s (expected %s)"),
    ASM_UNDEFINED_LABEL(Category.SYNTAX, "undefined label '%s'"),
    ASM_DUPLICATE_LABEL(Category.SYNTAX, "duplicate label '%s' (first defined at line %d)"),
    ASM_LABEL_WITHOUT_INSTRUCTION(Category.SYNTAX, "label '%s' is not followed by an instruction"),
    ASM_JUMP_BACKWARD(
            Category.SYNTAX, "jump to '%s' goes backward (the label is at line %d); classic BPF jumps only forward"),
    ASM_JUMP_TOO_FAR(
            Category.SYNTAX,
            "jump to '%s' is %d instructions ahead; jt/jf reach at most 255: insert a 'ja %s' trampoline"),
    ASM_MSH_FORM(Category.SYNTAX, "only 4*([k]&0xf) is a valid ldxb operand, found %s*([k]&%s)"),
    DDD_COUNT_MISMATCH(Category.SYNTAX, "the count says %d instructions but %d follow"),
    DDD_ROW(Category.SYNTAX, "an instruction row has 4 numbers 'code jt jf k', found %d"),
    DD_ROW(Category.SYNTAX, "a { code, jt, jf, k } row has 4 numbers, found %d"),
    DD_MACRO(
            Category.SYNTAX,
            "%s macros are not read; give numeric rows as tcpdump -dd prints them ({ 0x28, 0, 0, 0x0000000c },)"),
    TEXT_RAW_NOT_TEXT(Category.SYNTAX, "the raw format is binary (8-byte struct sock_filter records), not text"),

    HANDLE_SWAP(Category.RUNTIME, "filter handle: %s"),

    // --- Constant-time mode (verify/SecretTaint) ---
    CONSTANT_TIME_SECRET_INDEX(
            Category.VERIFY, "insn %d: constant-time program loads at a secret-dependent offset [%s]"),
    CONSTANT_TIME_SECRET_DIVISOR(Category.VERIFY, "insn %d: constant-time program divides by a secret-dependent X"),
    CONSTANT_TIME_SECRET_SEARCH(
            Category.VERIFY,
            "insn %d: constant-time program cannot run %s: its netlink attribute walk reads the packet from offset A to the end, and its steps and result depend on the secret bytes %s");

    private final Category category;
    private final String format;

    Failure(Category category, String format) {
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
