package dev.sluice.inetdiag.verify;

import static dev.sluice.inetdiag.isa.Ops.*;

import dev.sluice.core.error.SluiceException;
import dev.sluice.inetdiag.runtime.InetDiagFailure;

/**
 * The checker: the kernel's {@code inet_diag_bc_audit} (net/ipv4/inet_diag.c), rule for rule, its own pass before
 * anything runs. It walks the "yes chain" (each op's {@code yes} distance from byte 0), checks each op's code and
 * condition size, that {@code yes} and {@code no} are at least the op's size, at most 4 bytes past the end and
 * multiples of 4, and that every {@code no} below the end lands on an op of the yes chain ({@code valid_cc}). The
 * chain must end exactly at the end. Execution only ever visits ops of the yes chain, so every op that runs was
 * checked.
 *
 * <p>One rule is stated differently from the kernel: a length that is not a multiple of 4 is refused first; the kernel
 * refuses the same programs later (every step is a multiple of 4, so the chain cannot end at the end).
 */
public final class Audit {
    private Audit() {}

    /**
     * @param netAdmin whether the requester has CAP_NET_ADMIN; without it MARK_COND is refused, as the kernel does
     *            (EPERM)
     */
    public static void check(byte[] bc, boolean netAdmin) {
        int total = bc.length;
        if (total < OP_SIZE) {
            throw SluiceException.create(InetDiagFailure.TOO_SHORT, total);
        }
        if (total > MAX_LENGTH) {
            throw SluiceException.create(InetDiagFailure.TOO_LONG, total, MAX_LENGTH);
        }
        if (total % 4 != 0) {
            throw SluiceException.create(InetDiagFailure.LENGTH_NOT_MULTIPLE_OF_4, total);
        }
        int len = total;
        while (len > 0) {
            int at = total - len;
            int code = u8(bc, at);
            int minLen = conditionLength(bc, at, len, code, netAdmin) + OP_SIZE;
            int yes = u8(bc, at + 1);
            int no = u16(bc, at + 2);
            if (code != NOP) {
                checkDistance(at, "no", no, minLen, len);
                if (no < len && !onYesChain(bc, len - no)) {
                    throw SluiceException.atInsn(at, InetDiagFailure.NO_TARGET_NOT_ON_CHAIN, at, no, at + no);
                }
            }
            checkDistance(at, "yes", yes, minLen, len);
            len -= yes;
            if (len < 0) {
                throw SluiceException.atInsn(at, InetDiagFailure.CHAIN_OVERSHOOTS_END, at, yes);
            }
        }
    }

    /** The size of the op's condition after the 4-byte op; refuses unknown codes and truncated conditions. */
    private static int conditionLength(byte[] bc, int at, int len, int code, boolean netAdmin) {
        switch (code) {
            case S_COND, D_COND -> {
                need(at, code, OP_SIZE + HOSTCOND_SIZE, len);
                int family = u8(bc, at + OP_SIZE);
                int addrLen;
                switch (family) {
                    case AF_UNSPEC -> addrLen = 0;
                    case AF_INET -> addrLen = 4;
                    case AF_INET6 -> addrLen = 16;
                    default ->
                        throw SluiceException.atInsn(at, InetDiagFailure.HOSTCOND_FAMILY, at, name(code), family);
                }
                need(at, code, OP_SIZE + HOSTCOND_SIZE + addrLen, len);
                int prefix = u8(bc, at + OP_SIZE + 1);
                if (prefix > 8 * addrLen) {
                    throw SluiceException.atInsn(
                            at, InetDiagFailure.HOSTCOND_PREFIX, at, name(code), prefix, 8 * addrLen);
                }
                return HOSTCOND_SIZE + addrLen;
            }
            case DEV_COND -> {
                need(at, code, OP_SIZE + 4, len);
                return 4;
            }
            case S_EQ, S_GE, S_LE, D_EQ, D_GE, D_LE -> {
                // The port is the 'no' field of a second op.
                need(at, code, OP_SIZE + OP_SIZE, len);
                return OP_SIZE;
            }
            case MARK_COND -> {
                if (!netAdmin) {
                    throw SluiceException.atInsn(at, InetDiagFailure.MARK_NEEDS_NET_ADMIN, at);
                }
                need(at, code, OP_SIZE + MARKCOND_SIZE, len);
                return MARKCOND_SIZE;
            }
            case CGROUP_COND -> {
                need(at, code, OP_SIZE + 8, len);
                return 8;
            }
            case AUTO, JMP, NOP -> {
                return 0;
            }
            default -> throw SluiceException.atInsn(at, InetDiagFailure.UNKNOWN_CODE, at, code);
        }
    }

    private static void need(int at, int code, int bytes, int len) {
        if (len < bytes) {
            throw SluiceException.atInsn(at, InetDiagFailure.CONDITION_TRUNCATED, at, name(code), bytes, len);
        }
    }

    private static void checkDistance(int at, String field, int distance, int minLen, int len) {
        if (distance < minLen) {
            throw SluiceException.atInsn(at, InetDiagFailure.JUMP_SHORTER_THAN_OP, at, field, distance, minLen);
        }
        if (distance > len + 4) {
            throw SluiceException.atInsn(at, InetDiagFailure.JUMP_PAST_END, at, field, distance, len);
        }
        if ((distance & 3) != 0) {
            throw SluiceException.atInsn(at, InetDiagFailure.JUMP_UNALIGNED, at, field, distance);
        }
    }

    /**
     * The kernel's {@code valid_cc}: whether following {@code yes} from byte 0 reaches the point where
     * {@code remaining} bytes are left.
     */
    static boolean onYesChain(byte[] bc, int remaining) {
        int len = bc.length;
        int at = 0;
        while (len >= 0) {
            if (remaining > len) {
                return false;
            }
            if (remaining == len) {
                return true;
            }
            int yes = u8(bc, at + 1);
            if (yes < 4 || (yes & 3) != 0) {
                return false;
            }
            len -= yes;
            at += yes;
        }
        return false;
    }
}
