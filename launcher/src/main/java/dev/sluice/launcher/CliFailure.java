package dev.sluice.launcher;

import dev.sluice.core.error.FailureKind;

/**
 * Input the sluice command cannot use (exit code 1); usage errors (exit 2) are the command line's own wording.
 */
public enum CliFailure implements FailureKind {
    // --- Launcher (sluice command): add kinds below this line ---
    CLI_NO_SUCH_FILE(Category.RUNTIME, "%s: no such file"),
    CLI_IS_DIRECTORY(Category.RUNTIME, "%s: is a directory"),
    CLI_PERMISSION_DENIED(Category.RUNTIME, "%s: permission denied"),
    CLI_CANNOT_READ(Category.RUNTIME, "%s: cannot read: %s"),
    CLI_TOO_LARGE(Category.RUNTIME, "%s: too large to read into memory"),
    CLI_CANNOT_WRITE(Category.RUNTIME, "%s: cannot write: %s"),
    CLI_SECCOMP_DATA_LENGTH(
            Category.RUNTIME, "%s: %d bytes is not a whole number of 64-byte struct seccomp_data records"),
    CLI_PCAP_CUT_IN_HEADER(
            Category.RUNTIME,
            "%s: truncated dump file: packet %d has only %d of its 16 header bytes (the %d packets before it were processed)"),
    CLI_PCAP_CUT_IN_DATA(
            Category.RUNTIME,
            "%s: truncated dump file: packet %d claims %s captured bytes, only %d remain (the %d packets before it were processed)"),
    CLI_POLICY_DENIES_EXECVE(
            Category.RUNTIME,
            "%s: the policy does not allow execve (nr %d) on %s (%s), so the command could never start; nothing was installed"),
    CLI_COMMAND_NOT_FOUND(Category.RUNTIME, "sluice exec: %s: command not found"),
    CLI_NOT_EXECUTABLE(Category.RUNTIME, "sluice exec: %s: not an executable file"),
    CLI_INSTALL_FAILED(Category.RUNTIME, "sluice exec: %s; nothing was installed"),
    CLI_EXEC_FAILED(Category.RUNTIME, "sluice exec: %s: %s (under the policy)"),
    CLI_UNSUPPORTED_HOST(
            Category.RUNTIME,
            "sluice exec: installing filters is supported on x86_64, aarch64 and riscv64 hosts only, not %s");

    private final Category category;
    private final String format;

    CliFailure(Category category, String format) {
        this.category = category;
        this.format = format;
    }

    @Override
    public Category category() {
        return category;
    }

    @Override
    public String format() {
        return format;
    }
}
