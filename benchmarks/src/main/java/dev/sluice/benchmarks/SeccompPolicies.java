package dev.sluice.benchmarks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Generates the two seccomp workloads as raw x86_64 {@code struct sock_filter} programs:
 * <ul>
 * <li>{@code seccomp-large.bpf}: an allow-list of 300+ syscalls laid out as a balanced JGE tree (as libseccomp and
 * Kafel do for long lists), with argument rules on socket, ioctl, clone, personality, mmap/mprotect and prctl, an
 * arch check and an x32 check; everything else gets ERRNO(EPERM);</li>
 * <li>{@code seccomp-jitk.bpf}: Jitk's SCPL shape (OSDI'14): no arch check, a chain of three instructions per rule
 * ({@code ld nr; jeq; ret action}), first match wins, default Kill.</li>
 * </ul>
 * {@code java -cp ... dev.sluice.benchmarks.SeccompPolicies DIR} (re)writes both files; they are committed under
 * benchmarks/data. Syscall numbers: arch/x86/entry/syscalls/syscall_64.tbl; constants: include/uapi/linux/seccomp.h,
 * audit.h, sched.h, socket.h, asm-generic/ioctls.h, prctl.h, mman-common.h.
 */
public final class SeccompPolicies {
    static final int AUDIT_ARCH_X86_64 = 0xc000003e;
    static final int X32_SYSCALL_BIT = 0x40000000;
    static final int RET_KILL_PROCESS = 0x80000000, RET_KILL_THREAD = 0, RET_ERRNO = 0x00050000, RET_ALLOW = 0x7fff0000;
    static final int EPERM = 1, EACCES = 13, ENOTTY = 25, ENOSYS = 38, EAFNOSUPPORT = 97;
    static final int OFF_NR = 0, OFF_ARCH = 4;

    static int argLow(int i) {
        return 16 + 8 * i; // little-endian: the low word comes first
    }

    static int argHigh(int i) {
        return 20 + 8 * i;
    }

    // x86_64 syscall numbers used by rules and by the record mix.
    static final int READ = 0,
            WRITE = 1,
            OPEN = 2,
            CLOSE = 3,
            FSTAT = 5,
            POLL = 7,
            LSEEK = 8,
            MMAP = 9,
            MPROTECT = 10,
            MUNMAP = 11,
            BRK = 12,
            RT_SIGACTION = 13,
            RT_SIGPROCMASK = 14,
            RT_SIGRETURN = 15,
            IOCTL = 16,
            PREAD64 = 17,
            READV = 19,
            WRITEV = 20,
            SCHED_YIELD = 24,
            MADVISE = 28,
            NANOSLEEP = 35,
            GETPID = 39,
            SOCKET = 41,
            CONNECT = 42,
            ACCEPT = 43,
            SENDTO = 44,
            RECVFROM = 45,
            SENDMSG = 46,
            RECVMSG = 47,
            CLONE = 56,
            EXIT = 60,
            KILL = 62,
            FCNTL = 72,
            GETDENTS64 = 217,
            GETTIMEOFDAY = 96,
            GETUID = 102,
            PTRACE = 101,
            GETPPID = 110,
            PERSONALITY = 135,
            PRCTL = 157,
            MOUNT = 165,
            FUTEX = 202,
            CLOCK_GETTIME = 228,
            EXIT_GROUP = 231,
            EPOLL_WAIT = 232,
            OPENAT = 257,
            NEWFSTATAT = 262,
            ACCEPT4 = 288,
            KEXEC_LOAD = 246,
            BPF = 321,
            GETRANDOM = 318;

    /** Syscalls the large policy leaves out: privileged, debugging and kernel-attack-surface calls. */
    static final int[] DENIED = {
        PTRACE,
        103 /* syslog */,
        134 /* uselib */,
        139 /* sysfs */,
        153 /* vhangup */,
        154 /* modify_ldt */,
        155 /* pivot_root */,
        156 /* _sysctl */,
        163 /* acct */,
        MOUNT,
        166 /* umount2 */,
        167 /* swapon */,
        168 /* swapoff */,
        169 /* reboot */,
        170 /* sethostname */,
        171 /* setdomainname */,
        172 /* iopl */,
        173 /* ioperm */,
        174 /* create_module */,
        175 /* init_module */,
        176 /* delete_module */,
        177 /* get_kernel_syms */,
        178 /* query_module */,
        179 /* quotactl */,
        180 /* nfsservctl */,
        KEXEC_LOAD,
        248 /* add_key */,
        249 /* request_key */,
        250 /* keyctl */,
        272 /* unshare */,
        279 /* move_pages */,
        298 /* perf_event_open */,
        304 /* open_by_handle_at */,
        308 /* setns */,
        310 /* process_vm_readv */,
        311 /* process_vm_writev */,
        312 /* kcmp */,
        313 /* finit_module */,
        320 /* kexec_file_load */,
        BPF,
        323 /* userfaultfd */,
        428 /* open_tree */,
        429 /* move_mount */,
        430 /* fsopen */,
        431 /* fsconfig */,
        432 /* fsmount */,
        433 /* fspick */,
        442 /* mount_setattr */
    };

    /** One program under construction; jump offsets are relative, as in the kernel. */
    static final class Emitter {
        final List<int[]> insns = new ArrayList<>();

        int pc() {
            return insns.size();
        }

        void emit(int code, int jt, int jf, int k) {
            if (jt < 0 || jt > 255 || jf < 0 || jf > 255) {
                throw new IllegalStateException("jump offset out of range at " + pc() + ": jt " + jt + " jf " + jf);
            }
            insns.add(new int[] {code, jt, jf, k});
        }

        void ld(int offset) {
            emit(0x20, 0, 0, offset); // ld [k]
        }

        void ret(int k) {
            emit(0x06, 0, 0, k);
        }

        void jeq(int k, int jt, int jf) {
            emit(0x15, jt, jf, k);
        }

        void jge(int k, int jt, int jf) {
            emit(0x35, jt, jf, k);
        }

        void jset(int k, int jt, int jf) {
            emit(0x45, jt, jf, k);
        }

        void ja(int k) {
            emit(0x05, 0, 0, k);
        }

        void and(int k) {
            emit(0x54, 0, 0, k);
        }

        byte[] toRaw() {
            ByteBuffer b = ByteBuffer.allocate(insns.size() * 8).order(ByteOrder.LITTLE_ENDIAN);
            for (int[] i : insns) {
                b.putShort((short) i[0]).put((byte) i[1]).put((byte) i[2]).putInt(i[3]);
            }
            return b.array();
        }
    }

    /** Code for a syscall with an argument rule; runs with any A and ends in returns only. */
    interface Rule {
        void emit(Emitter e);
    }

    /** Allow when 64-bit argument {@code arg} equals one of {@code values} (both words compared), else {@code otherwise}. */
    static Rule argIn(int arg, int otherwise, long... values) {
        return e -> {
            // ld hi; jeq 0 else deny; ld lo; jeq v1..vn -> allow; deny; allow.
            int n = values.length;
            e.ld(argHigh(arg));
            e.jeq(0, 0, n + 1);
            e.ld(argLow(arg));
            for (int i = 0; i < n; i++) {
                e.jeq((int) values[i], n - i, 0);
            }
            e.ret(otherwise);
            e.ret(RET_ALLOW);
        };
    }

    /** Allow when none of {@code mask}'s bits are set in the low word of {@code arg}. */
    static Rule noBits(int arg, int mask, int otherwise) {
        return e -> {
            e.ld(argLow(arg));
            e.jset(mask, 0, 1);
            e.ret(otherwise);
            e.ret(RET_ALLOW);
        };
    }

    /** Deny writable-and-executable mappings (W^X): prot & (PROT_WRITE|PROT_EXEC) must not be both. */
    static Rule writeXorExec(int protArg) {
        return e -> {
            e.ld(argLow(protArg));
            e.and(0x6);
            e.jeq(0x6, 0, 1);
            e.ret(RET_ERRNO | EACCES);
            e.ret(RET_ALLOW);
        };
    }

    static Map<Integer, Rule> largePolicyRules() {
        int namespaces =
                0x00020000 | 0x10000000 | 0x20000000 | 0x40000000 | 0x04000000 | 0x08000000 | 0x02000000; // CLONE_NEW*
        Map<Integer, Rule> rules = new TreeMap<>();
        rules.put(
                SOCKET,
                argIn(
                        0,
                        RET_ERRNO | EAFNOSUPPORT,
                        1 /* AF_UNIX */,
                        2 /* AF_INET */,
                        10 /* AF_INET6 */,
                        16 /* AF_NETLINK */));
        rules.put(
                IOCTL,
                argIn(
                        1,
                        RET_ERRNO | ENOTTY,
                        0x5401 /* TCGETS */,
                        0x5413 /* TIOCGWINSZ */,
                        0x541b /* FIONREAD */,
                        0x5421 /* FIONBIO */,
                        0x5451 /* FIOCLEX */));
        rules.put(CLONE, noBits(0, namespaces, RET_ERRNO | EPERM));
        rules.put(
                PERSONALITY,
                argIn(
                        0,
                        RET_ERRNO | EPERM,
                        0,
                        0x0008 /* PER_LINUX32 */,
                        0x0020000 /* ADDR_NO_RANDOMIZE */,
                        0xffffffffL));
        rules.put(MMAP, writeXorExec(2));
        rules.put(MPROTECT, writeXorExec(2));
        rules.put(
                PRCTL,
                argIn(
                        0,
                        RET_ERRNO | EPERM,
                        1 /* PDEATHSIG */,
                        3,
                        4 /* DUMPABLE */,
                        15,
                        16 /* NAME */,
                        22 /* SECCOMP */,
                        23 /* CAPBSET_READ */,
                        38,
                        39 /* NO_NEW_PRIVS */));
        return rules;
    }

    /** The allowed syscall numbers of the large policy: all of 0-334 and 424-462 except {@link #DENIED}. */
    static int[] largePolicyAllowed() {
        java.util.BitSet allowed = new java.util.BitSet();
        allowed.set(0, 335);
        allowed.set(424, 463);
        for (int d : DENIED) {
            allowed.clear(d);
        }
        return allowed.stream().toArray();
    }

    public static byte[] large() {
        int[] keys = largePolicyAllowed();
        Map<Integer, Rule> rules = largePolicyRules();
        Emitter e = new Emitter();
        e.ld(OFF_ARCH);
        e.jeq(AUDIT_ARCH_X86_64, 1, 0);
        e.ret(RET_KILL_PROCESS);
        e.ld(OFF_NR);
        e.jge(X32_SYSCALL_BIT, 0, 1);
        e.ret(RET_ERRNO | ENOSYS);
        tree(e, keys, 0, keys.length, rules);
        return e.toRaw();
    }

    static final int LEAF = 4;

    /** A balanced tree over keys[lo, hi) with nr in A: JGE on the middle key, the lower half inline after it. */
    private static void tree(Emitter e, int[] keys, int lo, int hi, Map<Integer, Rule> rules) {
        if (hi - lo <= LEAF) {
            leaf(e, keys, lo, hi, rules);
            return;
        }
        int mid = (lo + hi) >>> 1;
        int leftSize = size(keys, lo, mid, rules);
        if (leftSize <= 255) {
            e.jge(keys[mid], leftSize, 0);
        } else {
            e.jge(keys[mid], 0, 1);
            e.ja(leftSize);
        }
        tree(e, keys, lo, mid, rules);
        tree(e, keys, mid, hi, rules);
    }

    private static int size(int[] keys, int lo, int hi, Map<Integer, Rule> rules) {
        Emitter scratch = new Emitter();
        tree(scratch, keys, lo, hi, rules);
        return scratch.pc();
    }

    /** jeq per key (plain keys share one "ret allow"), the default, then the rule bodies. */
    private static void leaf(Emitter e, int[] keys, int lo, int hi, Map<Integer, Rule> rules) {
        int n = hi - lo;
        List<Emitter> bodies = new ArrayList<>();
        for (int i = lo; i < hi; i++) {
            Rule r = rules.get(keys[i]);
            Emitter body = new Emitter();
            if (r != null) {
                r.emit(body);
            }
            bodies.add(body);
        }
        // Layout: n jeqs, ret default, ret allow, then rule bodies in key order.
        int afterJeqs = e.pc() + n;
        int allowAt = afterJeqs + 1;
        int bodyAt = allowAt + 1;
        int[] targets = new int[n];
        for (int i = 0; i < n; i++) {
            if (bodies.get(i).pc() == 0) {
                targets[i] = allowAt;
            } else {
                targets[i] = bodyAt;
                bodyAt += bodies.get(i).pc();
            }
        }
        for (int i = 0; i < n; i++) {
            e.jeq(keys[lo + i], targets[i] - e.pc() - 1, 0);
        }
        e.ret(RET_ERRNO | EPERM);
        e.ret(RET_ALLOW);
        for (Emitter body : bodies) {
            e.insns.addAll(body.insns);
        }
    }

    /** Jitk's SCPL compiler output shape for a small policy: 3 instructions per rule, first match wins, default Kill. */
    public static byte[] jitkSmall() {
        int[][] rules = {
            {OPEN, RET_ERRNO | EACCES},
            {READ, RET_ALLOW},
            {WRITE, RET_ALLOW},
            {CLOSE, RET_ALLOW},
            {FSTAT, RET_ALLOW},
            {MMAP, RET_ALLOW},
            {MUNMAP, RET_ALLOW},
            {BRK, RET_ALLOW},
            {RT_SIGACTION, RET_ALLOW},
            {RT_SIGPROCMASK, RET_ALLOW},
            {RT_SIGRETURN, RET_ALLOW},
            {POLL, RET_ALLOW},
            {NANOSLEEP, RET_ALLOW},
            {GETPID, RET_ALLOW},
            {GETPPID, RET_ALLOW},
            {GETTIMEOFDAY, RET_ALLOW},
            {CLOCK_GETTIME, RET_ALLOW},
            {FUTEX, RET_ALLOW},
            {EXIT, RET_ALLOW},
            {EXIT_GROUP, RET_ALLOW}
        };
        Emitter e = new Emitter();
        for (int[] r : rules) {
            e.ld(OFF_NR);
            e.jeq(r[0], 0, 1);
            e.ret(r[1]);
        }
        e.ret(RET_KILL_THREAD);
        return e.toRaw();
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "benchmarks/data");
        byte[] large = large();
        byte[] small = jitkSmall();
        Files.write(dir.resolve("seccomp-large.bpf"), large);
        Files.write(dir.resolve("seccomp-jitk.bpf"), small);
        System.out.printf(
                "seccomp-large.bpf: %d instructions, %d syscalls allowed, %d with argument rules%n",
                large.length / 8,
                largePolicyAllowed().length,
                largePolicyRules().size());
        System.out.printf("seccomp-jitk.bpf: %d instructions%n", small.length / 8);
    }
}
