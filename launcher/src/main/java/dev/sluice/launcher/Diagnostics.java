package dev.sluice.launcher;

import dev.sluice.bpf.isa.Program;
import dev.sluice.bpf.runtime.SluiceException;

/**
 * Renders a {@link SluiceException} about a file as the user sees it: {@code FILE:LINE:COL: reason} followed by the
 * source line and a caret when the program is text, else {@code FILE: reason} (the reason names the instruction).
 */
final class Diagnostics {
    private Diagnostics() {
    }

    static String render(SluiceException e, String fileName, String sourceText, Program program) {
        int line = e.line();
        int column = e.column();
        if (line <= 0 && e.insn() >= 0 && program != null && program.hasPositions()) {
            line = program.line(e.insn());
            column = program.column(e.insn());
        }
        if (line <= 0) {
            return fileName + ": " + e.detail();
        }
        StringBuilder sb = new StringBuilder();
        sb.append(fileName).append(':').append(line).append(':').append(Math.max(1, column)).append(": ").append(e.detail());
        String text = sourceLine(sourceText, line);
        if (text != null) {
            sb.append('\n').append("    ").append(text.replace('\t', ' '));
            sb.append('\n').append("    ").append(" ".repeat(Math.max(0, Math.min(column, text.length() + 1) - 1))).append('^');
        }
        return sb.toString();
    }

    private static String sourceLine(String text, int line) {
        if (text == null) {
            return null;
        }
        String[] lines = text.split("\r?\n", -1);
        return line <= lines.length ? lines[line - 1] : null;
    }
}
