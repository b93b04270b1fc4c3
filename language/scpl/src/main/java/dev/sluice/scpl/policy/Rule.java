package dev.sluice.scpl.policy;

import dev.sluice.core.seccomp.Arch;
import java.util.Map;

/**
 * A resolved rule: its action, the syscall numbers it covers on each target arch (sorted, distinct) and its
 * condition (null: always). {@code index} is its position in the policy, first match wins. The rule's text runs from
 * {@code line:column} to {@code endLine:endColumn} (its last character, inclusive) in {@code file}.
 */
public record Rule(
        int index,
        String file,
        int line,
        int column,
        int endLine,
        int endColumn,
        Action action,
        Map<Arch, int[]> numbers,
        Cond condition) {
    public boolean covers(Arch arch, int nr) {
        int[] n = numbers.get(arch);
        return n != null && java.util.Arrays.binarySearch(n, nr) >= 0;
    }

    public String where() {
        return file + ":" + line + ":" + column;
    }
}
