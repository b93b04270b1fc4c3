package dev.sluice.scpl.nodes;

import com.oracle.truffle.api.frame.VirtualFrame;
import com.oracle.truffle.api.nodes.ExplodeLoop;
import com.oracle.truffle.api.nodes.Node;
import dev.sluice.core.seccomp.Arch;
import dev.sluice.scpl.policy.Policy;
import dev.sluice.scpl.policy.Rule;
import java.util.ArrayList;
import java.util.List;

/** The rules of one target ABI, first match wins, else the default verdict. */
final class AbiNode extends Node {
    private final int auditArch;
    /** 0: any nr; 1: nr must be in the x32 range (>= 0x40000000 unsigned); -1: must be below it (x86_64 and x32 share the audit value). */
    private final int x32Bit;

    private final int defaultVerdict;

    @Children
    private final RuleNode[] rules;
    /** The rules' statement nodes, present only while an instrument has asked for statements. */
    @Child
    private RuleProbes probes;

    AbiNode(Policy policy, Arch abi, boolean bigEndian) {
        this.auditArch = abi.auditArch();
        this.x32Bit = abi == Arch.X32 ? 1 : abi == Arch.X86_64 ? -1 : 0;
        this.defaultVerdict = policy.defaultAction().encode();
        List<RuleNode> nodes = new ArrayList<>();
        for (Rule r : policy.rules()) {
            int[] numbers = r.numbers().get(abi);
            if (numbers != null && numbers.length > 0) {
                nodes.add(new RuleNode(r, numbers, bigEndian));
            }
        }
        this.rules = nodes.toArray(new RuleNode[0]);
    }

    boolean selects(int audit, int nr) {
        if (audit != auditArch) {
            return false;
        }
        boolean bit = Policy.isX32Range(nr);
        return x32Bit == 0 || (x32Bit == 1) == bit;
    }

    /**
     * The verdict of the first rule that names {@code nr} and whose condition holds. A rule that names the call is
     * reported to the instruments on its statement node with its outcome (when they asked for statements).
     */
    @ExplodeLoop
    int execute(VirtualFrame frame, byte[] data, int nr) {
        for (int i = 0; i < rules.length; i++) {
            RuleNode rule = rules[i];
            if (rule.names(nr)) {
                boolean holds = rule.conditionHolds(data);
                if (probes != null) {
                    holds = probes.report(frame, i, holds);
                }
                if (holds) {
                    return rule.verdict;
                }
            }
        }
        return defaultVerdict;
    }

    /** Creates the statement nodes of this ABI's rules (the caller holds the AST lock); returns them, or null if already there. */
    boolean hasProbes() {
        return probes != null;
    }

    RuleProbes materializeProbes(RuleSources sources, boolean bigEndian) {
        if (probes != null) {
            return null;
        }
        Rule[] of = new Rule[rules.length];
        for (int i = 0; i < rules.length; i++) {
            of[i] = rules[i].rule;
        }
        probes = insert(new RuleProbes(of, sources, bigEndian));
        return probes;
    }
}
