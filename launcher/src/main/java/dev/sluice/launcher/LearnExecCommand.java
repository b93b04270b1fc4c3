package dev.sluice.launcher;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The child side of {@code sluice learn} (hidden; {@link LearnCommand} starts it): installs a one-instruction filter
 * that hands every syscall to a supervisor ({@code ret SECCOMP_RET_USER_NOTIF}, with
 * SECCOMP_FILTER_FLAG_NEW_LISTENER), then execs the command, which keeps the filter, as do its children and threads.
 * It is a separate process because a JVM cannot fork safely; the supervisor copies the listener fd out of this process
 * with pidfd_getfd, and from then on every syscall of this thread waits for the supervisor, starting with execve.
 * The steps are those of {@code sluice exec} (no_new_privs, signal mask, warm-up, filter, execve on one thread).
 */
@Command(name = "learn-exec", hidden = true, description = "Internal: the child process of 'sluice learn'.")
final class LearnExecCommand implements Callable<Integer> {
    /** linux/seccomp.h */
    static final int SECCOMP_RET_USER_NOTIF = 0x7fc00000;
    /** BPF_RET | BPF_K */
    private static final short RET_K = 0x06;

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "CMD", description = "The command and its arguments.")
    List<String> command;

    /** struct sock_filter { u16 code; u8 jt; u8 jf; u32 k; } = ret #SECCOMP_RET_USER_NOTIF, in the host's byte order. */
    static byte[] notifyEverything() {
        return ByteBuffer.allocate(8)
                .order(ByteOrder.nativeOrder())
                .putShort(RET_K)
                .put((byte) 0)
                .put((byte) 0)
                .putInt(SECCOMP_RET_USER_NOTIF)
                .array();
    }

    @Override
    public Integer call() {
        if (command == null || command.isEmpty()) {
            throw UserError.usage("sluice learn-exec: no command given");
        }
        String executable = ExecCommand.resolve(command.get(0));
        Native.Exec exec =
                new Native.Exec(notifyEverything(), executable, command, System.getProperty("sluice.callerFds"));
        spec.commandLine().getOut().flush();
        spec.commandLine().getErr().flush();
        System.out.flush();
        System.err.flush();
        try {
            exec.noNewPrivs();
        } catch (Native.CallFailed e) {
            throw UserError.invalid("sluice learn: " + e.getMessage() + "; nothing was installed");
        }
        exec.clearSignalMask();
        exec.warmUp();
        try {
            exec.installListenerFilter();
        } catch (Native.CallFailed e) {
            throw UserError.invalid("sluice learn: " + e.getMessage()
                    + " (seccomp user notification needs Linux 5.0 or later); nothing was installed");
        }
        Native.CallFailed failed = exec.execve();
        spec.commandLine().getErr().println("sluice learn: " + command.get(0) + ": " + failed.getMessage());
        return failed.errno == 2 ? ExecCommand.NOT_FOUND : ExecCommand.NOT_EXECUTABLE;
    }
}
