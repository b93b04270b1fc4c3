package dev.sluice.scpl.nodes;

import com.oracle.truffle.api.nodes.ExplodeLoop;
import com.oracle.truffle.api.nodes.Node;

import dev.sluice.core.seccomp.Arch;
import dev.sluice.scpl.policy.Policy;
import dev.sluice.scpl.policy.Rule;

/** The rules of one target ABI, first match wins, else the default verdict. */
final class AbiNode extends Node {
    private final int auditArch;
    /** 0: any nr; 1: nr must be in the x32 range (>= 0x40000000 unsigned); -1: must be below it (x86_64 and x32 share the audit value). */
    private final int x32Bit;
    private final int defaultVerdict;
    @Children private final RuleNode[] rules;

    AbiNode(Policy policy, Arch abi, boolean bigEndian) {
        this.auditArch = abi.auditArch();
        this.x32Bit = abi == Arch.X32 ? 1 : abi == Arch.X86_64 ? -1 : 0;
        this.defaultVerdict = policy.defaultAction().encode();
        java.util.List<RuleNode> nodes = new java.util.ArrayList<>();
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

    @ExplodeLoop
    int execute(byte[] data, int nr) {
        for (RuleNode rule : rules) {
            if (rule.matches(data, nr)) {
                return rule.verdict;
            }
        }
        return defaultVerdict;
    }
}
