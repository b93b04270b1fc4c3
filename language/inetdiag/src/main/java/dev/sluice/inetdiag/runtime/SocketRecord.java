package dev.sluice.inetdiag.runtime;

import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;
import com.oracle.truffle.api.interop.InteropLibrary;
import com.oracle.truffle.api.interop.InvalidArrayIndexException;
import com.oracle.truffle.api.interop.UnknownIdentifierException;
import com.oracle.truffle.api.interop.UnsupportedMessageException;
import dev.sluice.core.error.SluiceException;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * How embedders pass a socket: a byte record of {@link #SIZE} bytes, or an object with members. The record (integers
 * little-endian, addresses in network order):
 *
 * <pre>
 *  0 u16 family (2 = AF_INET, 10 = AF_INET6)    2 u16 local port    4 u16 remote port
 *  6 u8  flags (bit 0: autobound)               7 u8  reserved (0)
 *  8 u32 ifindex (bound device, 0 = none)      12 u32 mark         16 u64 cgroup v2 id
 * 24 u8[16] local address (IPv4 in the first 4) 40 u8[16] remote address
 * </pre>
 *
 * Members: {@code src}, {@code dst} (address text or 4/16 bytes), {@code sport}, {@code dport}, and optionally
 * {@code family} (else the address's), {@code ifindex}, {@code mark}, {@code cgroupId}, {@code autobound}.
 */
public final class SocketRecord {
    public static final int SIZE = 56;

    private SocketRecord() {}

    public static byte[] encode(SocketEntry e) {
        byte[] r = new byte[SIZE];
        r[0] = (byte) e.family;
        r[1] = (byte) (e.family >>> 8);
        r[2] = (byte) e.sport;
        r[3] = (byte) (e.sport >>> 8);
        r[4] = (byte) e.dport;
        r[5] = (byte) (e.dport >>> 8);
        r[6] = (byte) (e.autobound ? 1 : 0);
        putInt(r, 8, e.ifindex);
        putInt(r, 12, e.mark);
        putInt(r, 16, (int) e.cgroupId);
        putInt(r, 20, (int) (e.cgroupId >>> 32));
        putWords(r, 24, e.src);
        putWords(r, 40, e.dst);
        return r;
    }

    public static SocketEntry decode(byte[] r) {
        if (r.length != SIZE) {
            throw SluiceException.create(
                    InetDiagFailure.BAD_SOCKET, "a socket record is " + SIZE + " bytes, not " + r.length);
        }
        if (r[7] != 0 || (r[6] & ~1) != 0) {
            throw SluiceException.create(
                    InetDiagFailure.BAD_SOCKET, "reserved bits of the record's flags (bytes 6-7) are set");
        }
        int family = (r[0] & 0xff) | (r[1] & 0xff) << 8;
        checkFamily(family);
        long cgroup = (getInt(r, 16) & 0xffffffffL) | (long) getInt(r, 20) << 32;
        return new SocketEntry(
                family,
                getWords(r, 24),
                getWords(r, 40),
                (r[2] & 0xff) | (r[3] & 0xff) << 8,
                (r[4] & 0xff) | (r[5] & 0xff) << 8,
                getInt(r, 8),
                (r[6] & 1) != 0,
                getInt(r, 12),
                cgroup);
    }

    private static void checkFamily(int family) {
        if (family != 2 && family != 10) {
            throw SluiceException.create(
                    InetDiagFailure.BAD_SOCKET, "family " + family + " is not AF_INET (2) or AF_INET6 (10)");
        }
    }

    /** A socket from an interop value: a byte buffer or array (the record), or an object with members. */
    @TruffleBoundary
    public static SocketEntry fromInterop(Object value) {
        InteropLibrary lib = InteropLibrary.getUncached();
        try {
            if (value instanceof SocketEntry e) {
                return e;
            }
            if (lib.hasBufferElements(value)) {
                long n = lib.getBufferSize(value);
                if (n != SIZE) {
                    throw SluiceException.create(
                            InetDiagFailure.BAD_SOCKET, "a socket record is " + SIZE + " bytes, not " + n);
                }
                byte[] r = new byte[SIZE];
                for (int i = 0; i < SIZE; i++) {
                    r[i] = lib.readBufferByte(value, i);
                }
                return decode(r);
            }
            if (lib.hasArrayElements(value)) {
                return decode(byteArray(lib, value, "socket record"));
            }
            if (lib.hasMembers(value)) {
                return fromMembers(lib, value);
            }
        } catch (UnsupportedMessageException
                | InvalidArrayIndexException
                | UnknownIdentifierException
                | com.oracle.truffle.api.interop.InvalidBufferOffsetException e) {
            throw SluiceException.create(
                    InetDiagFailure.BAD_SOCKET,
                    e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        }
        throw SluiceException.create(
                InetDiagFailure.BAD_SOCKET,
                "expected a " + SIZE + "-byte record or an object with src, dst, sport, dport");
    }

    private static SocketEntry fromMembers(InteropLibrary lib, Object v)
            throws UnsupportedMessageException, InvalidArrayIndexException, UnknownIdentifierException {
        byte[] src = address(lib, v, "src");
        byte[] dst = address(lib, v, "dst");
        int family =
                lib.isMemberReadable(v, "family") ? intMember(lib, v, "family", 0, 0xffff) : src.length == 16 ? 10 : 2;
        checkFamily(family);
        int need = family == 10 ? 16 : 4;
        src = widen(src, need, "src");
        dst = widen(dst, need, "dst");
        int sport = intMember(lib, v, "sport", 0, 0xffff);
        int dport = intMember(lib, v, "dport", 0, 0xffff);
        int ifindex = lib.isMemberReadable(v, "ifindex") ? (int) longMember(lib, v, "ifindex", 0, 0xffffffffL) : 0;
        int mark = lib.isMemberReadable(v, "mark") ? (int) longMember(lib, v, "mark", 0, 0xffffffffL) : 0;
        long cgroup = lib.isMemberReadable(v, "cgroupId")
                ? longMember(lib, v, "cgroupId", Long.MIN_VALUE, Long.MAX_VALUE)
                : 0;
        boolean autobound = false;
        if (lib.isMemberReadable(v, "autobound")) {
            Object a = lib.readMember(v, "autobound");
            if (!lib.isBoolean(a)) {
                throw SluiceException.create(InetDiagFailure.BAD_SOCKET, "autobound must be a boolean");
            }
            autobound = lib.asBoolean(a);
        }
        return new SocketEntry(
                family, SocketEntry.words(src), SocketEntry.words(dst), sport, dport, ifindex, autobound, mark, cgroup);
    }

    /** An IPv4 address given for an IPv6 socket is the v4-mapped address, as the kernel stores it. */
    private static byte[] widen(byte[] a, int need, String name) {
        if (a.length == need) {
            return a;
        }
        if (a.length == 4 && need == 16) {
            byte[] m = new byte[16];
            m[10] = (byte) 0xff;
            m[11] = (byte) 0xff;
            System.arraycopy(a, 0, m, 12, 4);
            return m;
        }
        throw SluiceException.create(InetDiagFailure.BAD_SOCKET, name + " is an IPv6 address but family is AF_INET");
    }

    private static byte[] address(InteropLibrary lib, Object v, String name)
            throws UnsupportedMessageException, InvalidArrayIndexException, UnknownIdentifierException {
        if (!lib.isMemberReadable(v, name)) {
            throw SluiceException.create(InetDiagFailure.BAD_SOCKET, "member '" + name + "' is missing");
        }
        Object a = lib.readMember(v, name);
        if (lib.isString(a)) {
            return parseAddress(lib.asString(a), name);
        }
        if (lib.hasArrayElements(a)) {
            byte[] b = byteArray(lib, a, name);
            if (b.length != 4 && b.length != 16) {
                throw SluiceException.create(
                        InetDiagFailure.BAD_SOCKET, name + " has " + b.length + " bytes, not 4 or 16");
            }
            return b;
        }
        throw SluiceException.create(InetDiagFailure.BAD_SOCKET, name + " must be an address string or 4/16 bytes");
    }

    /** Numeric IPv4 or IPv6 text only: no name lookup. */
    public static byte[] parseAddress(String text, String what) {
        String t = text.trim();
        boolean v6 = t.indexOf(':') >= 0;
        boolean ok = v6 ? t.matches("[0-9A-Fa-f:.]+") : t.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        if (ok) {
            try {
                byte[] b = InetAddress.getByName(t).getAddress();
                if (v6 && b.length == 4) {
                    // Java folds "::ffff:a.b.c.d" into an IPv4 address; keep the IPv6 form.
                    byte[] m = new byte[16];
                    m[10] = (byte) 0xff;
                    m[11] = (byte) 0xff;
                    System.arraycopy(b, 0, m, 12, 4);
                    return m;
                }
                return b;
            } catch (UnknownHostException e) {
                // falls through to the error below
            }
        }
        throw SluiceException.create(
                InetDiagFailure.BAD_SOCKET, what + " '" + text + "' is not a numeric IPv4 or IPv6 address");
    }

    private static byte[] byteArray(InteropLibrary lib, Object a, String what)
            throws UnsupportedMessageException, InvalidArrayIndexException {
        long n = lib.getArraySize(a);
        if (n > 4096) {
            throw SluiceException.create(InetDiagFailure.BAD_SOCKET, what + " has " + n + " elements");
        }
        byte[] b = new byte[(int) n];
        for (int i = 0; i < n; i++) {
            Object e = lib.readArrayElement(a, i);
            if (!lib.fitsInInt(e)) {
                throw SluiceException.create(InetDiagFailure.BAD_SOCKET, what + "[" + i + "] is not a byte");
            }
            int x = lib.asInt(e);
            if (x < -128 || x > 255) {
                throw SluiceException.create(
                        InetDiagFailure.BAD_SOCKET, what + "[" + i + "] = " + x + " is not a byte");
            }
            b[i] = (byte) x;
        }
        return b;
    }

    private static int intMember(InteropLibrary lib, Object v, String name, int min, int max)
            throws UnsupportedMessageException, UnknownIdentifierException {
        return (int) longMember(lib, v, name, min, max);
    }

    private static long longMember(InteropLibrary lib, Object v, String name, long min, long max)
            throws UnsupportedMessageException, UnknownIdentifierException {
        if (!lib.isMemberReadable(v, name)) {
            throw SluiceException.create(InetDiagFailure.BAD_SOCKET, "member '" + name + "' is missing");
        }
        Object x = lib.readMember(v, name);
        if (!lib.fitsInLong(x)) {
            throw SluiceException.create(InetDiagFailure.BAD_SOCKET, name + " is not an integer");
        }
        long l = lib.asLong(x);
        if (l < min || l > max) {
            throw SluiceException.create(
                    InetDiagFailure.BAD_SOCKET, name + " = " + l + " is out of range " + min + ".." + max);
        }
        return l;
    }

    private static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
        b[at + 2] = (byte) (v >>> 16);
        b[at + 3] = (byte) (v >>> 24);
    }

    private static int getInt(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }

    private static void putWords(byte[] r, int at, int[] w) {
        for (int i = 0; i < 4; i++) {
            r[at + 4 * i] = (byte) (w[i] >>> 24);
            r[at + 4 * i + 1] = (byte) (w[i] >>> 16);
            r[at + 4 * i + 2] = (byte) (w[i] >>> 8);
            r[at + 4 * i + 3] = (byte) w[i];
        }
    }

    private static int[] getWords(byte[] r, int at) {
        byte[] a = new byte[16];
        System.arraycopy(r, at, a, 0, 16);
        return SocketEntry.words(a);
    }
}
