package dev.sluice.launcher;

import dev.sluice.scpl.coverage.RuleCoverage;
import dev.sluice.scpl.coverage.RuleCoverageInstrument;
import dev.sluice.scpl.policy.Rule;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.graalvm.polyglot.Context;

/**
 * {@code sluice run --coverage} of an SCPL policy: which rules the calls reached and which decided. The compiled BPF
 * cannot say this (rules share its search tree, leaves and returns), so the same calls also run through SCPL's own
 * interpreter ({@link PolicyInterpreter}: each verdict must be the filter's) with the rule coverage instrument attached.
 */
final class PolicyRuleCoverage {
    private final LoadedProgram loaded;
    private final RuleCoverage coverage;
    private final PolicyInterpreter interpreter;

    private PolicyRuleCoverage(LoadedProgram loaded, RuleCoverage coverage, PolicyInterpreter interpreter) {
        this.loaded = loaded;
        this.coverage = coverage;
        this.interpreter = interpreter;
    }

    /** Starts the instrument and loads the policy into the scpl language of {@code context}. */
    static PolicyRuleCoverage start(Context context, LoadedProgram loaded) {
        RuleCoverage coverage = context.getEngine()
                .getInstruments()
                .get(RuleCoverageInstrument.ID)
                .lookup(RuleCoverage.class);
        coverage.start();
        return new PolicyRuleCoverage(loaded, coverage, PolicyInterpreter.load(context, loaded));
    }

    /** Runs {@code n} records of {@code records} through the policy; each verdict must be the filter's in {@code verdicts}. */
    void run(byte[] records, int[] verdicts, int n) {
        interpreter.run(records, verdicts, n);
    }

    /** One rule of the policy with its counts (0 for rules the instrument never saw: no target ABI has their syscalls). */
    record Row(Rule rule, String text, long reached, long decided) {
        String where(String policyName) {
            return rule.file().equals(policyName) ? Integer.toString(rule.line()) : rule.file() + ":" + rule.line();
        }
    }

    List<Row> rows() {
        List<Rule> rules = loaded.policy().rules();
        Row[] rows = new Row[rules.size()];
        for (RuleCoverage.PolicyCoverage p : coverage.results()) {
            for (RuleCoverage.RuleCount c : p.rules()) {
                Rule r = rules.get(c.rule().index());
                if (r.line() != c.rule().line()
                        || r.column() != c.rule().column()
                        || !r.file().equals(c.rule().file())) {
                    throw new IllegalStateException("rule " + c.rule().where() + " of the interpreter is " + r.where()
                            + " in the compiled policy");
                }
                rows[r.index()] = new Row(r, oneLine(c.text()), c.reached(), c.decided());
            }
        }
        List<Row> out = new ArrayList<>();
        for (Rule r : rules) {
            out.add(rows[r.index()] != null ? rows[r.index()] : new Row(r, oneLine(ruleText(r)), 0, 0));
        }
        return out;
    }

    /** The rule's text from the policy file (rules of included files the instrument never saw: their position). */
    private String ruleText(Rule r) {
        if (!r.file().equals(loaded.name())) {
            return r.where();
        }
        String[] lines = loaded.sourceText().split("\n", -1);
        StringBuilder sb = new StringBuilder();
        for (int line = r.line(); line <= r.endLine() && line <= lines.length; line++) {
            String l = lines[line - 1];
            int from = line == r.line() ? r.column() - 1 : 0;
            int to = line == r.endLine() ? Math.min(l.length(), r.endColumn()) : l.length();
            sb.append(from < to ? l.substring(from, to) : "").append('\n');
        }
        return sb.toString();
    }

    private static String oneLine(String text) {
        return text.strip().replaceAll("\\s+", " ");
    }

    /** The table: per rule its line, the calls that reached it and those it decided, then the rules never reached. */
    String text() {
        List<Row> rows = rows();
        long reached = rows.stream().filter(r -> r.reached() > 0).count();
        long decided = rows.stream().filter(r -> r.decided() > 0).count();
        StringBuilder sb = new StringBuilder();
        sb.append("rule coverage of ")
                .append(loaded.name())
                .append(": ")
                .append(interpreter.calls())
                .append(interpreter.calls() == 1 ? " call, " : " calls, ")
                .append(reached)
                .append(" of ")
                .append(rows.size())
                .append(" rules reached, ")
                .append(decided)
                .append(" decided\n");
        sb.append(String.format("%5s %10s %10s  %s%n", "line", "reached", "decided", "rule"));
        List<String> never = new ArrayList<>();
        for (Row r : rows) {
            sb.append(String.format("%5s %10d %10d  %s%n", r.where(loaded.name()), r.reached(), r.decided(), r.text()));
            if (r.reached() == 0) {
                never.add("line " + r.where(loaded.name()) + " (" + r.text() + ")");
            }
        }
        sb.append(never.isEmpty() ? "every rule was reached\n" : "never reached: " + String.join(", ", never) + "\n");
        return sb.toString();
    }

    /** LCOV records of the policy's files: {@code DA:line,reached} per line where rules start. */
    String lcov() {
        TreeMap<String, TreeMap<Integer, Long>> files = new TreeMap<>();
        for (Row r : rows()) {
            files.computeIfAbsent(r.rule().file(), f -> new TreeMap<>())
                    .merge(r.rule().line(), r.reached(), Long::sum);
        }
        StringBuilder sb = new StringBuilder();
        List<String> order = new ArrayList<>(files.keySet());
        order.remove(loaded.name());
        order.add(0, loaded.name()); // the policy first, then its includes
        for (String file : order) {
            TreeMap<Integer, Long> lines = files.get(file);
            if (lines == null) {
                continue;
            }
            sb.append("TN:\nSF:").append(file).append('\n');
            int hit = 0;
            for (var e : lines.entrySet()) {
                sb.append("DA:")
                        .append(e.getKey())
                        .append(',')
                        .append(e.getValue())
                        .append('\n');
                hit += e.getValue() > 0 ? 1 : 0;
            }
            sb.append("LF:")
                    .append(lines.size())
                    .append('\n')
                    .append("LH:")
                    .append(hit)
                    .append('\n')
                    .append("end_of_record\n");
        }
        return sb.toString();
    }
}
