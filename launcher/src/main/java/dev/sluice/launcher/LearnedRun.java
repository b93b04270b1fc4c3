package dev.sluice.launcher;

import dev.sluice.core.seccomp.Arch;
import dev.sluice.scpl.syscalls.Constants;
import dev.sluice.scpl.syscalls.SyscallTable;
import dev.sluice.scpl.text.ScplLayout;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What one run of a command did, as {@code sluice learn} records it from seccomp notifications, and the SCPL policy
 * that allows it: the syscalls by name, grouped by what they are for and commented with their counts; with
 * {@code --args}, the values the run passed in the selector arguments of a few syscalls (the socket family, the ioctl
 * request, the prctl option, ...), exactly the combinations seen.
 */
final class LearnedRun {
    /** More distinct combinations than this and the condition is given up for that syscall (a comment says so). */
    static final int MAX_COMBINATIONS = 16;

    /** A selector argument: its index and the constant-name prefixes its values are written with, the first matching first. */
    record Selector(int index, List<String> prefixes) {}

    /** Syscalls whose arguments select what they do; the run's values of these are kept with --args. */
    static final Map<String, List<Selector>> SELECTORS = Map.ofEntries(
            Map.entry(
                    "socket",
                    List.of(
                            new Selector(0, List.of("AF_")),
                            new Selector(1, List.of("SOCK_")),
                            new Selector(2, List.of()))),
            Map.entry(
                    "socketpair",
                    List.of(
                            new Selector(0, List.of("AF_")),
                            new Selector(1, List.of("SOCK_")),
                            new Selector(2, List.of()))),
            Map.entry(
                    "ioctl",
                    List.of(new Selector(
                            1, List.of("TCGET", "TCSET", "TCFLSH", "TCSBRK", "TCXONC", "TIOC", "FIO", "SIOC")))),
            Map.entry("prctl", List.of(new Selector(0, List.of("PR_SET_", "PR_GET_", "PR_")))),
            Map.entry("fcntl", List.of(new Selector(1, List.of("F_")))),
            Map.entry("arch_prctl", List.of(new Selector(0, List.of("ARCH_")))),
            Map.entry("personality", List.of(new Selector(0, List.of()))),
            Map.entry("madvise", List.of(new Selector(2, List.of("MADV_")))),
            Map.entry("setsockopt", List.of(new Selector(1, List.of("SOL_")), new Selector(2, List.of()))),
            Map.entry("getsockopt", List.of(new Selector(1, List.of("SOL_")), new Selector(2, List.of()))));

    /** Aliases of one value the policy should show (AF_UNIX, not AF_FILE or AF_LOCAL). */
    private static final Set<String> PREFERRED_NAMES = Set.of("AF_UNIX");

    /** What the syscalls are for, in the order the policy lists them; a syscall in none is "other". */
    private static final Map<String, List<String>> CATEGORIES = new LinkedHashMap<>();

    static {
        CATEGORIES.put(
                "program start and process",
                List.of(
                        "execve",
                        "execveat",
                        "arch_prctl",
                        "set_tid_address",
                        "set_robust_list",
                        "get_robust_list",
                        "rseq",
                        "prctl",
                        "personality",
                        "prlimit64",
                        "getrlimit",
                        "setrlimit",
                        "ugetrlimit",
                        "uname",
                        "sysinfo",
                        "getpid",
                        "getppid",
                        "gettid",
                        "getpgrp",
                        "getpgid",
                        "setpgid",
                        "getsid",
                        "setsid",
                        "umask",
                        "getrusage",
                        "capget",
                        "capset",
                        "seccomp",
                        "exit",
                        "exit_group"));
        CATEGORIES.put(
                "children and threads",
                List.of(
                        "clone",
                        "clone3",
                        "fork",
                        "vfork",
                        "wait4",
                        "waitid",
                        "waitpid",
                        "futex",
                        "futex_waitv",
                        "sched_yield",
                        "sched_getaffinity",
                        "sched_setaffinity",
                        "sched_getparam",
                        "sched_getscheduler",
                        "kill",
                        "tkill",
                        "tgkill",
                        "pidfd_open",
                        "pidfd_send_signal"));
        CATEGORIES.put(
                "memory",
                List.of(
                        "brk",
                        "mmap",
                        "mmap2",
                        "munmap",
                        "mprotect",
                        "mremap",
                        "madvise",
                        "mincore",
                        "mlock",
                        "mlock2",
                        "munlock",
                        "mlockall",
                        "munlockall",
                        "msync",
                        "membarrier",
                        "memfd_create",
                        "pkey_alloc",
                        "pkey_free",
                        "pkey_mprotect"));
        CATEGORIES.put(
                "signals",
                List.of(
                        "rt_sigaction",
                        "rt_sigprocmask",
                        "rt_sigreturn",
                        "rt_sigsuspend",
                        "rt_sigpending",
                        "rt_sigtimedwait",
                        "rt_sigqueueinfo",
                        "sigaltstack",
                        "signalfd",
                        "signalfd4",
                        "alarm",
                        "pause",
                        "sigreturn",
                        "sigaction",
                        "sigprocmask"));
        CATEGORIES.put(
                "files: open, read, write",
                List.of(
                        "open",
                        "openat",
                        "openat2",
                        "creat",
                        "close",
                        "close_range",
                        "read",
                        "write",
                        "pread64",
                        "pwrite64",
                        "readv",
                        "writev",
                        "preadv",
                        "pwritev",
                        "preadv2",
                        "pwritev2",
                        "lseek",
                        "_llseek",
                        "dup",
                        "dup2",
                        "dup3",
                        "fcntl",
                        "fcntl64",
                        "ioctl",
                        "pipe",
                        "pipe2",
                        "sendfile",
                        "sendfile64",
                        "copy_file_range",
                        "splice",
                        "tee",
                        "vmsplice",
                        "flock",
                        "fsync",
                        "fdatasync",
                        "sync",
                        "syncfs",
                        "fadvise64",
                        "fallocate",
                        "ftruncate",
                        "truncate",
                        "readahead"));
        CATEGORIES.put(
                "files: names and metadata",
                List.of(
                        "stat",
                        "fstat",
                        "lstat",
                        "newfstatat",
                        "statx",
                        "stat64",
                        "fstat64",
                        "lstat64",
                        "fstatat64",
                        "statfs",
                        "fstatfs",
                        "statfs64",
                        "fstatfs64",
                        "access",
                        "faccessat",
                        "faccessat2",
                        "getdents",
                        "getdents64",
                        "readlink",
                        "readlinkat",
                        "getcwd",
                        "chdir",
                        "fchdir",
                        "mkdir",
                        "mkdirat",
                        "rmdir",
                        "unlink",
                        "unlinkat",
                        "rename",
                        "renameat",
                        "renameat2",
                        "link",
                        "linkat",
                        "symlink",
                        "symlinkat",
                        "chmod",
                        "fchmod",
                        "fchmodat",
                        "fchmodat2",
                        "chown",
                        "fchown",
                        "fchownat",
                        "lchown",
                        "utime",
                        "utimes",
                        "utimensat",
                        "futimesat",
                        "getxattr",
                        "lgetxattr",
                        "fgetxattr",
                        "listxattr",
                        "llistxattr",
                        "flistxattr",
                        "setxattr",
                        "lsetxattr",
                        "fsetxattr",
                        "removexattr",
                        "lremovexattr",
                        "fremovexattr",
                        "mknod",
                        "mknodat",
                        "chroot"));
        CATEGORIES.put(
                "network",
                List.of(
                        "socket",
                        "socketpair",
                        "connect",
                        "bind",
                        "listen",
                        "accept",
                        "accept4",
                        "sendto",
                        "recvfrom",
                        "sendmsg",
                        "recvmsg",
                        "sendmmsg",
                        "recvmmsg",
                        "shutdown",
                        "getsockname",
                        "getpeername",
                        "setsockopt",
                        "getsockopt"));
        CATEGORIES.put(
                "waiting for events",
                List.of(
                        "poll",
                        "ppoll",
                        "select",
                        "_newselect",
                        "pselect6",
                        "epoll_create",
                        "epoll_create1",
                        "epoll_ctl",
                        "epoll_wait",
                        "epoll_pwait",
                        "epoll_pwait2",
                        "eventfd",
                        "eventfd2",
                        "inotify_init",
                        "inotify_init1",
                        "inotify_add_watch",
                        "inotify_rm_watch",
                        "timerfd_create",
                        "timerfd_settime",
                        "timerfd_gettime"));
        CATEGORIES.put(
                "time",
                List.of(
                        "clock_gettime",
                        "clock_getres",
                        "clock_nanosleep",
                        "nanosleep",
                        "gettimeofday",
                        "time",
                        "times",
                        "getitimer",
                        "setitimer",
                        "timer_create",
                        "timer_settime",
                        "timer_gettime",
                        "timer_getoverrun",
                        "timer_delete"));
        CATEGORIES.put(
                "user and group ids",
                List.of(
                        "getuid",
                        "geteuid",
                        "getgid",
                        "getegid",
                        "getresuid",
                        "getresgid",
                        "getgroups",
                        "setuid",
                        "setgid",
                        "setreuid",
                        "setregid",
                        "setresuid",
                        "setresgid",
                        "setgroups",
                        "setfsuid",
                        "setfsgid"));
        CATEGORIES.put("randomness", List.of("getrandom"));
    }

    private static final Map<String, String> CATEGORY_OF = new LinkedHashMap<>();

    static {
        CATEGORIES.forEach((category, names) -> names.forEach(n -> CATEGORY_OF.putIfAbsent(n, category)));
    }

    /** What was seen of one syscall: how often, and (with --args) the distinct selector values. */
    static final class Seen {
        long calls;
        final Set<List<Long>> combinations = new LinkedHashSet<>();
    }

    private final Arch host;
    private final boolean withArgs;
    private final int execveNr;
    private final Map<Arch, TreeMap<Integer, Seen>> seen = new EnumMap<>(Arch.class);
    private final Set<Integer> tasks = new HashSet<>();
    private boolean started;
    private long calls;

    LearnedRun(Arch host, boolean withArgs) {
        this.host = host;
        this.withArgs = withArgs;
        this.execveNr = SyscallTable.forArch(host).number("execve").orElseThrow();
    }

    /** The ABI of a notification: its audit arch, and on x86_64's the x32 bit of nr. */
    private static Arch abi(int auditArch, int nr) {
        for (Arch a : SyscallTable.SUPPORTED) {
            if (a.auditArch() == auditArch
                    && (a != Arch.X32 || (nr & Arch.X32_SYSCALL_BIT) != 0)
                    && (a != Arch.X86_64 || (nr & Arch.X32_SYSCALL_BIT) == 0)) {
                return a;
            }
        }
        return null;
    }

    /**
     * One notified syscall. Calls before the command's execve come from the child JVM's thread between installing the
     * filter and exec; they are not the command's and are not recorded.
     */
    void record(Native.Supervisor.Notification n) {
        if (!started) {
            if (n.arch() != host.auditArch() || n.nr() != execveNr) {
                return;
            }
            started = true;
        } else {
            tasks.add(n.pid()); // not the execve's: that thread id is the child JVM's, the process gets a new one
        }
        calls++;
        Arch abi = abi(n.arch(), n.nr());
        Arch key = abi == null ? host : abi;
        Seen s = seen.computeIfAbsent(key, k -> new TreeMap<>()).computeIfAbsent(n.nr(), k -> new Seen());
        s.calls++;
        String name =
                abi == null ? null : SyscallTable.forArch(abi).name(n.nr()).orElse(null);
        if (withArgs
                && name != null
                && SELECTORS.containsKey(name)
                && s.combinations.size() <= MAX_COMBINATIONS * MAX_COMBINATIONS) {
            List<Long> combination = new ArrayList<>();
            for (Selector sel : SELECTORS.get(name)) {
                combination.add(n.args()[sel.index()] & 0xffffffffL);
            }
            s.combinations.add(combination);
        }
    }

    String summary() {
        int syscalls = seen.values().stream().mapToInt(Map::size).sum();
        return calls + " calls of " + syscalls + " syscalls by " + tasks.size() + " task(s)";
    }

    /** The policy text: header, then one rule per category per arch, in a fixed order (the output is deterministic). */
    String render(List<String> command, int status) {
        StringBuilder out = new StringBuilder();
        out.append("# Learned by `sluice learn")
                .append(withArgs ? " --args" : "")
                .append("` from one run of: ")
                .append(String.join(
                        " ", command.stream().map(LearnedRun::shellWord).toList()))
                .append('\n');
        out.append("# on ")
                .append(host.token())
                .append(", kernel ")
                .append(System.getProperty("os.version"))
                .append(": ")
                .append(summary())
                .append(", exit status ")
                .append(status)
                .append(".\n");
        out.append(
                "# It allows what that run did, and nothing else (EPERM). Another input, environment or version of the\n");
        out.append("# program may need more: review it, and run `sluice learn` again on what the program must do.\n");
        if (!started) {
            out.append("# The command never reached execve under the filter: nothing was learned.\n");
        }
        List<Arch> arches = new ArrayList<>(seen.keySet());
        arches.sort(Comparator.comparing((Arch a) -> a != host).thenComparing(Arch::ordinal));
        if (arches.isEmpty()) {
            arches.add(host);
        }
        List<String> groups = new ArrayList<>();
        List<String> rules = new ArrayList<>();
        for (Arch a : arches) {
            Map<String, List<Integer>> byCategory = new LinkedHashMap<>();
            CATEGORIES.keySet().forEach(c -> byCategory.put(c, new ArrayList<>()));
            byCategory.put("other", new ArrayList<>());
            List<Integer> unnamed = new ArrayList<>();
            TreeMap<Integer, Seen> calls = seen.getOrDefault(a, new TreeMap<>());
            SyscallTable table = SyscallTable.forArch(a);
            for (int nr : calls.keySet()) {
                String name = table.name(nr).orElse(null);
                if (name == null) {
                    unnamed.add(nr);
                } else {
                    byCategory.get(CATEGORY_OF.getOrDefault(name, "other")).add(nr);
                }
            }
            boolean foreign = a != host;
            for (Map.Entry<String, List<Integer>> c : byCategory.entrySet()) {
                if (c.getValue().isEmpty()) {
                    continue;
                }
                List<String> plain = new ArrayList<>();
                List<String> conditional = new ArrayList<>();
                StringBuilder counts = new StringBuilder();
                for (int nr : c.getValue().stream()
                        .sorted(Comparator.comparing(nr -> table.name(nr).orElseThrow()))
                        .toList()) {
                    String name = table.name(nr).orElseThrow();
                    Seen s = calls.get(nr);
                    counts.append(counts.length() == 0 ? "" : ", ")
                            .append(name)
                            .append(' ')
                            .append(s.calls);
                    String cond = withArgs ? condition(name, s) : null;
                    if (cond == null) {
                        plain.add(name);
                    } else {
                        conditional.add(cond);
                    }
                }
                String title = c.getKey() + (foreign ? " (" + a.token() + " calls)" : "") + ": ";
                rules.add(ScplLayout.comment("    # ", title + counts));
                if (!plain.isEmpty()) {
                    if (foreign) {
                        String group = "@learned-" + c.getKey().replaceAll("[^a-z]+", "-") + "-on-" + a.token();
                        groups.add(ScplLayout.list("group " + group + " on " + a.token() + " =", plain, ""));
                        rules.add("    Allow " + group + ";");
                    } else {
                        rules.add(ScplLayout.list("    Allow", plain, ""));
                    }
                }
                for (String cond : conditional) {
                    if (foreign) {
                        rules.add("    # " + a.token() + ", not carried over (conditions on another ABI): " + cond);
                    } else {
                        rules.add(cond);
                    }
                }
            }
            if (!unnamed.isEmpty()) {
                List<String> numbers =
                        unnamed.stream().map(nr -> Integer.toString(nr)).toList();
                rules.add(ScplLayout.comment(
                        "    # ",
                        "numbers " + a.token() + "'s syscall table (from libseccomp) has no name for yet: "
                                + String.join(", ", numbers)
                                + (foreign ? " (" + a.token() + ": not carried over)" : "")));
                if (!foreign) {
                    rules.add(ScplLayout.list("    Allow", numbers, ""));
                }
            }
        }
        for (String g : groups) {
            out.append(g).append('\n');
        }
        out.append("{ arch = [")
                .append(String.join(", ", arches.stream().map(Arch::token).toList()))
                .append("];\n");
        out.append("  default_action = Errno EPERM;\n");
        out.append("  rules = [\n");
        for (String r : rules) {
            out.append(r).append('\n');
        }
        out.append("  ] }\n");
        return out.toString();
    }

    /**
     * With --args, "Allow NAME if ..." for a syscall with selector arguments: the combinations seen, OR-ed; if there
     * were too many, each argument's values on their own; null if nothing is left to constrain.
     */
    private static String condition(String name, Seen s) {
        List<Selector> selectors = SELECTORS.get(name);
        if (selectors == null || s.combinations.isEmpty()) {
            return null;
        }
        List<String> alternatives = new ArrayList<>();
        if (s.combinations.size() <= MAX_COMBINATIONS) {
            for (List<Long> combination : s.combinations) {
                List<String> parts = new ArrayList<>();
                for (int i = 0; i < selectors.size(); i++) {
                    parts.add(compare(selectors.get(i), combination.get(i)));
                }
                alternatives.add(String.join(" && ", parts));
            }
            return "    Allow " + name + " if " + String.join("\n        || ", alternatives) + ";";
        }
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < selectors.size(); i++) {
            Set<Long> values = new LinkedHashSet<>();
            for (List<Long> combination : s.combinations) {
                values.add(combination.get(i));
            }
            if (values.size() <= MAX_COMBINATIONS) {
                Selector sel = selectors.get(i);
                parts.add("("
                        + String.join(
                                " || ",
                                values.stream().map(v -> compare(sel, v)).toList()) + ")");
            }
        }
        return parts.isEmpty() ? null : "    Allow " + name + " if " + String.join(" && ", parts) + ";";
    }

    private static String compare(Selector sel, long value) {
        return "low32(arg" + sel.index() + ") == " + constant(sel.prefixes(), value);
    }

    /**
     * A constant's name from SCPL's table: of the first prefix that has one for the value (PR_SET_ before PR_, so an
     * option is not shown as a sub-option of the same value), an alias in PREFERRED_NAMES, else the first by name;
     * else the number.
     */
    static String constant(List<String> prefixes, long value) {
        for (String prefix : prefixes) {
            String best = null;
            for (Map.Entry<String, Long> e : Constants.all().entrySet()) {
                String n = e.getKey();
                if ((e.getValue() & 0xffffffffL) != value || !n.startsWith(prefix)) {
                    continue;
                }
                if (best == null
                        || PREFERRED_NAMES.contains(n) && !PREFERRED_NAMES.contains(best)
                        || PREFERRED_NAMES.contains(n) == PREFERRED_NAMES.contains(best) && n.compareTo(best) < 0) {
                    best = n;
                }
            }
            if (best != null) {
                return best;
            }
        }
        if (prefixes.equals(List.of("SOCK_")) && value > 0xf) {
            // a socket type with its flags: SOCK_STREAM|SOCK_CLOEXEC
            String type = constant(prefixes, value & 0xf);
            List<String> parts = new ArrayList<>(List.of(type));
            long rest = value & ~0xfL;
            for (String flag : List.of("SOCK_NONBLOCK", "SOCK_CLOEXEC")) {
                long bit = Constants.lookup(flag).orElse(0);
                if (bit != 0 && (rest & bit) == bit) {
                    parts.add(flag);
                    rest &= ~bit;
                }
            }
            if (rest == 0 && !Character.isDigit(type.charAt(0))) {
                return String.join("|", parts);
            }
        }
        return value < 0x10000 ? Long.toString(value) : "0x" + Long.toHexString(value);
    }

    /** A command word as a shell would need it, on one line (control characters shown as \\n, \\t, \\xNN). */
    static String shellWord(String word) {
        if (!word.isEmpty() && word.matches("[A-Za-z0-9_./=:,+@%^-]+")) {
            return word;
        }
        StringBuilder sb = new StringBuilder("'");
        for (char c : word.toCharArray()) {
            switch (c) {
                case '\'' -> sb.append("'\\''");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                default ->
                    sb.append(
                            c < 0x20 || c == 0x7f || c == 0x2028 || c == 0x2029 || c == 0x85
                                    ? String.format("\\x%02x", (int) c)
                                    : String.valueOf(c));
            }
        }
        return sb.append('\'').toString();
    }
}
