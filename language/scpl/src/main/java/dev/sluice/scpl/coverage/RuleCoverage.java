package dev.sluice.scpl.coverage;

import com.oracle.truffle.api.frame.VirtualFrame;
import com.oracle.truffle.api.instrumentation.EventBinding;
import com.oracle.truffle.api.instrumentation.ExecutionEventNode;
import com.oracle.truffle.api.instrumentation.Instrumenter;
import com.oracle.truffle.api.instrumentation.SourceSectionFilter;
import com.oracle.truffle.api.instrumentation.StandardTags;
import com.oracle.truffle.api.nodes.Node;
import com.oracle.truffle.api.source.SourceSection;
import dev.sluice.scpl.nodes.RuleStatementNode;
import dev.sluice.scpl.policy.Rule;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts, per rule of the SCPL policies loaded while it is on, the calls that reached the rule and those it decided,
 * from the rules' statement events (the interpreter's own, {@code RuleStatementNode}): <em>enter</em> means the rule
 * names the call's syscall and is consulted, a return value {@code true} that its condition held, so its action is
 * the verdict. A rule appears in one statement per target ABI; its counts are their sum. Rules are known when their
 * policy is first run (before any counting), so a rule never reached is listed with 0.
 */
public final class RuleCoverage {
    /**
     * One rule.
     *
     * @param rule the checked rule (its index in the policy, file and position)
     * @param text the rule's text in its file
     * @param reached calls that reached the rule (it names their syscall and no earlier rule decided)
     * @param decided calls whose verdict the rule gave
     */
    public record RuleCount(Rule rule, String text, long reached, long decided) {}

    /** The rules of one policy, by index. */
    public record PolicyCoverage(String name, List<RuleCount> rules) {}

    private final Instrumenter instrumenter;
    /** Per policy source name, per rule index: its counters. */
    private final Map<String, Map<Integer, Counter>> counters = new LinkedHashMap<>();

    private EventBinding<?> loading;
    private EventBinding<?> counting;

    RuleCoverage(Instrumenter instrumenter) {
        this.instrumenter = instrumenter;
    }

    private record Counter(Rule rule, String text, AtomicLong reached, AtomicLong decided) {}

    /** Starts counting: policies loaded or run from now on are covered. Idempotent. */
    public synchronized void start() {
        if (counting != null) {
            return;
        }
        SourceSectionFilter statements = SourceSectionFilter.newBuilder()
                .tagIs(StandardTags.StatementTag.class)
                .build();
        loading = instrumenter.attachLoadSourceSectionListener(statements, event -> counter(event.getNode()), true);
        counting = instrumenter.attachExecutionEventFactory(statements, context -> {
            Counter c = counter(context.getInstrumentedNode());
            return c == null ? null : new CountingNode(c.reached(), c.decided());
        });
    }

    /** Stops counting; the counts so far stay readable. */
    public synchronized void stop() {
        if (counting != null) {
            counting.dispose();
            loading.dispose();
            counting = null;
            loading = null;
        }
    }

    /** The counts so far, per policy in the order they were loaded, rules in policy order. */
    public synchronized List<PolicyCoverage> results() {
        List<PolicyCoverage> out = new ArrayList<>();
        for (Map.Entry<String, Map<Integer, Counter>> e : counters.entrySet()) {
            List<RuleCount> rules = new ArrayList<>();
            e.getValue().values().stream()
                    .sorted((a, b) -> Integer.compare(a.rule().index(), b.rule().index()))
                    .forEach(c -> rules.add(new RuleCount(
                            c.rule(), c.text(), c.reached().get(), c.decided().get())));
            out.add(new PolicyCoverage(e.getKey(), List.copyOf(rules)));
        }
        return out;
    }

    private synchronized Counter counter(Node node) {
        if (!(node instanceof RuleStatementNode statement)) {
            return null; // another language's statement
        }
        SourceSection section = statement.getSourceSection();
        Rule rule = statement.rule();
        String policy = statement.getRootNode().getSourceSection().getSource().getName();
        return counters.computeIfAbsent(policy, p -> new LinkedHashMap<>())
                .computeIfAbsent(
                        rule.index(),
                        i -> new Counter(
                                rule,
                                section == null ? "" : section.getCharacters().toString(),
                                new AtomicLong(),
                                new AtomicLong()));
    }

    /** Counts the entries of one rule's statement and the returns that decided. */
    private static final class CountingNode extends ExecutionEventNode {
        private final AtomicLong reached;
        private final AtomicLong decided;

        CountingNode(AtomicLong reached, AtomicLong decided) {
            this.reached = reached;
            this.decided = decided;
        }

        @Override
        protected void onEnter(VirtualFrame frame) {
            reached.incrementAndGet();
        }

        @Override
        protected void onReturnValue(VirtualFrame frame, Object result) {
            if (result instanceof Boolean holds && holds) {
                decided.incrementAndGet();
            }
        }
    }
}
