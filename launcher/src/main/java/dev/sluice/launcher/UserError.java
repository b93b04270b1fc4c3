package dev.sluice.launcher;

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

    static UserError usage(String message) {
        return new UserError(Main.USAGE, message);
    }

    static UserError invalid(String message) {
        return new UserError(Main.INVALID, message);
    }

    /** A part of Sluice this build does not contain yet: a usage error that says what is missing. */
    static UserError notYet(String what) {
        return new UserError(Main.USAGE, what + " (not available in this build yet)");
    }

    int exitCode() {
        return exitCode;
    }
}
