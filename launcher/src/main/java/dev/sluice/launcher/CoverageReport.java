package dev.sluice.launcher;

import dev.sluice.bpf.BpfLanguage;
import dev.sluice.bpf.coverage.InstructionCoverage.InstructionCount;
import dev.sluice.bpf.coverage.InstructionCoverage.ProgramCoverage;
import dev.sluice.bpf.formats.ListingFormat;
import dev.sluice.bpf.isa.Program;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * {@code sluice run --coverage}: the counts of the coverage instrument for the program that ran, as text or LCOV. The
 * launcher hands the bpf language raw instructions, so the instrument reports them on the program's listing (line
 * pc + 1); this maps them back to the lines of a text program. Binary programs and SCPL policies (compiled BPF) are
 * reported on the listing, as {@code sluice disasm --output-format listing} prints it. For a policy the rules' table
 * ({@link PolicyRuleCoverage}) comes first.
 */
final class CoverageReport {
    enum Format {
        text,
        lcov
    }

    private final LoadedProgram loaded;
    /** Runs of each instruction, by index. */
    private final long[] runs;
    /** For an SCPL policy: its rules' coverage; else null. */
    private final PolicyRuleCoverage rules;

    private CoverageReport(LoadedProgram loaded, long[] runs, PolicyRuleCoverage rules) {
        this.loaded = loaded;
        this.runs = runs;
        this.rules = rules;
    }

    /**
     * The report for {@code loaded} among the instrument's results (all zero if it never ran).
     *
     * @param rules for an SCPL policy, its rules' coverage (or null)
     */
    static CoverageReport of(LoadedProgram loaded, List<ProgramCoverage> results, PolicyRuleCoverage rules) {
        long[] runs = new long[loaded.program().length()];
        String name = loaded.name() + BpfLanguage.LISTING_SUFFIX;
        for (ProgramCoverage p : results) {
            if (p.name().equals(name)) {
                for (InstructionCount i : p.instructions()) {
                    runs[i.pc()] += i.count();
                }
            }
        }
        return new CoverageReport(loaded, runs, rules);
    }

    /** Whether instruction lines are those of the user's text file (else of the listing). */
    private boolean onSourceLines() {
        return loaded.sourceText() != null
                && loaded.policy() == null
                && loaded.program().hasPositions();
    }

    private int line(int pc) {
        return onSourceLines() ? loaded.program().line(pc) : pc + 1;
    }

    String render(Format format) {
        String prefix = rules == null ? "" : format == Format.lcov ? rules.lcov() : rules.text();
        return prefix + (format == Format.lcov ? lcov() : text());
    }

    /** A table of every instruction with its runs, then the instructions never reached. */
    String text() {
        Program program = loaded.program();
        boolean sourceLines = onSourceLines();
        String[] sourceText = sourceLines ? loaded.sourceText().split("\n", -1) : null;
        String[] listing = ListingFormat.print(program).split("\n");
        int covered = 0;
        List<Integer> never = new ArrayList<>();
        for (int pc = 0; pc < runs.length; pc++) {
            if (runs[pc] > 0) {
                covered++;
            } else {
                never.add(pc);
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append("coverage of ")
                .append(loaded.name())
                .append(": ")
                .append(covered)
                .append(" of ")
                .append(runs.length)
                .append(" instructions ran\n");
        sb.append(
                sourceLines
                        ? String.format("%5s %5s %10s  %s%n", "insn", "line", "runs", "source")
                        : String.format("%5s %10s  %s%n", "insn", "runs", "instruction (listing)"));
        for (int pc = 0; pc < runs.length; pc++) {
            if (sourceLines) {
                int line = program.line(pc);
                String text = line >= 1 && line <= sourceText.length ? sourceText[line - 1].strip() : "";
                sb.append(String.format("%5d %5d %10d  %s%n", pc, line, runs[pc], text));
            } else {
                sb.append(String.format("%5d %10d  %s%n", pc, runs[pc], listing[pc]));
            }
        }
        if (never.isEmpty()) {
            sb.append("every instruction ran\n");
        } else {
            sb.append("never reached: ");
            for (int i = 0; i < never.size(); i++) {
                int pc = never.get(i);
                sb.append(i == 0 ? "" : ", ").append("insn ").append(pc);
                if (sourceLines) {
                    sb.append(" (line ").append(program.line(pc)).append(')');
                }
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /**
     * LCOV tracefile: one record for the program file (text programs) or its listing, {@code DA:line,runs} per line
     * that holds instructions (the most runs of the line's instructions: every instruction on it starts the line).
     */
    String lcov() {
        TreeMap<Integer, Long> lines = new TreeMap<>();
        for (int pc = 0; pc < runs.length; pc++) {
            lines.merge(line(pc), runs[pc], Math::max);
        }
        StringBuilder sb = new StringBuilder();
        sb.append("TN:\n");
        sb.append("SF:")
                .append(onSourceLines() ? loaded.name() : loaded.name() + BpfLanguage.LISTING_SUFFIX)
                .append('\n');
        int hit = 0;
        for (var e : lines.entrySet()) {
            sb.append("DA:").append(e.getKey()).append(',').append(e.getValue()).append('\n');
            if (e.getValue() > 0) {
                hit++;
            }
        }
        sb.append("LF:").append(lines.size()).append('\n');
        sb.append("LH:").append(hit).append('\n');
        sb.append("end_of_record\n");
        return sb.toString();
    }
}
