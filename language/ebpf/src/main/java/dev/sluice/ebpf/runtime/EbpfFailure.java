package dev.sluice.ebpf.runtime;

import dev.sluice.core.error.FailureKind;

/**
 * Every error of the eBPF language, with its exact message (raised as core's {@code SluiceException}). The category
 * decides whether embedders see a syntax error
 * (input formats, structural checks) or a guest runtime error (guards that stop a run). Messages that concern one
 * instruction start with {@code insn N:}.
 */
public enum EbpfFailure implements FailureKind {
    // --- Input formats ---
    RAW_LENGTH(Category.SYNTAX, "raw program is %d bytes, not a multiple of 8 (one eBPF instruction slot)"),
    ASM_SYNTAX(Category.SYNTAX, "%s"),
    ASM_UNKNOWN_MNEMONIC(Category.SYNTAX, "unknown mnemonic '%s'"),
    ASM_OPERANDS(Category.SYNTAX, "'%s' takes %s, found '%s'"),
    ASM_BAD_REGISTER(Category.SYNTAX, "'%s' is not a register (%%r0 to %%r10)"),
    ASM_BAD_NUMBER(Category.SYNTAX, "'%s' is not a number"),
    ASM_NUMBER_RANGE(Category.SYNTAX, "%s %s is out of range (%s)"),
    ASM_UNDEFINED_LABEL(Category.SYNTAX, "undefined label '%s'"),
    ASM_DUPLICATE_LABEL(Category.SYNTAX, "duplicate label '%s' (first defined at line %d)"),
    ASM_JUMP_TOO_FAR(
            Category.SYNTAX, "jump to '%s' is %d slots away; a 16-bit offset reaches -32768..32767 (use ja32)"),
    DATA_FILE(Category.SYNTAX, "%s"),
    ELF_OBJECT(Category.SYNTAX, "%s"),
    ELF_PROGRAM(Category.VERIFY, "%s: section %s: %s"),

    // --- Structural checks before execution (verify.StructuralCheck) ---
    EMPTY_PROGRAM(Category.VERIFY, "program has no instructions"),
    PROGRAM_TOO_LONG(Category.VERIFY, "program has %d instruction slots, more than the limit of %d"),
    UNKNOWN_OPCODE(Category.VERIFY, "insn %d: unknown opcode 0x%02x"),
    RESERVED_FIELD(Category.VERIFY, "insn %d: %s uses reserved fields (%s)"),
    BAD_REGISTER(Category.VERIFY, "insn %d: register r%d does not exist (r0 to r10)"),
    FRAME_POINTER_WRITE(Category.VERIFY, "insn %d: frame pointer r10 is read only"),
    BAD_IMMEDIATE(Category.VERIFY, "insn %d: %s"),
    JUMP_OUT_OF_RANGE(Category.VERIFY, "insn %d: jump to insn %d is outside the program (%d slots)"),
    JUMP_INTO_LDDW(Category.VERIFY, "insn %d: jump to insn %d lands in the second slot of lddw"),
    JUMP_OUT_OF_FUNCTION(Category.VERIFY, "insn %d: jump to insn %d leaves the function at insn %d"),
    INCOMPLETE_LDDW(Category.VERIFY, "insn %d: lddw needs a second slot"),
    FALLS_OFF_END(
            Category.VERIFY,
            "insn %d: the function at insn %d ends without exit or jump (execution would fall off its end)"),
    CALL_OUT_OF_RANGE(Category.VERIFY, "insn %d: call to insn %d is outside the program (%d slots)"),
    RECURSIVE_CALL(Category.VERIFY, "insn %d: recursive call: %s"),
    CALL_CHAIN_TOO_DEEP(Category.VERIFY, "insn %d: call chain of %d frames (%s), more than the limit of %d"),
    UNKNOWN_HELPER(Category.VERIFY, "insn %d: unknown helper %d for program type %s"),
    UNSUPPORTED(Category.VERIFY, "insn %d: %s is not supported"),

    // --- The verifier (verify.Verifier): each rule its own kind; the wording follows the kernel's log ---
    V_UNREACHABLE(Category.VERIFY, "insn %d: unreachable insn (no path from the entry reaches it)"),
    V_TOO_COMPLEX(
            Category.VERIFY,
            "insn %d: BPF program is too large. Processed %d insn (the limit is %d, ebpf.VerifierLimit): a loop without a proven bound, or too many paths"),
    V_INFINITE_LOOP(Category.VERIFY, "insn %d: infinite loop detected at insn %d (the same state again)"),
    V_UNINIT_REGISTER(Category.VERIFY, "insn %d: R%d !read_ok (the register is not initialised on this path)"),
    V_LEGACY_LOAD(Category.VERIFY, "insn %d: %s"),
    V_STORE_NOT_ALLOWED(Category.VERIFY, "insn %d: %s stores into R%d %s is not allowed"),
    V_POINTER_ARITHMETIC(Category.VERIFY, "insn %d: R%d %s (%s)"),
    V_DIVISION_BY_ZERO(Category.VERIFY, "insn %d: division by zero"),
    V_INVALID_SHIFT(Category.VERIFY, "insn %d: invalid shift %d (an immediate shift must be in [0, %d))"),
    V_VARIABLE_OFFSET(Category.VERIFY, "insn %d: R%d variable %s access var_off=(%s) disallowed"),
    V_READ_ONLY(Category.VERIFY, "insn %d: cannot write into %s (R%d %s)"),
    V_UNBOUNDED_ACCESS(
            Category.VERIFY, "insn %d: R%d unbounded memory access, make sure to bounds check any such access (%s)"),
    V_PACKET_ACCESS(Category.VERIFY, "insn %d: invalid access to packet, off=%d size=%d, R%d %s"),
    V_MAP_VALUE_ACCESS(Category.VERIFY, "insn %d: invalid access to map value, value_size=%d off=%d size=%d, R%d %s"),
    // The kernel's words (check_map_access_type, record_func_map) for a map created with BPF_F_RDONLY_PROG.
    V_MAP_WRITE_FORBIDDEN(
            Category.VERIFY,
            "insn %d: write into map forbidden, value_size=%d off=%d size=%d, R%d %s (the map is read-only to programs)"),
    V_MAP_WRITE_FORBIDDEN_HELPER(
            Category.VERIFY,
            "insn %d: write into map forbidden: %s cannot change map '%s', which is read-only to programs"),
    // The kernel's words for what an unprivileged program may not do (verifier.c, !allow_ptr_leaks / !bpf_capable).
    V_CONSTANT_TIME(Category.VERIFY, "insn %d: constant-time program %s (ebpf.ConstantTime)"),
    V_UNPRIVILEGED(Category.VERIFY, "insn %d: %s (refused for unprivileged programs, ebpf.Unprivileged)"),
    V_MISALIGNED(Category.VERIFY, "insn %d: misaligned %saccess off %d size %d, R%d %s"),
    V_INVALID_MEM_ACCESS(Category.VERIFY, "insn %d: R%d invalid mem access '%s' (%s)"),
    V_STACK_ACCESS(Category.VERIFY, "insn %d: invalid %s stack R%d off=%d size=%d (%s): the stack is r10-512 to r10"),
    V_UNINIT_STACK(
            Category.VERIFY,
            "insn %d: invalid read from stack R%d off %d+%d size %d (%s): the byte is not initialised"),
    V_CONTEXT_ACCESS(Category.VERIFY, "insn %d: invalid bpf_context access off=%d size=%d: %s"),
    V_CALLX(
            Category.VERIFY,
            "insn %d: callx cannot be verified (the kernel has no call by register; ebpf.Verify=false runs it under the run-time guards)"),
    V_RETURN(Category.VERIFY, "insn %d: at exit: %s"),
    V_HELPER_ARGUMENT(Category.VERIFY, "insn %d: %s: R%d type=%s expected=%s"),
    V_HELPER_SIZE(Category.VERIFY, "insn %d: %s: R%d %s"),
    V_MAP_FUNCTION(Category.VERIFY, "insn %d: cannot pass map_type %d into func %s"),
    V_STACK_TOO_DEEP(Category.VERIFY, "insn %d: combined stack size of the call chain is %d bytes, more than %d"),

    // --- Run time: guards ---
    BAD_ACCESS(Category.RUNTIME, "insn %d: invalid %s of %d bytes at %s"),
    MISALIGNED_ATOMIC(Category.RUNTIME, "insn %d: atomic access of %d bytes at %s is not aligned to its size"),
    READ_ONLY(Category.RUNTIME, "insn %d: write of %d bytes to read-only %s"),
    TOO_MANY_FRAMES(Category.RUNTIME, "insn %d: call would need frame %d, more than the limit of %d frames"),
    INSTRUCTION_LIMIT(Category.RUNTIME, "insn %d: instruction limit of %d (ebpf.MaxInstructions) reached"),
    BAD_HELPER_ARGUMENT(Category.RUNTIME, "insn %d: %s: %s"),
    BAD_CONTEXT_ACCESS(Category.RUNTIME, "insn %d: invalid %s of %d bytes at %s in a %s program"),
    NO_SUCH_MAP(Category.VERIFY, "insn %d: lddw refers to map %d, but the program has %d maps"),
    BAD_MAP_VALUE(
            Category.VERIFY,
            "insn %d: lddw of a map value needs an array map with the offset inside its value (map %d, offset %d)"),
    TOO_MANY_MAPS(Category.VERIFY, "the program has %d maps, more than the limit of %d"),
    BAD_CALL_TARGET(
            Category.RUNTIME, "insn %d: callx target 0x%x is neither a helper of program type %s nor a function"),
    BAD_INPUT(Category.RUNTIME, "%s"),
    BAD_OPTION(Category.RUNTIME, "%s");

    private final Category category;
    private final String format;

    EbpfFailure(Category category, String format) {
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
