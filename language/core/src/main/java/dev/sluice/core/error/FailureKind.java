package dev.sluice.core.error;

import java.util.Locale;

/**
 * A kind of failure with its exact message format. Each language (and the launcher) declares its own kinds as an enum
 * implementing this interface, in the style of GraalWasm's {@code Failure}; {@link CoreFailure} holds the kinds the
 * shared machinery (guards, trust, seccomp data, pcap, options) raises. Messages name the instruction index or source
 * position and the rule that was broken.
 */
public interface FailureKind {
    /** How a failure reaches embedders: SYNTAX and VERIFY as syntax errors, RUNTIME as guest errors. */
    enum Category {
        SYNTAX,
        VERIFY,
        RUNTIME
    }

    /** The constant's name (enums provide it), e.g. {@code SCPL_SYNTAX}. */
    String name();

    Category category();

    /** The {@link String#format} pattern of the message. */
    String format();

    default String message(Object... args) {
        return String.format(Locale.ROOT, format(), args);
    }
}
