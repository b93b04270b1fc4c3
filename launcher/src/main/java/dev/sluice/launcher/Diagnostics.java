package dev.sluice.launcher;

import dev.sluice.bpf.formats.ErrorRendering;
import dev.sluice.bpf.isa.Program;
import dev.sluice.bpf.runtime.Failure;
import dev.sluice.core.error.SluiceException;

/**
 * Renders a {@link SluiceException} about a file as the user sees it: {@code FILE:LINE:COL: reason} followed by the
 * source line and a caret when the program is text (as {@link ErrorRendering} does), else {@code FILE: reason} (the
 * reason names the instruction).
 */
final class Diagnostics {
    private Diagnostics() {}

    static String render(SluiceException e, String fileName, String sourceText, Program program) {
        if (e.getMessage().indexOf('\n') >= 0) {
            return e.getMessage(); // already rendered with its source line (SCPL's checker does this)
        }
        if (e.line() > 0) {
            return ErrorRendering.render(e, sourceText);
        }
        if (e.insn() >= 0 && program != null && program.hasPositions() && program.line(e.insn()) > 0) {
            // A verifier failure names an instruction: place it at that instruction's source position.
            SluiceException located = SluiceException.atPosition(
                    fileName,
                    program.line(e.insn()),
                    Math.max(1, program.column(e.insn())),
                    Failure.SYNTAX,
                    e.detail()); // SYNTAX is the pass-through format "%s"
            return ErrorRendering.render(located, sourceText);
        }
        return fileName + ": " + e.detail();
    }
}
