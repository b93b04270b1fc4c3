package dev.sluice.scpl.nodes;

import com.oracle.truffle.api.frame.VirtualFrame;
import com.oracle.truffle.api.nodes.Node;
import dev.sluice.scpl.policy.Rule;

/**
 * The statement nodes of one ABI's rules, created only when an instrument asks for statements. The rule loop is
 * exploded, so {@link #report} compiles to the probe of exactly that rule.
 */
final class RuleProbes extends Node {
    @Children
    private final RuleStatementNode[] statements;

    RuleProbes(Rule[] rules, RuleSources sources, boolean bigEndian) {
        this.statements = new RuleStatementNode[rules.length];
        for (int i = 0; i < rules.length; i++) {
            statements[i] = new RuleStatementNode(rules[i], sources, bigEndian);
        }
    }

    boolean report(VirtualFrame frame, int index, boolean holds) {
        return statements[index].execute(frame, holds);
    }
}
