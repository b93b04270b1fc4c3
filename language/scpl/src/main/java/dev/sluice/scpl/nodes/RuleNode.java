package dev.sluice.scpl.nodes;

import com.oracle.truffle.api.CompilerDirectives.CompilationFinal;
import com.oracle.truffle.api.nodes.Node;
import dev.sluice.scpl.policy.Rule;

/** One rule on one ABI: the syscall numbers it names (sorted) and its condition. */
final class RuleNode extends Node {
    @CompilationFinal(dimensions = 1)
    private final int[] numbers;

    final int verdict;
    final Rule rule;

    @Child
    private CondNode condition;

    RuleNode(Rule rule, int[] numbers, boolean bigEndian) {
        this.rule = rule;
        this.numbers = numbers;
        this.verdict = rule.action().encode();
        this.condition = rule.condition() == null ? null : CondNode.create(rule.condition(), bigEndian);
    }

    /** Whether the rule names syscall {@code nr} (a binary search over its numbers). */
    boolean names(int nr) {
        int lo = 0;
        int hi = numbers.length - 1;
        boolean named = false;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int v = numbers[mid];
            if (v < nr) {
                lo = mid + 1;
            } else if (v > nr) {
                hi = mid - 1;
            } else {
                named = true;
                break;
            }
        }
        return named;
    }

    /** Whether the rule's condition holds for the call (true for a rule without one). */
    boolean conditionHolds(byte[] data) {
        return condition == null || condition.execute(data);
    }
}
