package dev.sluice.launcher;

import dev.sluice.bpf.formats.OutputFormat;
import dev.sluice.core.error.SluiceException;
import dev.sluice.core.seccomp.Arch;
import dev.sluice.scpl.compile.CompileOptions;
import dev.sluice.scpl.compile.CompileResult;
import dev.sluice.scpl.compile.ScplCompiler;
import dev.sluice.scpl.policy.Policy;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code sluice learn [-o POLICY.scpl] [--args] -- CMD ARGS...}: runs the command with every syscall handed to this
 * process by the kernel (seccomp user notification), records each one and lets it go on
 * (SECCOMP_USER_NOTIF_FLAG_CONTINUE), then writes an SCPL policy that allows what the run did.
 *
 * <p>How: a child JVM ({@link LearnExecCommand}) installs the filter {@code ret SECCOMP_RET_USER_NOTIF} with
 * SECCOMP_FILTER_FLAG_NEW_LISTENER on its main thread and execs the command; children and threads of the command
 * inherit the filter. This process finds the listener fd in {@code /proc/PID/fd}, copies it with pidfd_getfd, and
 * answers notifications until no process uses the filter any more (POLLHUP). Calls before the command's execve are
 * the child JVM's own and are not recorded.
 */
@Command(
        name = "learn",
        mixinStandardHelpOptions = true,
        description = {
            "Run a command and write an SCPL policy that allows what it did.",
            "Use: sluice learn [-o POLICY.scpl] [--args] -- CMD [ARGS...]",
            "Every syscall of the command, its children and threads goes through this process (seccomp user notification).",
            "Exit status: the command's."
        })
final class LearnCommand implements Callable<Integer> {
    /** How long the child JVM may take to install its filter. */
    private static final long START_TIMEOUT_MILLIS = 60_000;

    @Spec
    CommandSpec spec;

    @Option(
            names = {"-o", "--output"},
            paramLabel = "POLICY.scpl",
            description = "Where to write the policy (default: stdout, after the command's own output).")
    Path output;

    @Option(
            names = "--args",
            description =
                    "Also allow only the argument values the run used for selector arguments (socket family/type/protocol, ioctl request, prctl option, fcntl command, ...).")
    boolean args;

    @Parameters(paramLabel = "CMD", description = "The command and its arguments, after '--'.")
    List<String> command;

    @Override
    public Integer call() throws Exception {
        if (command == null || command.isEmpty()) {
            throw UserError.usage(
                    "sluice learn: no command given (sluice learn [-o POLICY.scpl] [--args] -- CMD [ARGS...])");
        }
        try {
            ExecCommand.resolve(
                    command.get(0)); // not found / not executable: the codes of exec (127, 126), before anything starts
        } catch (UserError e) {
            throw new UserError(e.exitCode(), e.getMessage().replaceFirst("^sluice exec: ", "sluice learn: "));
        }
        Arch host = Arch.host();
        if (host != Arch.X86_64 && host != Arch.AARCH64 && host != Arch.RISCV64) {
            throw UserError.usage("sluice learn: not supported on " + host);
        }
        PrintWriter err = spec.commandLine().getErr();
        spec.commandLine().getOut().flush();
        err.flush();
        Process child = new ProcessBuilder(childCommand(command)).inheritIO().start();
        LearnedRun run = new LearnedRun(host, args);
        try (Native.Supervisor supervisor = new Native.Supervisor()) {
            int listener = awaitListener(child);
            try {
                supervisor.takeListener(child.pid(), listener);
            } catch (Native.CallFailed e) {
                child.destroyForcibly();
                throw UserError.invalid(
                        "sluice learn: cannot take the child's seccomp notification fd: " + e.getMessage());
            }
            try {
                supervise(supervisor, run);
            } catch (Native.CallFailed e) {
                // closing the fd (below) makes the kernel fail the command's pending and later calls with ENOSYS
                child.destroyForcibly();
                throw UserError.invalid("sluice learn: supervising the command failed: " + e.getMessage());
            }
        }
        int status = child.waitFor();
        String policy = run.render(command, status);
        CompileResult checked = check(policy);
        byte[] bytes = policy.getBytes(StandardCharsets.UTF_8);
        if (output == null) {
            spec.commandLine().getOut().print(policy);
            spec.commandLine().getOut().flush();
        } else {
            AsmCommand.writeOutput(bytes, OutputFormat.ASM, output, spec);
        }
        err.println("sluice learn: " + run.summary() + "; " + (output == null ? "policy on stdout" : "wrote " + output)
                + " (" + checked.program().length() + " BPF instructions); the command exited with status " + status);
        return status;
    }

    /** The learned policy must compile (and pass translation validation) before it is handed out. */
    private static CompileResult check(String policy) {
        try {
            return ScplCompiler.compile(
                    "learned.scpl", policy, CompileOptions.defaults().resolver(Policy.IncludeResolver.NONE));
        } catch (SluiceException e) {
            throw new IllegalStateException(
                    "the learned policy does not compile: " + e.getMessage() + "\n" + policy, e);
        }
    }

    /** Answers every notification with CONTINUE, recording it, until no process uses the filter (POLLHUP). */
    private static void supervise(Native.Supervisor supervisor, LearnedRun run) throws Native.CallFailed {
        while (true) {
            int ready = supervisor.await(1000);
            if (ready < 0) {
                return;
            }
            if (ready == 0) {
                continue;
            }
            Native.Supervisor.Notification n = supervisor.receive();
            if (n == null) {
                continue;
            }
            run.record(n);
            supervisor.proceed(n.id());
        }
    }

    /** The number of the child's fd whose link reads {@code anon_inode:seccomp notify}, once it exists. */
    private static int awaitListener(Process child) throws InterruptedException {
        Path fds = Path.of("/proc", Long.toString(child.pid()), "fd");
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MILLIS);
        while (System.nanoTime() < deadline) {
            try (Stream<Path> entries = Files.list(fds)) {
                for (Path fd : entries.toList()) {
                    try {
                        if (Files.readSymbolicLink(fd).toString().equals("anon_inode:seccomp notify")) {
                            return Integer.parseInt(fd.getFileName().toString());
                        }
                    } catch (IOException | UnsupportedOperationException e) {
                        // closed while listing: look again
                    }
                }
            } catch (IOException e) {
                // the child is gone or not started yet: the checks below tell
            }
            if (child.waitFor(5, TimeUnit.MILLISECONDS)) {
                throw new UserError(
                        child.exitValue() == 0 ? Main.INVALID : child.exitValue(),
                        "sluice learn: the command did not start under the supervisor (child exit status "
                                + child.exitValue() + ")");
            }
        }
        child.destroyForcibly();
        throw UserError.invalid(
                "sluice learn: the child did not install its filter within " + START_TIMEOUT_MILLIS / 1000 + " s");
    }

    /**
     * This launcher again, as a plain JVM (no Graal compiler needed to install a filter and exec): the same java, the
     * same module path (if any), the hidden learn-exec subcommand. Started by sluice.sh or bin/sluice without the
     * compiler, it takes this JVM's AOT cache and its flags file (the no-JIT flags), since the JVM uses a cache only
     * with the flags it was trained with (checked: with flags of its own the child's cache was ignored); started
     * otherwise, flags of its own and no cache.
     */
    static List<String> childCommand(List<String> command) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String modulePath =
                System.getProperty("jdk.module.path"); // none in the tarball: its runtime image links the modules
        String aotCache = null;
        String flagsFile = null;
        for (String a : ProcessHandle.current().info().arguments().orElse(new String[0])) {
            if (a.startsWith("-XX:AOTCache=")) {
                aotCache = a;
            } else if (a.startsWith("@")) {
                flagsFile = a;
            }
        }
        List<String> cmd = new ArrayList<>(List.of(java));
        if (flagsFile != null) {
            if (aotCache != null) {
                cmd.addAll(List.of(aotCache, "-Xlog:aot=off", "-Xlog:cds=off"));
            }
            cmd.add(flagsFile);
        } else {
            cmd.addAll(List.of(
                    "--enable-native-access=dev.sluice.launcher",
                    "--sun-misc-unsafe-memory-access=allow",
                    "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1"));
        }
        // The tarball's runs with the compiler have it on /proc/self/fd/77 (lib/sluice-jit.jvmargs), which the child
        // neither has nor needs.
        if (modulePath != null && !modulePath.startsWith("/proc/self/fd/")) {
            cmd.add("--module-path=" + modulePath);
        }
        cmd.addAll(List.of(
                // the child's caller passes it 0-2 (inheritIO): the command gets those, not the child JVM's own
                "-Dsluice.callerFds=0,1,2", "-m", "dev.sluice.launcher/dev.sluice.launcher.Main", "learn-exec", "--"));
        cmd.addAll(command);
        return cmd;
    }
}
