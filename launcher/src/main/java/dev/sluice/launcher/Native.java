package dev.sluice.launcher;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The few libc calls the launcher makes, through Java's FFM API (no C helper): isatty, prctl, the seccomp syscall,
 * pthread_sigmask and execve. Linux only; values from linux/prctl.h and linux/seccomp.h.
 */
final class Native {
    static final int PR_SET_NO_NEW_PRIVS = 38;
    static final int SECCOMP_SET_MODE_FILTER = 1;
    static final int SECCOMP_FILTER_FLAG_TSYNC = 1;
    static final int SECCOMP_FILTER_FLAG_LOG = 2;
    static final int SECCOMP_FILTER_FLAG_NEW_LISTENER = 8;
    private static final int SIG_SETMASK = 2;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private Native() {}

    private static final int PRCTL = 0;
    private static final int RT_SIGPROCMASK = 1;
    private static final int EXECVE = 2;
    private static final int SECCOMP = 3;
    private static final int FCNTL = 4;
    private static final long F_SETFD = 2;
    private static final long FD_CLOEXEC = 1;
    /** The kernel's sigset_t: 64 signals (not glibc's 128-byte one); rt_sigprocmask refuses any other size. */
    private static final long KERNEL_SIGSET_SIZE = 8;

    /**
     * prctl, rt_sigprocmask, execve, seccomp and fcntl on the host ABI (arch/x86/entry/syscalls/syscall_64.tbl;
     * include/uapi/asm-generic/unistd.h for aarch64 and riscv64).
     */
    static long[] hostSyscallNumbers() {
        return switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> new long[] {157, 14, 59, 317, 72};
            case "aarch64", "riscv64" -> new long[] {167, 135, 221, 277, 25};
            default -> throw UserError.invalid(CliFailure.CLI_UNSUPPORTED_HOST, System.getProperty("os.arch"));
        };
    }

    private static MethodHandle downcall(String name, FunctionDescriptor fd, Linker.Option... options) {
        MemorySegment symbol =
                LIBC.find(name).orElseThrow(() -> new IllegalStateException("libc has no symbol " + name));
        return LINKER.downcallHandle(symbol, fd, options);
    }

    /** True if the file descriptor is a terminal; false if it is not or if the check is impossible. */
    static boolean isatty(int fd) {
        try {
            MethodHandle h = downcall("isatty", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
            return (int) h.invokeExact(fd) == 1;
        } catch (Throwable t) {
            return false;
        }
    }

    static String strerror(int errno) {
        try {
            MethodHandle h = downcall("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));
            MemorySegment s = (MemorySegment) h.invokeExact(errno);
            return s.reinterpret(4096).getString(0, StandardCharsets.UTF_8);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    /** A failed call: the operation and errno. */
    static final class CallFailed extends Exception {
        private static final long serialVersionUID = 1L;
        final int errno;

        CallFailed(String call, int errno) {
            this(call + ": " + strerror(errno), errno, true);
        }

        private CallFailed(String message, int errno, boolean unused) {
            super(message, null, false, false);
            this.errno = errno;
        }

        static CallFailed withMessage(String message) {
            return new CallFailed(message, 0, true);
        }
    }

    /**
     * Everything exec needs, resolved and allocated before the filter goes in, so that nothing but the three calls
     * runs between installing the filter and execve.
     */
    static final class Exec {
        /**
         * One downcall, libc's syscall(2) with five arguments (prctl reads five, and PR_SET_NO_NEW_PRIVS refuses any
         * but zero in the last three), for all four calls (prctl, rt_sigprocmask, seccomp,
         * execve, by number): each distinct FFM signature costs its own stub and method-handle spinning at start-up,
         * which was most of what a cached {@code sluice exec} spent beyond {@code check}. Pointers go as addresses.
         */
        private final MethodHandle syscall = downcall(
                "syscall",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
                Linker.Option.firstVariadicArg(1),
                CAPTURE_ERRNO);

        private final long[] numbers = hostSyscallNumbers();
        private final Arena arena = Arena.ofAuto();
        private final MemorySegment state = arena.allocate(CALL_STATE);
        private final MemorySegment fprog;
        private final MemorySegment path;
        private final MemorySegment argv;
        private final MemorySegment envp;
        private final MemorySegment emptySigset;
        private final MemorySegment emptyPath;

        /**
         * @param filter raw sock_filter array in the host's byte order
         * @param callerFds the descriptors the caller passed, as "0,1,2,..." (the start scripts' {@code
         *     -Dsluice.callerFds}), or null to leave descriptors as they are
         */
        Exec(byte[] filter, String program, List<String> args, String callerFds) {
            MemorySegment insns = arena.allocate(filter.length, 8);
            insns.copyFrom(MemorySegment.ofArray(filter));
            // struct sock_fprog { unsigned short len; struct sock_filter *filter; }
            fprog = arena.allocate(16, 8);
            fprog.set(JAVA_SHORT, 0, (short) (filter.length / 8));
            fprog.set(ADDRESS, 8, insns);
            path = arena.allocateFrom(program);
            argv = arena.allocate(ADDRESS, args.size() + 1L);
            for (int i = 0; i < args.size(); i++) {
                argv.setAtIndex(ADDRESS, i, arena.allocateFrom(args.get(i)));
            }
            argv.setAtIndex(ADDRESS, args.size(), MemorySegment.NULL);
            // The process's real environment (libc's environ), not a copy filtered through the JVM.
            MemorySegment environ = LIBC.find("environ").orElseThrow().reinterpret(ADDRESS.byteSize());
            envp = environ.get(ADDRESS, 0);
            emptySigset = arena.allocate(KERNEL_SIGSET_SIZE, 8); // all zero
            emptyPath = arena.allocateFrom("");
            keepOnlyCallerDescriptors(callerFds);
        }

        /**
         * Marks close-on-exec every descriptor the JVM opened itself (its runtime image, entropy devices, jars, the
         * tarball's compiler directory), so that the command gets only those its caller passed, and 0-2 always.
         * Without the list, descriptors are left as they are, and so they are if /proc cannot be listed. A failing
         * fcntl means the descriptor is gone: nothing to leak.
         */
        private void keepOnlyCallerDescriptors(String caller) {
            if (caller == null) {
                return;
            }
            Set<String> passed = Set.copyOf(List.of(caller.split(",")));
            List<Integer> own = new ArrayList<>();
            try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
                for (Path fd : fds) {
                    String name = fd.getFileName().toString();
                    if (!passed.contains(name) && name.chars().allMatch(Character::isDigit)) {
                        own.add(Integer.parseInt(name));
                    }
                }
            } catch (IOException e) {
                return;
            }
            for (int fd : own) {
                if (fd > 2) {
                    call(FCNTL, fd, F_SETFD, FD_CLOEXEC, 0L);
                }
            }
        }

        private long call(int which, long a0, long a1, long a2, long a3) {
            try {
                return (long) syscall.invokeExact(state, numbers[which], a0, a1, a2, a3, 0L);
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }

        void noNewPrivs() throws CallFailed {
            if (call(PRCTL, PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L) != 0) { // and arg5 0 too
                throw new CallFailed("prctl(PR_SET_NO_NEW_PRIVS)", (int) ERRNO.get(state, 0L));
            }
        }

        /**
         * The calling thread's signal mask is inherited over execve; the JVM's must not leak into the command. (The
         * system call itself, as pthread_sigmask makes it: an empty set unblocks everything.)
         */
        void clearSignalMask() {
            if (call(RT_SIGPROCMASK, SIG_SETMASK, emptySigset.address(), 0L, KERNEL_SIGSET_SIZE) != 0) {
                throw new IllegalStateException("rt_sigprocmask: " + strerror((int) ERRNO.get(state, 0L)));
            }
        }

        /**
         * Runs the exact code paths of {@link #installFilter} and {@link #execve} once with arguments the kernel
         * refuses (an unknown seccomp operation, an empty path), so that every class they need is loaded and linked
         * and every method handle is spun before the filter is in place: between the filter and execve this thread
         * must not load classes or allocate, since a policy may deny the syscalls that needs (observed: a JVM abort).
         */
        void warmUp() {
            long r = seccompCall(-1L, 0, MemorySegment.NULL);
            if (r >= 0) {
                throw new IllegalStateException("seccomp accepted an unknown operation");
            }
            new CallFailed("seccomp", (int) ERRNO.get(state, 0L)).getMessage();
            int e = execveCall(emptyPath);
            if (e == 0) {
                throw new IllegalStateException("execve of an empty path succeeded");
            }
            new CallFailed("execve", (int) ERRNO.get(state, 0L)).getMessage();
        }

        private long seccompCall(long operation, int flags, MemorySegment arg) {
            return call(SECCOMP, operation, flags, arg.address(), 0L);
        }

        private int execveCall(MemorySegment file) {
            return (int) call(EXECVE, file.address(), argv.address(), envp.address(), 0L);
        }

        void installFilter(int flags) throws CallFailed {
            long r = seccompCall(SECCOMP_SET_MODE_FILTER, flags, fprog);
            if (r < 0) {
                throw new CallFailed("seccomp(SECCOMP_SET_MODE_FILTER)", (int) ERRNO.get(state, 0L));
            }
            if (r > 0) {
                // TSYNC: the id of a thread that could not be synchronised; nothing was installed.
                throw CallFailed.withMessage("seccomp(SECCOMP_SET_MODE_FILTER, TSYNC): thread " + r
                        + " of this process cannot take the filter");
            }
        }

        /**
         * Installs the filter with SECCOMP_FILTER_FLAG_NEW_LISTENER and returns the notification fd (close-on-exec, so
         * the command does not inherit it; the supervisor takes a copy with pidfd_getfd first).
         */
        int installListenerFilter() throws CallFailed {
            long r = seccompCall(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, fprog);
            if (r < 0) {
                throw new CallFailed("seccomp(SECCOMP_SET_MODE_FILTER, NEW_LISTENER)", (int) ERRNO.get(state, 0L));
            }
            return (int) r;
        }

        /** Replaces the process; returns only on failure. */
        CallFailed execve() {
            int r = execveCall(path);
            return new CallFailed("execve", r == 0 ? 0 : (int) ERRNO.get(state, 0L));
        }
    }

    /**
     * The supervisor's side of a seccomp user notification fd (linux/seccomp.h): take the fd from the child with
     * pidfd_open + pidfd_getfd, wait with poll, receive with SECCOMP_IOCTL_NOTIF_RECV and let each call go on with
     * SECCOMP_IOCTL_NOTIF_SEND and SECCOMP_USER_NOTIF_FLAG_CONTINUE.
     */
    static final class Supervisor implements AutoCloseable {
        // x86_64 and asm-generic numbers agree for these two (arch/x86/entry/syscalls/syscall_64.tbl, unistd.h)
        private static final long PIDFD_OPEN = 434;
        private static final long PIDFD_GETFD = 438;
        /** _IOWR('!', 0, struct seccomp_notif): 80 bytes. */
        private static final long NOTIF_RECV = 0xC0502100L;
        /** _IOWR('!', 1, struct seccomp_notif_resp): 24 bytes. */
        private static final long NOTIF_SEND = 0xC0182101L;

        private static final int USER_NOTIF_FLAG_CONTINUE = 1;
        private static final short POLLIN = 0x1;
        private static final short POLLHUP = 0x10;
        static final int EINTR = 4;
        static final int ENOENT = 2;

        /** struct seccomp_notif { u64 id; u32 pid; u32 flags; struct seccomp_data data; } */
        record Notification(long id, int pid, int nr, int arch, long ip, long[] args) {}

        private final MethodHandle syscall2 = downcall(
                "syscall",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
                Linker.Option.firstVariadicArg(1),
                CAPTURE_ERRNO);
        private final MethodHandle syscall3 = downcall(
                "syscall",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
                Linker.Option.firstVariadicArg(1),
                CAPTURE_ERRNO);
        private final MethodHandle ioctl = downcall(
                "ioctl",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
                Linker.Option.firstVariadicArg(2),
                CAPTURE_ERRNO);
        private final MethodHandle poll =
                downcall("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), CAPTURE_ERRNO);
        private final MethodHandle close = downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        private final Arena arena = Arena.ofConfined();
        private final MemorySegment state = arena.allocate(CALL_STATE);
        private final MemorySegment notif = arena.allocate(80, 8);
        private final MemorySegment resp = arena.allocate(24, 8);
        private final MemorySegment pollfd = arena.allocate(8, 4);
        private int fd = -1;

        private int errno() {
            return (int) ERRNO.get(state, 0L);
        }

        /** Copies file descriptor {@code targetFd} of process {@code pid} into this process (needs ptrace rights: root, or the parent). */
        void takeListener(long pid, int targetFd) throws CallFailed {
            try {
                long pidfd = (long) syscall2.invokeExact(state, PIDFD_OPEN, pid, 0L);
                if (pidfd < 0) {
                    throw new CallFailed("pidfd_open(" + pid + ")", errno());
                }
                long copy = (long) syscall3.invokeExact(state, PIDFD_GETFD, pidfd, (long) targetFd, 0L);
                int e = errno();
                int unused = (int) close.invokeExact((int) pidfd);
                if (copy < 0) {
                    throw new CallFailed("pidfd_getfd(" + pid + ", " + targetFd + ")", e);
                }
                fd = (int) copy;
            } catch (CallFailed c) {
                throw c;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }

        /** Waits up to {@code timeoutMillis}: 1 a notification is ready, 0 nothing yet, -1 no process uses the filter any more. */
        int await(int timeoutMillis) throws CallFailed {
            pollfd.set(JAVA_INT, 0, fd);
            pollfd.set(JAVA_SHORT, 4, POLLIN);
            pollfd.set(JAVA_SHORT, 6, (short) 0);
            int r;
            try {
                r = (int) poll.invokeExact(state, pollfd, 1L, timeoutMillis);
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
            if (r < 0) {
                if (errno() == EINTR) {
                    return 0;
                }
                throw new CallFailed("poll(seccomp notification fd)", errno());
            }
            short revents = pollfd.get(JAVA_SHORT, 6);
            if ((revents & POLLIN) != 0) {
                return 1;
            }
            return (revents & POLLHUP) != 0 ? -1 : 0;
        }

        /** The next notification, or null if its task went away before it could be read (ENOENT) or the wait was interrupted. */
        Notification receive() throws CallFailed {
            notif.fill((byte) 0); // the kernel refuses a buffer that is not zeroed
            int r;
            try {
                r = (int) ioctl.invokeExact(state, fd, NOTIF_RECV, notif);
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
            if (r < 0) {
                if (errno() == ENOENT || errno() == EINTR) {
                    return null;
                }
                throw new CallFailed("ioctl(SECCOMP_IOCTL_NOTIF_RECV)", errno());
            }
            long[] args = new long[6];
            for (int i = 0; i < 6; i++) {
                args[i] = notif.get(JAVA_LONG, 32 + 8L * i);
            }
            // struct seccomp_data { int nr; u32 arch; u64 instruction_pointer; u64 args[6]; } at offset 16
            return new Notification(
                    notif.get(JAVA_LONG, 0),
                    notif.get(JAVA_INT, 8),
                    notif.get(JAVA_INT, 16),
                    notif.get(JAVA_INT, 20),
                    notif.get(JAVA_LONG, 24),
                    args);
        }

        /** Lets the notified call run as if no filter had stopped it; false if the task is gone (ENOENT). */
        boolean proceed(long id) throws CallFailed {
            resp.fill((byte) 0);
            resp.set(JAVA_LONG, 0, id);
            resp.set(JAVA_INT, 20, USER_NOTIF_FLAG_CONTINUE);
            int r;
            try {
                r = (int) ioctl.invokeExact(state, fd, NOTIF_SEND, resp);
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
            if (r < 0) {
                if (errno() == ENOENT) {
                    return false;
                }
                throw new CallFailed("ioctl(SECCOMP_IOCTL_NOTIF_SEND)", errno());
            }
            return true;
        }

        @Override
        public void close() {
            if (fd >= 0) {
                try {
                    int unused = (int) close.invokeExact(fd);
                } catch (Throwable t) {
                    throw new IllegalStateException(t);
                }
                fd = -1;
            }
            arena.close();
        }
    }
}
