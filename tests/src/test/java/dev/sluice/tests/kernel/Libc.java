package dev.sluice.tests.kernel;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Locale;

/**
 * The few libc calls the live-kernel tests need, bound with the FFM API (no C toolchain, no JNI). Every call
 * captures errno. Constants are x86_64 Linux values (include/uapi/asm-generic/socket.h, linux/prctl.h,
 * arch/x86/entry/syscalls/syscall_64.tbl); {@link #SUPPORTED} is false elsewhere so that callers skip visibly.
 */
public final class Libc {
    public static final boolean SUPPORTED =
            System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")
                    && System.getProperty("os.arch", "").equals("amd64");

    public static final int AF_UNIX = 1;
    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_RAW = 3;
    public static final int AF_PACKET = 17;
    public static final int ETH_P_ALL = 0x0003;
    public static final int SO_RCVTIMEO = 20;
    public static final int SOL_SOCKET = 1;
    public static final int SO_ATTACH_FILTER = 26;
    public static final int SO_DETACH_FILTER = 27;
    public static final int SO_RCVBUF = 8;
    public static final int SO_SNDBUF = 7;
    public static final int MSG_TRUNC = 0x20;
    public static final int MSG_DONTWAIT = 0x40;

    public static final int EPERM = 1;
    public static final int EINTR = 4;
    public static final int EAGAIN = 11;
    public static final int EFAULT = 14;
    public static final int EINVAL = 22;
    public static final int ENOSYS = 38;
    public static final int EACCES = 13;

    public static final int PR_SET_DUMPABLE = 4;
    public static final int PR_SET_NO_NEW_PRIVS = 38;

    public static final int SYS_GETPPID = 110;
    public static final int SYS_GETTID = 186;
    public static final int SYS_SECCOMP = 317;
    public static final int SECCOMP_SET_MODE_FILTER = 1;
    public static final int SECCOMP_FILTER_FLAG_TSYNC = 1;

    public static final int SIGSYS = 31;
    /** glibc's struct sigaction on x86_64: handler @0, sa_mask (128 bytes) @8, sa_flags @136, sa_restorer @144. */
    public static final int SIGACTION_SIZE = 152;

    public static final int SA_SIGINFO = 4;
    public static final int SA_NODEFER = 0x40000000;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final MemoryLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private static final MethodHandle SOCKETPAIR =
            bind("socketpair", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle SETSOCKOPT =
            bind("setsockopt", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SEND =
            bind("send", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle RECV =
            bind("recv", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle CLOSE = bind("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle SOCKET =
            bind("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle BIND = bind("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle PRCTL = bind(
            "prctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(1));
    private static final MethodHandle SYSCALL = bind(
            "syscall",
            FunctionDescriptor.of(
                    JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(1));
    private static final MethodHandle SIGACTION =
            bind("sigaction", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));

    private Libc() {}

    private static MethodHandle bind(String name, FunctionDescriptor fd, Linker.Option... extra) {
        if (!SUPPORTED) {
            return null;
        }
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = CAPTURE_ERRNO;
        System.arraycopy(extra, 0, options, 1, extra.length);
        MemorySegment symbol = LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return LINKER.downcallHandle(symbol, fd, options);
    }

    /** The result of one call: the return value, and errno when it failed (-1). */
    public record Result(long value, int errno) {
        public boolean failed() {
            return value == -1;
        }

        @Override
        public String toString() {
            return failed() ? "-1 (errno " + errno + ")" : Long.toString(value);
        }
    }

    private static final ThreadLocal<MemorySegment> CAPTURE_BUFFER =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE));

    private static Result call(MethodHandle mh, Object... args) {
        if (mh == null) {
            throw new UnsupportedOperationException("libc calls need Linux on x86_64");
        }
        MemorySegment state = CAPTURE_BUFFER.get();
        Object[] full = new Object[args.length + 1];
        full[0] = state;
        System.arraycopy(args, 0, full, 1, args.length);
        try {
            Object r = mh.invokeWithArguments(full);
            long v = r instanceof Integer i ? i : (Long) r;
            return new Result(v, v == -1 ? (int) ERRNO.get(state, 0L) : 0);
        } catch (Throwable t) {
            throw new IllegalStateException("native call failed: " + t, t);
        }
    }

    public static Result socketpair(int domain, int type, int protocol, MemorySegment fds) {
        return call(SOCKETPAIR, domain, type, protocol, fds);
    }

    public static Result setsockopt(int fd, int level, int name, MemorySegment value, int length) {
        return call(SETSOCKOPT, fd, level, name, value, length);
    }

    public static Result send(int fd, MemorySegment buf, long length, int flags) {
        return call(SEND, fd, buf, length, flags);
    }

    public static Result recv(int fd, MemorySegment buf, long length, int flags) {
        return call(RECV, fd, buf, length, flags);
    }

    public static Result socket(int domain, int type, int protocol) {
        return call(SOCKET, domain, type, protocol);
    }

    public static Result bind(int fd, MemorySegment address, int length) {
        return call(BIND, fd, address, length);
    }

    public static Result close(int fd) {
        return call(CLOSE, fd);
    }

    public static Result prctl(int option, long a2, long a3, long a4, long a5) {
        return call(PRCTL, option, a2, a3, a4, a5);
    }

    public static Result syscall(long nr, long a0, long a1, long a2, long a3, long a4, long a5) {
        return call(SYSCALL, nr, a0, a1, a2, a3, a4, a5);
    }

    public static Result sigaction(int signal, MemorySegment action, MemorySegment old) {
        return call(SIGACTION, signal, action, old);
    }

    public static Linker linker() {
        return LINKER;
    }

    /**
     * A {@code struct sock_fprog} (u16 len, 6 bytes padding, pointer to the instructions; 16 bytes on x86_64) for raw
     * instructions in host byte order.
     */
    public static MemorySegment sockFprog(Arena arena, byte[] rawInsns) {
        MemorySegment insns = arena.allocate(Math.max(8, rawInsns.length), 8);
        MemorySegment.copy(rawInsns, 0, insns, ValueLayout.JAVA_BYTE, 0, rawInsns.length);
        MemorySegment prog = arena.allocate(16, 8);
        prog.set(ValueLayout.JAVA_SHORT, 0, (short) (rawInsns.length / 8));
        prog.set(ADDRESS, 8, insns);
        return prog;
    }
}
