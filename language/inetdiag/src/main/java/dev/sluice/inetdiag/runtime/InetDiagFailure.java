package dev.sluice.inetdiag.runtime;

import java.util.Locale;

/**
 * Every error of the INET-DIAG language with its exact message. The checker's kinds are the rules of the kernel's
 * {@code inet_diag_bc_audit} (net/ipv4/inet_diag.c), one kind per rule; messages about one op start with
 * {@code op at byte N}.
 */
public enum InetDiagFailure {
    // --- Input ---
    FILTER_SYNTAX(Kind.SYNTAX, "%s"),
    BAD_SOCKET(Kind.RUNTIME, "socket: %s"),

    // --- The kernel's inet_diag_bc_audit, rule for rule ---
    TOO_SHORT(Kind.VERIFY, "bytecode is %d bytes, shorter than one op (4 bytes)"),
    TOO_LONG(Kind.VERIFY, "bytecode is %d bytes; an INET_DIAG_REQ_BYTECODE attribute holds at most %d"),
    LENGTH_NOT_MULTIPLE_OF_4(Kind.VERIFY, "bytecode is %d bytes, not a multiple of 4: the yes chain cannot end exactly at the end"),
    UNKNOWN_CODE(Kind.VERIFY, "op at byte %d: unknown code %d"),
    CONDITION_TRUNCATED(Kind.VERIFY, "op at byte %d: %s needs %d bytes from the op on, only %d remain"),
    HOSTCOND_FAMILY(Kind.VERIFY, "op at byte %d: %s family %d is not AF_UNSPEC (0), AF_INET (2) or AF_INET6 (10)"),
    HOSTCOND_PREFIX(Kind.VERIFY, "op at byte %d: %s prefix length %d is longer than the address (%d bits)"),
    MARK_NEEDS_NET_ADMIN(Kind.VERIFY, "op at byte %d: MARK_COND needs CAP_NET_ADMIN (the kernel answers EPERM; option inetdiag.NetAdmin=true)"),
    JUMP_SHORTER_THAN_OP(Kind.VERIFY, "op at byte %d: %s = %d is shorter than the op and its condition (%d bytes)"),
    JUMP_PAST_END(Kind.VERIFY, "op at byte %d: %s = %d goes beyond the end + 4 (%d bytes remain)"),
    JUMP_UNALIGNED(Kind.VERIFY, "op at byte %d: %s = %d is not a multiple of 4"),
    NO_TARGET_NOT_ON_CHAIN(Kind.VERIFY, "op at byte %d: no = %d jumps to byte %d, which is not an op of the yes chain from byte 0"),
    CHAIN_OVERSHOOTS_END(Kind.VERIFY, "op at byte %d: yes = %d ends the yes chain 4 bytes past the end instead of exactly at it");

    public enum Kind {
        SYNTAX,
        VERIFY,
        RUNTIME
    }

    public final Kind kind;
    private final String format;

    InetDiagFailure(Kind kind, String format) {
        this.kind = kind;
        this.format = format;
    }

    public String message(Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
