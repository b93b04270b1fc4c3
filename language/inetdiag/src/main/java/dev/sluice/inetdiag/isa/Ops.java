package dev.sluice.inetdiag.isa;

/**
 * The kernel's INET-DIAG bytecode (include/uapi/linux/inet_diag.h): a sequence of 4-byte {@code struct
 * inet_diag_bc_op {u8 code; u8 yes; u16 no;}} in host byte order (little-endian here), each followed by its
 * condition. {@code yes} and {@code no} are byte distances forward from the op; the filter accepts a socket when
 * control reaches exactly the end, and rejects it when control goes 4 bytes past the end.
 */
public final class Ops {
    private Ops() {}

    public static final int NOP = 0;
    public static final int JMP = 1;
    public static final int S_GE = 2;
    public static final int S_LE = 3;
    public static final int D_GE = 4;
    public static final int D_LE = 5;
    public static final int AUTO = 6;
    public static final int S_COND = 7;
    public static final int D_COND = 8;
    public static final int DEV_COND = 9;
    public static final int MARK_COND = 10;
    public static final int S_EQ = 11;
    public static final int D_EQ = 12;
    public static final int CGROUP_COND = 13;

    public static final int OP_SIZE = 4;
    /** {@code struct inet_diag_hostcond {u8 family; u8 prefix_len; int port; __be32 addr[];}}: 8 bytes before addr. */
    public static final int HOSTCOND_SIZE = 8;
    /** {@code struct inet_diag_markcond {u32 mark; u32 mask;}}. */
    public static final int MARKCOND_SIZE = 8;

    public static final int AF_UNSPEC = 0;
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;

    /** The most bytes an INET_DIAG_REQ_BYTECODE attribute carries: its u16 nla_len minus the 4-byte header. */
    public static final int MAX_LENGTH = 65535 - 4;

    private static final String[] NAMES = {
        "NOP",
        "JMP",
        "S_GE",
        "S_LE",
        "D_GE",
        "D_LE",
        "AUTO",
        "S_COND",
        "D_COND",
        "DEV_COND",
        "MARK_COND",
        "S_EQ",
        "D_EQ",
        "CGROUP_COND"
    };

    public static String name(int code) {
        return code >= 0 && code < NAMES.length ? NAMES[code] : "code " + code;
    }

    public static boolean isPortComparison(int code) {
        return code == S_GE || code == S_LE || code == D_GE || code == D_LE || code == S_EQ || code == D_EQ;
    }

    public static int u8(byte[] b, int at) {
        return b[at] & 0xff;
    }

    public static int u16(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8;
    }

    public static int s32(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }

    public static long s64(byte[] b, int at) {
        return (s32(b, at) & 0xffffffffL) | (long) s32(b, at + 4) << 32;
    }

    /** A 32-bit word of an address, read in network order (big-endian) as the kernel's __be32 compares. */
    public static int be32(byte[] b, int at) {
        return (b[at] & 0xff) << 24 | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8 | (b[at + 3] & 0xff);
    }

    public static void putU16(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
    }

    public static void putS32(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
        b[at + 2] = (byte) (v >>> 16);
        b[at + 3] = (byte) (v >>> 24);
    }

    public static void putS64(byte[] b, int at, long v) {
        putS32(b, at, (int) v);
        putS32(b, at + 4, (int) (v >>> 32));
    }
}
