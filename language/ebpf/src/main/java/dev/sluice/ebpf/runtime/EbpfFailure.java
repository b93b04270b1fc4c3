package dev.sluice.ebpf.runtime;

import java.util.Locale;

/**
 * Every error of the eBPF language, with its exact message. The kind decides whether embedders see a syntax error
 * (input formats, structural checks) or a guest runtime error (guards that stop a run). Messages that concern one
 * instruction start with {@code insn N:}.
 */
public enum EbpfFailure {
    // --- Input formats ---
    RAW_LENGTH(Kind.SYNTAX, "raw program is %d bytes, not a multiple of 8 (one eBPF instruction slot)"),
    ASM_SYNTAX(Kind.SYNTAX, "%s"),
    ASM_UNKNOWN_MNEMONIC(Kind.SYNTAX, "unknown mnemonic '%s'"),
    ASM_OPERANDS(Kind.SYNTAX, "'%s' takes %s, found '%s'"),
    ASM_BAD_REGISTER(Kind.SYNTAX, "'%s' is not a register (%%r0 to %%r10)"),
    ASM_BAD_NUMBER(Kind.SYNTAX, "'%s' is not a number"),
    ASM_NUMBER_RANGE(Kind.SYNTAX, "%s %s is out of range (%s)"),
    ASM_UNDEFINED_LABEL(Kind.SYNTAX, "undefined label '%s'"),
    ASM_DUPLICATE_LABEL(Kind.SYNTAX, "duplicate label '%s' (first defined at line %d)"),
    ASM_JUMP_TOO_FAR(Kind.SYNTAX, "jump to '%s' is %d slots away; a 16-bit offset reaches -32768..32767 (use ja32)"),
    DATA_FILE(Kind.SYNTAX, "%s"),

    // --- Structural checks before execution (verify.StructuralCheck) ---
    EMPTY_PROGRAM(Kind.VERIFY, "program has no instructions"),
    PROGRAM_TOO_LONG(Kind.VERIFY, "program has %d instruction slots, more than the limit of %d"),
    UNKNOWN_OPCODE(Kind.VERIFY, "insn %d: unknown opcode 0x%02x"),
    RESERVED_FIELD(Kind.VERIFY, "insn %d: %s uses reserved fields (%s)"),
    BAD_REGISTER(Kind.VERIFY, "insn %d: register r%d does not exist (r0 to r10)"),
    FRAME_POINTER_WRITE(Kind.VERIFY, "insn %d: frame pointer r10 is read only"),
    BAD_IMMEDIATE(Kind.VERIFY, "insn %d: %s"),
    JUMP_OUT_OF_RANGE(Kind.VERIFY, "insn %d: jump to insn %d is outside the program (%d slots)"),
    JUMP_INTO_LDDW(Kind.VERIFY, "insn %d: jump to insn %d lands in the second slot of lddw"),
    JUMP_OUT_OF_FUNCTION(Kind.VERIFY, "insn %d: jump to insn %d leaves the function at insn %d"),
    INCOMPLETE_LDDW(Kind.VERIFY, "insn %d: lddw needs a second slot"),
    FALLS_OFF_END(Kind.VERIFY, "insn %d: the function at insn %d ends without exit or jump (execution would fall off its end)"),
    CALL_OUT_OF_RANGE(Kind.VERIFY, "insn %d: call to insn %d is outside the program (%d slots)"),
    RECURSIVE_CALL(Kind.VERIFY, "insn %d: recursive call: %s"),
    CALL_CHAIN_TOO_DEEP(Kind.VERIFY, "insn %d: call chain of %d frames (%s), more than the limit of %d"),
    UNKNOWN_HELPER(Kind.VERIFY, "insn %d: unknown helper %d for program type %s"),
    UNSUPPORTED(Kind.VERIFY, "insn %d: %s is not supported"),

    // --- Run time: guards ---
    BAD_ACCESS(Kind.RUNTIME, "insn %d: invalid %s of %d bytes at %s"),
    MISALIGNED_ATOMIC(Kind.RUNTIME, "insn %d: atomic access of %d bytes at %s is not aligned to its size"),
    READ_ONLY(Kind.RUNTIME, "insn %d: write of %d bytes to read-only %s"),
    TOO_MANY_FRAMES(Kind.RUNTIME, "insn %d: call would need frame %d, more than the limit of %d frames"),
    INSTRUCTION_LIMIT(Kind.RUNTIME, "insn %d: instruction limit of %d (ebpf.MaxInstructions) reached"),
    BAD_HELPER_ARGUMENT(Kind.RUNTIME, "insn %d: %s: %s"),
    BAD_CONTEXT_ACCESS(Kind.RUNTIME, "insn %d: invalid %s of %d bytes at %s in a %s program"),
    NO_SUCH_MAP(Kind.VERIFY, "insn %d: lddw refers to map %d, but the program has %d maps"),
    BAD_MAP_VALUE(Kind.VERIFY, "insn %d: lddw of a map value needs an array map with the offset inside its value (map %d, offset %d)"),
    TOO_MANY_MAPS(Kind.VERIFY, "the program has %d maps, more than the limit of %d"),
    BAD_CALL_TARGET(Kind.RUNTIME, "insn %d: callx target 0x%x is neither a helper of program type %s nor a function"),
    BAD_INPUT(Kind.RUNTIME, "%s"),
    BAD_OPTION(Kind.RUNTIME, "%s");

    public enum Kind {
        SYNTAX,
        VERIFY,
        RUNTIME
    }

    public final Kind kind;
    private final String format;

    EbpfFailure(Kind kind, String format) {
        this.kind = kind;
        this.format = format;
    }

    public String message(Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
