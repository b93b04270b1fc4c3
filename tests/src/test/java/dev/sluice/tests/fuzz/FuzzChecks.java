package dev.sluice.tests.fuzz;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import org.graalvm.polyglot.PolyglotException;

import dev.sluice.core.error.SluiceException;

/**
 * What every fuzz target asks of a refusal: it is Sluice's own located error, short and on one line, never another
 * exception (a SluiceException, or for embedders a guest PolyglotException). A target that lets any other exception escape reports a finding (Jazzer treats it as a crash).
 */
final class FuzzChecks {
    /** Long enough for any real message; a message longer than this has quoted the input without clipping it. */
    static final int MAX_MESSAGE = 400;

    private FuzzChecks() {
    }

    /**
     * The input as text. Targets take bytes rather than a String so that a kept input is the file's text itself (Jazzer
     * encodes String parameters in its own format); invalid UTF-8 becomes U+FFFD, as a reader of a file would see it.
     */
    static String utf8(byte[] input) {
        return new String(input, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** A refusal of text: {@code name:line:col: reason} with a position inside the text. */
    static void locatedInText(SluiceException e, String name, String text) {
        assertTrue(e.line() >= 1 && e.column() >= 1, () -> "unlocated error: " + e.getMessage());
        long lines = text.lines().count();
        assertTrue(e.line() <= Math.max(1, lines + 1), () -> "line " + e.line() + " of a " + lines + "-line text: " + e.getMessage());
        assertTrue(e.getMessage().startsWith(name + ":" + e.line() + ":" + e.column() + ": "), e.getMessage());
        shortMessage(e.getMessage());
    }

    /**
     * A refusal's message: one line, short; or, where a language renders its errors with the source (SCPL), that line
     * followed by the source line and a caret under the column.
     */
    static void shortMessage(String message) {
        assertNotNull(message);
        String[] lines = message.split("\n", -1);
        assertTrue(lines.length == 1 || lines.length == 3 && lines[2].matches("[ \t]*\\^[\\^~]*"),
                        () -> "a message is one line, or one line, the source line and a caret: " + message);
        String first = lines[0];
        assertFalse(first.isBlank(), "empty message");
        assertTrue(first.length() <= MAX_MESSAGE, () -> "message of " + first.length() + " chars: " + first.substring(0, 200) + "...");
        assertFalse(first.contains("\r"), () -> "a carriage return in: " + first);
    }

    /** What an embedder sees of a refusal: a guest error (syntax or runtime), never an internal or host error. */
    static void guestError(PolyglotException e) {
        if (e.isInternalError() || e.isHostException() || !e.isGuestException()) {
            fail("not a guest error (internal=" + e.isInternalError() + ", host=" + e.isHostException() + "): " + e.getMessage(), e);
        }
        shortMessage(e.getMessage());
    }
}
