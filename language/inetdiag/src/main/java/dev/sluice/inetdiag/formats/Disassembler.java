package dev.sluice.inetdiag.formats;

import static dev.sluice.inetdiag.isa.Ops.*;

import dev.sluice.inetdiag.runtime.SocketEntry;
import java.util.Locale;

/**
 * Text of checked bytecode, one op of the yes chain per line: byte offset, op, condition, and where {@code yes} and
 * {@code no} lead (a byte offset, {@code accept} at the end, {@code reject} 4 bytes past it).
 */
public final class Disassembler {
    private Disassembler() {}

    public static String disassemble(byte[] bc) {
        StringBuilder s = new StringBuilder();
        for (int at = 0; at < bc.length; at += u8(bc, at + 1)) {
            s.append(line(bc, at)).append('\n');
        }
        return s.toString();
    }

    /** One op: "  16: S_COND   src 10.0.0.0/8 port *          yes 36  no reject". */
    public static String line(byte[] bc, int at) {
        int code = u8(bc, at);
        String cond = condition(bc, at);
        String targets = code == NOP
                ? "yes " + target(bc, at + u8(bc, at + 1))
                : code == JMP
                        ? "no " + target(bc, at + u16(bc, at + 2))
                        : "yes " + target(bc, at + u8(bc, at + 1)) + "  no " + target(bc, at + u16(bc, at + 2));
        return String.format(Locale.ROOT, "%5d: %-11s %-34s %s", at, name(code), cond, targets);
    }

    private static String target(byte[] bc, int to) {
        return to == bc.length ? "accept" : to == bc.length + 4 ? "reject" : Integer.toString(to);
    }

    public static String condition(byte[] bc, int at) {
        int code = u8(bc, at);
        int c = at + OP_SIZE;
        return switch (code) {
            case S_GE, S_LE, S_EQ ->
                "sport " + (code == S_GE ? ">=" : code == S_LE ? "<=" : "==") + " " + u16(bc, c + 2);
            case D_GE, D_LE, D_EQ ->
                "dport " + (code == D_GE ? ">=" : code == D_LE ? "<=" : "==") + " " + u16(bc, c + 2);
            case S_COND, D_COND -> {
                int family = u8(bc, c);
                int prefix = u8(bc, c + 1);
                int port = s32(bc, c + 4);
                String addr;
                if (family == AF_UNSPEC) {
                    addr = "*";
                } else {
                    int[] w = new int[4];
                    for (int i = 0; i < (family == AF_INET6 ? 4 : 1); i++) {
                        w[i] = be32(bc, c + HOSTCOND_SIZE + 4 * i);
                    }
                    addr = SocketEntry.addressText(w, family) + "/" + prefix;
                }
                yield (code == S_COND ? "src " : "dst ") + addr + " port "
                        + (port == -1 ? "*" : Integer.toString(port));
            }
            case DEV_COND -> "dev " + Integer.toUnsignedString(s32(bc, c));
            case MARK_COND -> String.format(Locale.ROOT, "fwmark 0x%x/0x%x", s32(bc, c), s32(bc, c + 4));
            case CGROUP_COND -> "cgroup " + Long.toUnsignedString(s64(bc, c));
            default -> "";
        };
    }
}
