package dev.sluice.scpl.parse;

import dev.sluice.core.error.SluiceException;
import dev.sluice.core.error.Words;
import dev.sluice.scpl.error.ScplFailure;
import dev.sluice.scpl.parse.Ast.Pos;

/**
 * Builds located SCPL errors: {@code file:line:col: message}, then the source line and a caret under the column.
 * Every SCPL ScplFailure format ends in {@code %s}, which receives that two-line snippet.
 */
public final class Diagnostics {
    private Diagnostics() {}

    /** The longest first line of a message, without its location: a quoted name from the input cannot stretch it. */
    static final int MAX_MESSAGE = 300;

    public static SluiceException error(Pos pos, String text, ScplFailure failure, Object... args) {
        Object[] all = java.util.Arrays.copyOf(args, args.length + 1);
        all[args.length] = "";
        // What a site did not escape or clip: no control character reaches the message line, and where it is too
        // long, each quoted string gets an equal share of it.
        for (int i = 0; i < args.length; i++) {
            if (all[i] instanceof String quoted) {
                all[i] = Words.printable(quoted);
            }
        }
        if (failure.message(all).length() > MAX_MESSAGE) {
            int share = Math.max(40, MAX_MESSAGE / Math.max(1, args.length));
            for (int i = 0; i < args.length; i++) {
                if (all[i] instanceof String quoted) {
                    all[i] = Words.clip(quoted, share);
                }
            }
        }
        all[args.length] = snippet(text, pos.line(), pos.col());
        return SluiceException.atPosition(pos.file(), pos.line(), pos.col(), failure, all);
    }

    /** A warning line in the same format, without snippet. */
    public static String warning(Pos pos, String message) {
        return pos.file() + ":" + pos.line() + ":" + pos.col() + ": warning: " + message;
    }

    /** "\n    <line text>\n    <spaces>^", or "" when the text is unknown. */
    public static String snippet(String text, int line, int col) {
        if (text == null || line <= 0) {
            return "";
        }
        String[] lines = text.split("\n", -1);
        if (line > lines.length) {
            return "";
        }
        String l = lines[line - 1].replace("\t", " ").stripTrailing();
        return "\n    " + l + "\n    " + " ".repeat(Math.max(0, Math.min(col - 1, l.length()))) + "^";
    }
}
