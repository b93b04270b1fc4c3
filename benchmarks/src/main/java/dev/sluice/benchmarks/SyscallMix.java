package dev.sluice.benchmarks;

import static dev.sluice.benchmarks.SeccompPolicies.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

/**
 * struct seccomp_data records (x86_64, little-endian) drawn from a server-like syscall mix: reads and writes, futex
 * and epoll waits, socket I/O, file opens and stats, memory management, some ioctl/socket/clone/prctl/personality
 * calls with argument values both allowed and denied by the large policy, and a few privileged calls it denies.
 * Weights are per mille and follow the shape of `strace -c` summaries of network services.
 */
public final class SyscallMix {
    public static final int RECORD_SIZE = 64;
    public static final int DEFAULT_COUNT = 10_000;
    public static final long DEFAULT_SEED = 0x5ECC0_2026L;

    private static final int[][] WEIGHTS = {
        {READ, 170},
        {WRITE, 110},
        {FUTEX, 100},
        {EPOLL_WAIT, 80},
        {RECVFROM, 55},
        {SENDTO, 45},
        {CLOSE, 40},
        {OPENAT, 40},
        {NEWFSTATAT, 30},
        {FSTAT, 15},
        {MMAP, 30},
        {MUNMAP, 20},
        {MPROTECT, 20},
        {BRK, 10},
        {LSEEK, 15},
        {RT_SIGPROCMASK, 30},
        {RT_SIGACTION, 10},
        {POLL, 20},
        {ACCEPT4, 10},
        {GETDENTS64, 10},
        {READV, 10},
        {WRITEV, 15},
        {PREAD64, 10},
        {MADVISE, 10},
        {NANOSLEEP, 10},
        {CLOCK_GETTIME, 10},
        {GETPID, 10},
        {GETPPID, 5},
        {GETUID, 5},
        {GETRANDOM, 5},
        {SCHED_YIELD, 5},
        {FCNTL, 15},
        {CONNECT, 8},
        {SENDMSG, 10},
        {RECVMSG, 10},
        {IOCTL, 20},
        {SOCKET, 8},
        {CLONE, 6},
        {PRCTL, 4},
        {PERSONALITY, 2},
        {PTRACE, 2},
        {MOUNT, 1},
        {BPF, 1},
        {KEXEC_LOAD, 1}
    };

    private SyscallMix() {}

    /** {@code count} records, 64 bytes each, back to back (the layout runRecords takes). */
    public static byte[] records(int count, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int total = 0;
        for (int[] w : WEIGHTS) {
            total += w[1];
        }
        ByteBuffer b = ByteBuffer.allocate(count * RECORD_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            int pick = rnd.nextInt(total);
            int nr = WEIGHTS[0][0];
            for (int[] w : WEIGHTS) {
                if (pick < w[1]) {
                    nr = w[0];
                    break;
                }
                pick -= w[1];
            }
            int at = i * RECORD_SIZE;
            b.putInt(at, nr);
            b.putInt(at + 4, AUDIT_ARCH_X86_64);
            b.putLong(at + 8, 0x7f00_0000_0000L + rnd.nextInt(1 << 24)); // instruction pointer in libc
            long[] args = args(nr, rnd);
            for (int a = 0; a < 6; a++) {
                b.putLong(at + 16 + 8 * a, args[a]);
            }
        }
        return b.array();
    }

    /**
     * The kernel probes of benchmarks/native/seccomp_bench.c as records, {@code count} times the same call:
     * {@code getppid} or {@code personality} (with 0xffffffff, a query). Same input as the kernel's loop, so the same
     * path through the filter and the same (perfectly predicted) branches.
     */
    public static byte[] probe(String name, int count) {
        int nr;
        long arg0;
        switch (name) {
            case "getppid" -> {
                nr = GETPPID;
                arg0 = 0;
            }
            case "personality" -> {
                nr = PERSONALITY;
                arg0 = 0xffffffffL;
            }
            default -> throw new IllegalArgumentException("unknown probe " + name + " (getppid or personality)");
        }
        ByteBuffer b = ByteBuffer.allocate(count * RECORD_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            int at = i * RECORD_SIZE;
            b.putInt(at, nr)
                    .putInt(at + 4, AUDIT_ARCH_X86_64)
                    .putLong(at + 8, 0x7f00_0012_3456L)
                    .putLong(at + 16, arg0);
        }
        return b.array();
    }

    private static long[] args(int nr, SplittableRandom rnd) {
        long[] a = new long[6];
        long pointer = 0x7ffc_0000_0000L + (rnd.nextInt(1 << 20) << 4);
        a[0] = 3 + rnd.nextInt(60); // a file descriptor, for most calls
        a[1] = pointer;
        a[2] = 1 << rnd.nextInt(16);
        switch (nr) {
            case IOCTL ->
                a[1] = rnd.nextInt(10) == 0
                        ? 0x5422 /* TIOCSCTTY: denied */
                        : new long[] {0x5401, 0x5413, 0x541b, 0x5421}[rnd.nextInt(4)];
            case SOCKET -> a[0] = new long[] {1, 2, 2, 10, 16, 17 /* AF_PACKET: denied */}[rnd.nextInt(6)];
            case CLONE ->
                a[0] = rnd.nextInt(8) == 0
                        ? 0x10000000L | 17 /* CLONE_NEWUSER|SIGCHLD */
                        : 0x3d0f00L /* pthread_create's flags */;
            case PERSONALITY -> a[0] = rnd.nextBoolean() ? 0xffffffffL : 0x0040000 /* READ_IMPLIES_EXEC: denied */;
            case PRCTL -> a[0] = new long[] {15, 16, 38, 4, 0x59616d61 /* PR_SET_PTRACER: denied */}[rnd.nextInt(5)];
            case MMAP -> {
                a[0] = 0;
                a[2] = rnd.nextInt(20) == 0
                        ? 0x7
                        : rnd.nextBoolean() ? 0x3 : 0x5; // PROT_READ|WRITE, READ|EXEC, rarely RWX
            }
            case MPROTECT -> a[2] = rnd.nextInt(10) == 0 ? 0x7 : 0x1;
            case FUTEX -> a[1] = rnd.nextInt(3) == 0 ? 1 /* WAKE */ : 0x80 /* WAIT_PRIVATE */;
            default -> {}
        }
        return a;
    }
}
