package dev.sluice.tests.inetdiag;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Loopback TCP and UDP sockets made with libc through FFM (Java's socket classes cannot set SO_MARK), each
 * remembered with its inode, so the tests can pick their own sockets out of a machine-wide dump. Constants: Linux
 * x86_64 (asm-generic/socket.h, in.h, in6.h).
 */
final class InetSockets implements AutoCloseable {
    static final int AF_INET = 2;
    static final int AF_INET6 = 10;
    static final int SOCK_STREAM = 1;
    static final int SOCK_DGRAM = 2;
    private static final int SOL_SOCKET = 1;
    private static final int SO_REUSEADDR = 2;
    private static final int SO_BINDTODEVICE = 25;
    private static final int SO_MARK = 36;
    private static final int IPPROTO_IPV6 = 41;
    private static final int IPV6_V6ONLY = 26;
    static final int EADDRINUSE = 98;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MemoryLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle SOCKET =
            bind("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SETSOCKOPT =
            bind("setsockopt", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle BIND = bind("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle LISTEN = bind("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle CONNECT =
            bind("connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle ACCEPT =
            bind("accept", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle GETSOCKNAME =
            bind("getsockname", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle CLOSE = bind("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    private static MethodHandle bind(String name, FunctionDescriptor d) {
        return LINKER.downcallHandle(
                LINKER.defaultLookup().find(name).orElseThrow(), d, Linker.Option.captureCallState("errno"));
    }

    /** One socket the test made: fd, inode, and the facts the kernel's filter will see that the test decided. */
    record Made(
            int fd,
            long inode,
            int family,
            int type,
            boolean autobound,
            int mark,
            boolean onLoopbackDevice,
            String what) {}

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment errno = arena.allocate(CAPTURE);
    final List<Made> made = new ArrayList<>();

    static final class NativeError extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int errno;

        NativeError(String call, int errno) {
            super(call + " failed: errno " + errno);
            this.errno = errno;
        }
    }

    private int check(String call, int rc) {
        if (rc < 0) {
            throw new NativeError(call, (int) ERRNO.get(errno, 0L));
        }
        return rc;
    }

    private int invoke(String call, MethodHandle mh, Object... args) {
        Object[] full = new Object[args.length + 1];
        full[0] = errno;
        System.arraycopy(args, 0, full, 1, args.length);
        try {
            return check(call, (int) mh.invokeWithArguments(full));
        } catch (NativeError e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** sockaddr_in / sockaddr_in6 for a numeric loopback address and port. */
    MemorySegment address(int family, byte[] addr, int port) {
        MemorySegment a = arena.allocate(28, 4);
        a.set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) family);
        a.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 2, (short) port);
        MemorySegment.copy(MemorySegment.ofArray(addr), 0, a, family == AF_INET ? 4 : 8, addr.length);
        return a;
    }

    static int length(int family) {
        return family == AF_INET ? 16 : 28;
    }

    int socket(int family, int type) {
        return invoke("socket", SOCKET, family, type, 0);
    }

    void setInt(int fd, int level, int option, int value) {
        MemorySegment v = arena.allocate(4, 4);
        v.set(JAVA_INT, 0, value);
        invoke("setsockopt", SETSOCKOPT, fd, level, option, v, 4);
    }

    void mark(int fd, int mark) {
        setInt(fd, SOL_SOCKET, SO_MARK, mark);
    }

    void bindToLoopbackDevice(int fd) {
        MemorySegment name = arena.allocateFrom("lo");
        invoke("setsockopt(SO_BINDTODEVICE)", SETSOCKOPT, fd, SOL_SOCKET, SO_BINDTODEVICE, name, 3);
    }

    void reuse(int fd) {
        setInt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
    }

    void v6only(int fd, boolean only) {
        setInt(fd, IPPROTO_IPV6, IPV6_V6ONLY, only ? 1 : 0);
    }

    void bind(int fd, int family, byte[] addr, int port) {
        invoke("bind", BIND, fd, address(family, addr, port), length(family));
    }

    void listen(int fd) {
        invoke("listen", LISTEN, fd, 256);
    }

    void connect(int fd, int family, byte[] addr, int port) {
        invoke("connect", CONNECT, fd, address(family, addr, port), length(family));
    }

    int accept(int fd) {
        return invoke("accept", ACCEPT, fd, MemorySegment.NULL, MemorySegment.NULL);
    }

    int localPort(int fd) {
        MemorySegment a = arena.allocate(28, 4);
        MemorySegment len = arena.allocate(4, 4);
        len.set(JAVA_INT, 0, 28);
        invoke("getsockname", GETSOCKNAME, fd, a, len);
        return Short.toUnsignedInt(a.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 2));
    }

    /** Records a socket of the test with what the test knows about it; its inode comes from /proc/self/fd. */
    Made remember(int fd, int family, int type, boolean autobound, int mark, boolean onLoopbackDevice, String what) {
        long inode;
        try {
            String link = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
            inode = Long.parseLong(link.substring(link.indexOf('[') + 1, link.indexOf(']')));
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("fd " + fd + " has no socket inode", e);
        }
        Made m = new Made(fd, inode, family, type, autobound, mark, onLoopbackDevice, what);
        made.add(m);
        return m;
    }

    @Override
    public void close() {
        for (Made m : made) {
            try {
                CLOSE.invokeWithArguments(errno, m.fd());
            } catch (Throwable t) {
                // closing is best effort at the end of the test
            }
        }
        made.clear();
        arena.close();
    }
}
