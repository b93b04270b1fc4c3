package dev.sluice.bpf.formats;

import dev.sluice.core.error.SluiceException;

/** Renders a located error for a terminal, compiler style: the message, the source line and a caret. */
public final class ErrorRendering {
    private ErrorRendering() {}

    /**
     * {@code file:line:col: message}, then the source line and a caret under the column. Tabs before the column are
     * kept so the caret lines up. Without a position (or without the text) this is just the message.
     */
    public static String render(SluiceException e, String sourceText) {
        String message = e.getMessage();
        if (e.line() <= 0 || sourceText == null) {
            return message;
        }
        String line = sourceLine(sourceText, e.line());
        if (line == null) {
            return message;
        }
        int col = Math.max(1, Math.min(e.column(), line.length() + 1));
        StringBuilder caret = new StringBuilder();
        for (int i = 0; i < col - 1; i++) {
            caret.append(line.charAt(i) == '\t' ? '\t' : ' ');
        }
        return message + "\n" + line + "\n" + caret + "^";
    }

    private static String sourceLine(String text, int lineNumber) {
        int start = 0;
        for (int l = 1; l < lineNumber; l++) {
            int nl = text.indexOf('\n', start);
            if (nl < 0) {
                return null;
            }
            start = nl + 1;
        }
        int end = text.indexOf('\n', start);
        String line = text.substring(start, end < 0 ? text.length() : end);
        return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
    }
}
