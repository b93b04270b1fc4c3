package dev.sluice.inetdiag.kernel;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.sluice.inetdiag.isa.Ops;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The kernel's socket dump through NETLINK_SOCK_DIAG, with the FFM API (no C toolchain, no JNI): one
 * SOCK_DIAG_BY_FAMILY request ({@code struct inet_diag_req_v2}) per family and protocol, with or without an
 * INET_DIAG_REQ_BYTECODE attribute. Constants are Linux's (include/uapi/linux/netlink.h, sock_diag.h, inet_diag.h);
 * x86_64 and aarch64 Linux only ({@link #SUPPORTED}).
 */
public final class SockDiag {
    public static final boolean SUPPORTED =
            System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")
                    && (System.getProperty("os.arch", "").equals("amd64")
                            || System.getProperty("os.arch", "").equals("aarch64"));

    private static final int AF_NETLINK = 16;
    private static final int SOCK_RAW = 3;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int NETLINK_SOCK_DIAG = 4;
    private static final int SOCK_DIAG_BY_FAMILY = 20;
    private static final int NLM_F_REQUEST = 1;
    private static final int NLM_F_DUMP = 0x300;
    private static final int NLMSG_ERROR = 2;
    private static final int NLMSG_DONE = 3;
    private static final int INET_DIAG_REQ_BYTECODE = 1;
    private static final int INET_DIAG_SKV6ONLY = 11;
    private static final int INET_DIAG_MARK = 15;
    private static final int INET_DIAG_CGROUP_ID = 21;
    private static final int SOL_SOCKET = 1;
    private static final int SO_RCVTIMEO = 20;
    private static final int NLMSG_HDR = 16;
    private static final int REQ_V2 = 56;
    private static final int DIAG_MSG = 72;
    /** Every TCP state bit: ss -a. */
    public static final int ALL_STATES = 0xffffffff;

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfInt BE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort BE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MemoryLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle SOCKET =
            bind("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SENDTO =
            bind("sendto", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECV =
            bind("recv", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle SETSOCKOPT =
            bind("setsockopt", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle CLOSE = bind("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    private SockDiag() {}

    private static MethodHandle bind(String name, FunctionDescriptor d) {
        if (!SUPPORTED) {
            return null;
        }
        return LINKER.downcallHandle(
                LINKER.defaultLookup().find(name).orElseThrow(), d, Linker.Option.captureCallState("errno"));
    }

    /** The kernel refused a request: the negative errno of its NLMSG_ERROR (EINVAL for bytecode its audit rejects). */
    public static final class KernelRefusal extends Exception {
        private static final long serialVersionUID = 1L;
        public final int errno;

        KernelRefusal(int errno, String what) {
            super(what + ": errno " + errno);
            this.errno = errno;
        }
    }

    /** The sockets of one family (2 or 10) and protocol (6 or 17) in any state, filtered by the kernel with {@code bytecode} if not null. */
    public static List<DiagSocket> dump(int family, int protocol, byte[] bytecode) throws KernelRefusal {
        if (!SUPPORTED) {
            throw new UnsupportedOperationException("NETLINK_SOCK_DIAG through FFM needs Linux on x86_64 or aarch64");
        }
        if (bytecode != null && bytecode.length > Ops.MAX_LENGTH) {
            throw new IllegalArgumentException("bytecode longer than an attribute holds");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = arena.allocate(CAPTURE);
            int fd = (int) SOCKET.invokeExact(errno, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
            if (fd < 0) {
                throw new KernelRefusal((int) ERRNO.get(errno, 0L), "socket(AF_NETLINK, NETLINK_SOCK_DIAG)");
            }
            try {
                MemorySegment timeout = arena.allocate(16);
                timeout.set(JAVA_LONG, 0, 10);
                int rc = (int) SETSOCKOPT.invokeExact(errno, fd, SOL_SOCKET, SO_RCVTIMEO, timeout, 16);
                if (rc != 0) {
                    throw new KernelRefusal((int) ERRNO.get(errno, 0L), "setsockopt(SO_RCVTIMEO)");
                }
                send(arena, errno, fd, family, protocol, bytecode);
                return receive(arena, errno, fd, protocol);
            } finally {
                int ignored = (int) CLOSE.invokeExact(errno, fd);
            }
        } catch (KernelRefusal | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Dumps IPv4 and IPv6, TCP and UDP, in that order. */
    public static List<DiagSocket> dumpAll(byte[] bytecode) throws KernelRefusal {
        List<DiagSocket> all = new ArrayList<>();
        for (int protocol : new int[] {DiagSocket.IPPROTO_TCP, DiagSocket.IPPROTO_UDP}) {
            for (int family : new int[] {Ops.AF_INET, Ops.AF_INET6}) {
                all.addAll(dump(family, protocol, bytecode));
            }
        }
        return all;
    }

    /**
     * The inodes of the sockets whose port the kernel chose. The dump does not report a socket's user locks, so the
     * one way to learn them is to ask the kernel's own AUTO condition: the one-op program {AUTO, yes 4, no 8}.
     */
    public static Set<Long> autoboundInodes() throws KernelRefusal {
        byte[] auto = {Ops.AUTO, 4, 8, 0};
        Set<Long> inodes = new HashSet<>();
        for (DiagSocket s : dumpAll(auto)) {
            inodes.add(s.inode());
        }
        return inodes;
    }

    private static void send(Arena arena, MemorySegment errno, int fd, int family, int protocol, byte[] bytecode)
            throws Throwable {
        int attr = bytecode == null ? 0 : 4 + ((bytecode.length + 3) & ~3);
        int total = NLMSG_HDR + REQ_V2 + attr;
        MemorySegment m = arena.allocate(total, 8);
        m.set(U32, 0, total);
        m.set(U16, 4, (short) SOCK_DIAG_BY_FAMILY);
        m.set(U16, 6, (short) (NLM_F_REQUEST | NLM_F_DUMP));
        m.set(U32, 8, 1);
        m.set(ValueLayout.JAVA_BYTE, NLMSG_HDR, (byte) family);
        m.set(ValueLayout.JAVA_BYTE, NLMSG_HDR + 1, (byte) protocol);
        m.set(U32, NLMSG_HDR + 4, ALL_STATES);
        if (bytecode != null) {
            int a = NLMSG_HDR + REQ_V2;
            m.set(U16, a, (short) (4 + bytecode.length));
            m.set(U16, a + 2, (short) INET_DIAG_REQ_BYTECODE);
            MemorySegment.copy(MemorySegment.ofArray(bytecode), 0, m, a + 4, bytecode.length);
        }
        MemorySegment address = arena.allocate(12, 4);
        address.set(U16, 0, (short) AF_NETLINK);
        long sent = (long) SENDTO.invokeExact(errno, fd, m, (long) total, 0, address, 12);
        if (sent != total) {
            throw new KernelRefusal((int) ERRNO.get(errno, 0L), "sendto(NETLINK_SOCK_DIAG)");
        }
    }

    private static List<DiagSocket> receive(Arena arena, MemorySegment errno, int fd, int protocol) throws Throwable {
        List<DiagSocket> out = new ArrayList<>();
        MemorySegment buf = arena.allocate(1 << 16, 8);
        while (true) {
            long n = (long) RECV.invokeExact(errno, fd, buf, buf.byteSize(), 0);
            if (n < 0) {
                throw new KernelRefusal((int) ERRNO.get(errno, 0L), "recv(NETLINK_SOCK_DIAG)");
            }
            long at = 0;
            while (at + NLMSG_HDR <= n) {
                int len = buf.get(U32, at);
                int type = Short.toUnsignedInt(buf.get(U16, at + 4));
                if (len < NLMSG_HDR || at + len > n) {
                    throw new IllegalStateException("malformed netlink message of " + len + " bytes");
                }
                if (type == NLMSG_DONE) {
                    int error = len >= NLMSG_HDR + 4 ? buf.get(U32, at + NLMSG_HDR) : 0;
                    if (error < 0) {
                        throw new KernelRefusal(-error, "SOCK_DIAG_BY_FAMILY");
                    }
                    return out;
                }
                if (type == NLMSG_ERROR) {
                    int error = buf.get(U32, at + NLMSG_HDR);
                    if (error < 0) {
                        throw new KernelRefusal(-error, "SOCK_DIAG_BY_FAMILY");
                    }
                    return out;
                }
                if (type == SOCK_DIAG_BY_FAMILY) {
                    out.add(parse(buf.asSlice(at + NLMSG_HDR, len - NLMSG_HDR), protocol));
                }
                at += (len + 3) & ~3;
            }
        }
    }

    private static DiagSocket parse(MemorySegment msg, int protocol) {
        int family = Byte.toUnsignedInt(msg.get(ValueLayout.JAVA_BYTE, 0));
        int state = Byte.toUnsignedInt(msg.get(ValueLayout.JAVA_BYTE, 1));
        int sport = Short.toUnsignedInt(msg.get(BE16, 4));
        int dport = Short.toUnsignedInt(msg.get(BE16, 6));
        int[] src = new int[4];
        int[] dst = new int[4];
        int words = family == Ops.AF_INET6 ? 4 : 1;
        for (int i = 0; i < words; i++) {
            src[i] = msg.get(BE32, 8 + 4 * i);
            dst[i] = msg.get(BE32, 24 + 4 * i);
        }
        int ifindex = msg.get(U32, 40);
        int rqueue = msg.get(U32, 56);
        int wqueue = msg.get(U32, 60);
        int uid = msg.get(U32, 64);
        long inode = Integer.toUnsignedLong(msg.get(U32, 68));
        Integer mark = null;
        Long cgroup = null;
        boolean v6only = false;
        long at = DIAG_MSG;
        while (at + 4 <= msg.byteSize()) {
            int len = Short.toUnsignedInt(msg.get(U16, at));
            int type = Short.toUnsignedInt(msg.get(U16, at + 2)) & 0x3fff;
            if (len < 4 || at + len > msg.byteSize()) {
                break;
            }
            if (type == INET_DIAG_MARK && len >= 8) {
                mark = msg.get(U32, at + 4);
            } else if (type == INET_DIAG_SKV6ONLY && len >= 5) {
                v6only = msg.get(ValueLayout.JAVA_BYTE, at + 4) != 0;
            } else if (type == INET_DIAG_CGROUP_ID && len >= 12) {
                cgroup = msg.get(ValueLayout.JAVA_LONG_UNALIGNED, at + 4);
            }
            at += (len + 3) & ~3;
        }
        return new DiagSocket(
                protocol, family, state, src, sport, dst, dport, ifindex, inode, uid, rqueue, wqueue, mark, cgroup,
                v6only);
    }
}
