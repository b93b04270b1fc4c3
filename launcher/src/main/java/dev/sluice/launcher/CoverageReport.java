package dev.sluice.launcher;

import dev.sluice.bpf.BpfLanguage;
import dev.sluice.bpf.formats.ListingFormat;
import dev.sluice.bpf.isa.Program;
import dev.sluice.core.coverage.InstructionCounts.InstructionCount;
import dev.sluice.core.coverage.InstructionCounts.ProgramCoverage;
import dev.sluice.ebpf.formats.AsmFormat;
import dev.sluice.ebpf.isa.Opcodes;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * {@code sluice run --coverage}: the counts of a coverage instrument for the program that ran, as text or LCOV. The
 * launcher hands the languages raw instructions, so the instruments report them on the program's listing (line pc + 1);
 * this maps them back to the lines of a text program. Binary programs and SCPL policies (compiled BPF) are reported
 * on the listing, as {@code sluice disasm --output-format listing} (eBPF: {@code sluice disasm --lang ebpf}) prints
 * it. For a policy the rules' table ({@link PolicyRuleCoverage}) comes first.
 */
final class CoverageReport {
    enum Format {
        text,
        lcov
    }

    /** One instruction: its index, its line (of the text program or of the listing), what it says, and its runs. */
    private record Row(int pc, int line, String text, long runs) {}

    private final String name;
    /** Whether lines are those of the user's text file (else of the listing). */
    private final boolean sourceLines;

    private final List<Row> rows;
    /** For an SCPL policy: its rules' coverage; else null. */
    private final PolicyRuleCoverage rules;

    private CoverageReport(String name, boolean sourceLines, List<Row> rows, PolicyRuleCoverage rules) {
        this.name = name;
        this.sourceLines = sourceLines;
        this.rows = rows;
        this.rules = rules;
    }

    /** Runs per instruction index of the program named {@code listingName} among an instrument's results. */
    private static long[] runs(int length, String listingName, List<ProgramCoverage> results) {
        long[] runs = new long[length];
        for (ProgramCoverage p : results) {
            if (p.name().equals(listingName)) {
                for (InstructionCount i : p.instructions()) {
                    runs[i.pc()] += i.count();
                }
            }
        }
        return runs;
    }

    /**
     * The report for a classic BPF program or policy {@code loaded} among the instrument's results (all zero if it
     * never ran).
     *
     * @param rules for an SCPL policy, its rules' coverage (or null)
     */
    static CoverageReport of(LoadedProgram loaded, List<ProgramCoverage> results, PolicyRuleCoverage rules) {
        Program program = loaded.program();
        long[] runs = runs(program.length(), loaded.name() + BpfLanguage.LISTING_SUFFIX, results);
        boolean sourceLines = loaded.sourceText() != null && loaded.policy() == null && program.hasPositions();
        String[] sourceText = sourceLines ? loaded.sourceText().split("\n", -1) : null;
        String[] listing = ListingFormat.print(program).split("\n");
        List<Row> rows = new ArrayList<>();
        for (int pc = 0; pc < runs.length; pc++) {
            rows.add(
                    sourceLines
                            ? new Row(pc, program.line(pc), sourceLine(sourceText, program.line(pc)), runs[pc])
                            : new Row(pc, pc + 1, listing[pc], runs[pc]));
        }
        return new CoverageReport(loaded.name(), sourceLines, rows, rules);
    }

    /**
     * The report for an eBPF program among the eBPF instrument's results: one row per instruction (the second slot of
     * an {@code lddw} is none), on the lines of an assembly text or else of the listing.
     *
     * @param listingName the name of the listing the instrument saw (the program's name with {@code " (listing)"})
     */
    static CoverageReport ofEbpf(
            String name,
            dev.sluice.ebpf.isa.Program program,
            String sourceText,
            String listingName,
            List<ProgramCoverage> results) {
        long[] runs = runs(program.length(), listingName, results);
        boolean sourceLines = sourceText != null && program.hasPositions();
        String[] text = sourceLines ? sourceText.split("\n", -1) : null;
        TreeSet<Integer> targets = new TreeSet<>();
        for (int pc = 0; pc < program.length(); pc++) {
            int t = AsmFormat.targetOf(program, pc);
            if (t >= 0 && t < program.length()) {
                targets.add(t);
            }
        }
        List<Row> rows = new ArrayList<>();
        for (int pc = 0; pc < program.length(); pc++) {
            rows.add(
                    sourceLines
                            ? new Row(pc, program.line(pc), sourceLine(text, program.line(pc)), runs[pc])
                            : new Row(
                                    pc,
                                    pc + 1,
                                    String.format("(%03d) %s", pc, AsmFormat.instruction(program, pc, targets)),
                                    runs[pc]));
            if (program.get(pc).opcode() == Opcodes.LDDW) {
                pc++;
            }
        }
        return new CoverageReport(name, sourceLines, rows, null);
    }

    private static String sourceLine(String[] lines, int line) {
        return line >= 1 && line <= lines.length ? lines[line - 1].strip() : "";
    }

    String render(Format format) {
        String prefix = rules == null ? "" : format == Format.lcov ? rules.lcov() : rules.text();
        return prefix + (format == Format.lcov ? lcov() : text());
    }

    /** A table of every instruction with its runs, then the instructions never reached. */
    String text() {
        List<Row> never = rows.stream().filter(r -> r.runs() == 0).toList();
        StringBuilder sb = new StringBuilder();
        sb.append("coverage of ")
                .append(name)
                .append(": ")
                .append(rows.size() - never.size())
                .append(" of ")
                .append(rows.size())
                .append(" instructions ran\n");
        sb.append(
                sourceLines
                        ? String.format("%5s %5s %10s  %s%n", "insn", "line", "runs", "source")
                        : String.format("%5s %10s  %s%n", "insn", "runs", "instruction (listing)"));
        for (Row r : rows) {
            sb.append(
                    sourceLines
                            ? String.format("%5d %5d %10d  %s%n", r.pc(), r.line(), r.runs(), r.text())
                            : String.format("%5d %10d  %s%n", r.pc(), r.runs(), r.text()));
        }
        if (never.isEmpty()) {
            sb.append("every instruction ran\n");
        } else {
            sb.append("never reached: ");
            for (int i = 0; i < never.size(); i++) {
                Row r = never.get(i);
                sb.append(i == 0 ? "" : ", ").append("insn ").append(r.pc());
                if (sourceLines) {
                    sb.append(" (line ").append(r.line()).append(')');
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
        for (Row r : rows) {
            lines.merge(r.line(), r.runs(), Math::max);
        }
        StringBuilder sb = new StringBuilder();
        sb.append("TN:\n");
        sb.append("SF:")
                .append(sourceLines ? name : name + BpfLanguage.LISTING_SUFFIX)
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
