package dev.sluice.inetdiag.runtime;

import dev.sluice.core.error.FailureKind;

/**
 * Every error of the INET-DIAG language with its exact message. The checker's kinds are the rules of the kernel's
 * {@code inet_diag_bc_audit} (net/ipv4/inet_diag.c), one kind per rule; messages about one op start with
 * {@code op at byte N}; such a failure is a {@link dev.sluice.core.error.SluiceException} whose {@code insn()} is that byte offset.
 */
public enum InetDiagFailure implements FailureKind {
    // --- Input ---
    FILTER_SYNTAX(Category.SYNTAX, "%s"),
    BAD_SOCKET(Category.RUNTIME, "socket: %s"),

    // --- The kernel's inet_diag_bc_audit, rule for rule ---
    TOO_SHORT(Category.VERIFY, "bytecode is %d bytes, shorter than one op (4 bytes)"),
    TOO_LONG(Category.VERIFY, "bytecode is %d bytes; an INET_DIAG_REQ_BYTECODE attribute holds at most %d"),
    LENGTH_NOT_MULTIPLE_OF_4(
            Category.VERIFY, "bytecode is %d bytes, not a multiple of 4: the yes chain cannot end exactly at the end"),
    UNKNOWN_CODE(Category.VERIFY, "op at byte %d: unknown code %d"),
    CONDITION_TRUNCATED(Category.VERIFY, "op at byte %d: %s needs %d bytes from the op on, only %d remain"),
    HOSTCOND_FAMILY(Category.VERIFY, "op at byte %d: %s family %d is not AF_UNSPEC (0), AF_INET (2) or AF_INET6 (10)"),
    HOSTCOND_PREFIX(Category.VERIFY, "op at byte %d: %s prefix length %d is longer than the address (%d bits)"),
    MARK_NEEDS_NET_ADMIN(
            Category.VERIFY,
            "op at byte %d: MARK_COND needs CAP_NET_ADMIN (the kernel answers EPERM; option inetdiag.NetAdmin=true)"),
    JUMP_SHORTER_THAN_OP(Category.VERIFY, "op at byte %d: %s = %d is shorter than the op and its condition (%d bytes)"),
    JUMP_PAST_END(Category.VERIFY, "op at byte %d: %s = %d goes beyond the end + 4 (%d bytes remain)"),
    JUMP_UNALIGNED(Category.VERIFY, "op at byte %d: %s = %d is not a multiple of 4"),
    NO_TARGET_NOT_ON_CHAIN(
            Category.VERIFY,
            "op at byte %d: no = %d jumps to byte %d, which is not an op of the yes chain from byte 0"),
    CHAIN_OVERSHOOTS_END(
            Category.VERIFY,
            "op at byte %d: yes = %d ends the yes chain 4 bytes past the end instead of exactly at it");

    private final Category category;
    private final String format;

    InetDiagFailure(Category category, String format) {
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
