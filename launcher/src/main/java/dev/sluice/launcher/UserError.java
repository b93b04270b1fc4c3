package dev.sluice.launcher;

import dev.sluice.core.error.FailureKind;

/**
 * A failure the user can fix: printed to stderr as given (one line, plus the source line and a caret when located),
 * never with a stack trace, and the command exits with {@link #exitCode()}.
 */
final class UserError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int exitCode;

    UserError(int exitCode, String message) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    /** An input failure with its exact message (a {@link FailureKind} of the launcher, a language or core). */
    UserError(int exitCode, FailureKind failure, Object... args) {
        this(exitCode, failure.message(args));
    }

    static UserError invalid(FailureKind failure, Object... args) {
        return new UserError(Main.INVALID, failure, args);
    }

    static UserError usage(String message) {
        return new UserError(Main.USAGE, message);
    }

    static UserError invalid(String message) {
        return new UserError(Main.INVALID, message);
    }

    int exitCode() {
        return exitCode;
    }
}
