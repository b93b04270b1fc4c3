package dev.sluice.launcher;

import dev.sluice.bpf.formats.RawFormat;
import dev.sluice.bpf.isa.Profile;
import dev.sluice.bpf.lower.LoweredProgram;
import dev.sluice.bpf.trace.DirectRun;
import dev.sluice.core.seccomp.Arch;
import dev.sluice.core.seccomp.SeccompAction;
import dev.sluice.core.seccomp.SeccompData;
import java.io.File;
import java.io.PrintWriter;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code sluice exec POLICY -- CMD ARGS...}: runs a command under the policy, enforced by the kernel. Everything that
 * can fail is checked first (the policy loads and verifies, the command exists, the policy lets execve through), so
 * a failure leaves nothing installed. Then, all through FFM and all on the calling thread: no_new_privs, the filter,
 * and execve. The command replaces this process, so its exit status is sluice's.
 *
 * <p>The filter goes on the calling thread only, without SECCOMP_FILTER_FLAG_TSYNC, on purpose: seccomp filters and
 * no_new_privs belong to a thread and are kept over execve, and execve ends every other thread of the process, so the
 * command (and all its children) runs under the filter either way. With TSYNC the JVM's own threads (GC, compiler,
 * signal dispatcher) would also run under the policy in the moment before execve, and a policy that denies futex or
 * madvise crashed the JVM (2 of 5 runs of examples/echo-hi.scpl).
 *
 * <p>{@code --log} keeps every verdict of the policy and adds SECCOMP_FILTER_FLAG_LOG: the kernel then writes an
 * audit record (type=1326, with the syscall number and the command) for every call the policy does not allow. Before
 * the exec it prints which syscall numbers the policy denies when all arguments are 0, so the user knows what to
 * look for. Reporting from inside the process (TRAP and a SIGSYS handler) is impossible once execve has replaced it.
 */
@Command(
        name = "exec",
        mixinStandardHelpOptions = true,
        description = {
            "Run a command under a policy, enforced by the kernel's seccomp.",
            "Use: sluice exec POLICY [--log] -- CMD [ARGS...]",
            "Exit status: the command's; 126 not executable, 127 not found."
        })
final class ExecCommand implements Callable<Integer> {
    static final int NOT_EXECUTABLE = 126;
    static final int NOT_FOUND = 127;
    /** Syscall numbers scanned for the --log summary. */
    private static final int SCAN_LIMIT = 512;

    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Mixin
    ProgramOptions options;

    @Mixin
    TrustOptions trust;

    @Parameters(
            index = "0",
            paramLabel = "POLICY",
            description = "A seccomp filter (any BPF format) or an SCPL policy (.scpl).")
    Path policy;

    @Parameters(index = "1..*", paramLabel = "CMD", description = "The command and its arguments, after '--'.")
    List<String> command;

    @Option(
            names = "--log",
            description =
                    "Have the kernel log every call the policy does not allow (SECCOMP_FILTER_FLAG_LOG; see dmesg).")
    boolean log;

    @Override
    public Integer call() {
        return exec(spec.commandLine().getOut(), spec.commandLine().getErr());
    }

    /** The command, with its fields set (by picocli, or by {@link Main}'s direct dispatch). */
    int exec(PrintWriter out, PrintWriter err) {
        if (command == null || command.isEmpty()) {
            throw UserError.usage("sluice exec: no command given (sluice exec POLICY -- CMD [ARGS...])");
        }
        Arch host = Arch.host();
        Arch arch = options.arch(main.polyglot);
        if (arch != host) {
            throw UserError.usage(
                    "sluice exec: the filter goes into this machine's kernel, so --arch must be the host's (" + host
                            + "), not " + arch);
        }
        if (options.profile(main.polyglot, Profile.SECCOMP) != Profile.SECCOMP) {
            throw UserError.usage("sluice exec: takes a seccomp filter, not --profile socket");
        }
        LoadedProgram loaded = PolicyCache.load(
                PolicyCache.forCommand(main.polyglot),
                policy,
                Profile.SECCOMP,
                arch,
                options.inputFormat(main.polyglot));
        String executable = resolve(command.get(0));
        LoweredProgram lowered = loaded.lowered();
        checkExecveAllowed(loaded, lowered, arch);
        int flags = 0;
        if (log) {
            flags |= Native.SECCOMP_FILTER_FLAG_LOG;
            err.println("sluice exec: --log: with all arguments 0 the policy denies on " + arch + ": "
                    + deniedSummary(lowered, arch));
            err.println(
                    "sluice exec: --log: the kernel logs each call it does not allow as an audit record (type=1326 ... syscall=N); see dmesg or journalctl -k");
        }
        Native.Exec exec = new Native.Exec(
                RawFormat.encode(loaded.program(), ByteOrder.nativeOrder()),
                executable,
                command,
                System.getProperty("sluice.callerFds"));
        out.flush();
        err.flush();
        System.out.flush();
        System.err.flush();
        try {
            exec.noNewPrivs();
        } catch (Native.CallFailed e) {
            throw UserError.invalid(CliFailure.CLI_INSTALL_FAILED, e.getMessage());
        }
        exec.clearSignalMask();
        exec.warmUp();
        try {
            exec.installFilter(flags);
        } catch (Native.CallFailed e) {
            throw UserError.invalid(CliFailure.CLI_INSTALL_FAILED, e.getMessage());
        }
        Native.CallFailed failed = exec.execve();
        // The filter is in place now: report and leave with the shell's codes for a command that cannot run.
        err.println(CliFailure.CLI_EXEC_FAILED.message(command.get(0), failed.getMessage()));
        return failed.errno == 2 ? NOT_FOUND : NOT_EXECUTABLE;
    }

    /** The command as execve needs it: a path, found on PATH when the name has no '/'. */
    static String resolve(String name) {
        if (name.isEmpty()) {
            throw new UserError(NOT_FOUND, "sluice exec: empty command name");
        }
        if (name.contains("/")) {
            Path p = Path.of(name);
            if (!Files.exists(p)) {
                throw new UserError(NOT_FOUND, CliFailure.CLI_NO_SUCH_FILE, "sluice exec: " + name);
            }
            if (Files.isDirectory(p) || !Files.isExecutable(p)) {
                throw new UserError(NOT_EXECUTABLE, CliFailure.CLI_NOT_EXECUTABLE, name);
            }
            return name;
        }
        String path = System.getenv("PATH");
        for (String dir : (path == null ? "/usr/local/bin:/usr/bin:/bin" : path).split(File.pathSeparator, -1)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        throw new UserError(NOT_FOUND, CliFailure.CLI_COMMAND_NOT_FOUND, name);
    }

    /** execve must pass the filter, or the command could never start: refuse before installing anything. */
    private static void checkExecveAllowed(LoadedProgram loaded, LoweredProgram lowered, Arch arch) {
        int execve = switch (arch) {
            case X86_64 -> 59; // arch/x86/entry/syscalls/syscall_64.tbl
            case AARCH64, RISCV64 -> 221; // include/uapi/asm-generic/unistd.h
            default -> -1;
        };
        if (execve < 0) {
            return;
        }
        int verdict = DirectRun.seccomp(lowered, SeccompData.encode(arch, execve, 0));
        SeccompAction action = SeccompAction.of(verdict);
        if (action != SeccompAction.ALLOW && action != SeccompAction.LOG) {
            throw UserError.invalid(
                    CliFailure.CLI_POLICY_DENIES_EXECVE, loaded.name(), execve, arch, SeccompAction.format(verdict));
        }
    }

    /** "83, 258 -> ERRNO(1); 0-2 -> KILL_PROCESS": the numbers below 512 each non-allowing verdict covers. */
    static String deniedSummary(LoweredProgram lowered, Arch arch) {
        Map<String, List<int[]>> ranges = new LinkedHashMap<>();
        for (int nr = 0; nr < SCAN_LIMIT; nr++) {
            int verdict = DirectRun.seccomp(lowered, SeccompData.encode(arch, nr, 0));
            SeccompAction action = SeccompAction.of(verdict);
            if (action == SeccompAction.ALLOW || action == SeccompAction.LOG) {
                continue;
            }
            List<int[]> list = ranges.computeIfAbsent(SeccompAction.format(verdict), k -> new ArrayList<>());
            if (!list.isEmpty() && list.get(list.size() - 1)[1] == nr - 1) {
                list.get(list.size() - 1)[1] = nr;
            } else {
                list.add(new int[] {nr, nr});
            }
        }
        if (ranges.isEmpty()) {
            return "nothing below " + SCAN_LIMIT;
        }
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, List<int[]>> e : ranges.entrySet()) {
            if (sb.length() > 0) {
                sb.append("; ");
            }
            StringBuilder nums = new StringBuilder();
            for (int[] r : e.getValue()) {
                if (nums.length() > 0) {
                    nums.append(", ");
                }
                String name = r[0] == r[1] ? Symbols.name(arch, r[0]) : null;
                nums.append(
                        r[0] == r[1]
                                ? (name != null ? name + " (" + r[0] + ")" : Integer.toString(r[0]))
                                : r[0] + "-" + r[1]);
            }
            sb.append(nums).append(" -> ").append(e.getKey());
        }
        return sb.toString();
    }
}
