package dev.sluice.bpf.runtime;

import dev.sluice.bpf.lower.OperationTrace;
import java.util.ArrayList;
import java.util.List;

/**
 * Records the operations of the last constant-time run (a run starts at pc 0), for tests that compare traces across
 * inputs and tiers. Not for concurrent use.
 */
public final class OperationRecorder implements OperationTrace {
    private final List<String> last = new ArrayList<>();

    @Override
    public void operation(int pc, int op) {
        if (pc == 0) {
            last.clear();
        }
        last.add(pc + ":" + op);
    }

    @Override
    public void dependsOn(int pc, long value) {
        last.add(pc + "@" + value);
    }

    /** The last run's operations as "pc:op" joined by spaces, each followed by "pc@value" for what its work depends on. */
    public String lastRun() {
        return String.join(" ", last);
    }
}
