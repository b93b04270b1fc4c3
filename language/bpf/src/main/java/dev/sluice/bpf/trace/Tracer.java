package dev.sluice.bpf.trace;

import dev.sluice.bpf.lower.LoweredProgram;
import dev.sluice.bpf.lower.Op;
import java.util.ArrayList;
import java.util.List;

/**
 * The path a run of a lowered program took, built from what {@link StepTrace} recorded of the engine's own run (the
 * instructions' statement events): for each executed instruction its index and the registers after it. There is no
 * second evaluator, so a trace is the engine's run. Used by {@code sluice explain}.
 */
public final class Tracer {
    private Tracer() {}

    /**
     * One executed instruction: its index, and A, X and the scratch memory M[0..15] after it ran (for a ret: the
     * registers it returned from).
     */
    public record Step(int pc, int a, int x, int[] m) {}

    /**
     * The path and the result. {@code endedEarly} is true when a failing load or a division by X = 0 ended the
     * program (the kernel then returns 0, or A for an ancillary load with no device) instead of a ret instruction.
     */
    public record Trace(List<Step> steps, int result, boolean endedEarly) {}

    /**
     * The trace of one run of {@code program} from the instructions it entered, in order, and the value it returned.
     * The interpreter reports the registers as it enters each instruction: the registers after instruction i are those
     * on entering instruction i + 1; the last instruction (a ret, or one that ended the program) changed nothing.
     *
     * @throws IllegalArgumentException if {@code entered} is empty (nothing was observed: e.g. the constant-time body,
     *             which is not instrumented)
     */
    public static Trace of(LoweredProgram program, List<StepTrace.Entry> entered, int result) {
        if (entered.isEmpty()) {
            throw new IllegalArgumentException("no instruction of the run was observed");
        }
        List<Step> steps = new ArrayList<>(entered.size());
        for (int i = 0; i < entered.size(); i++) {
            StepTrace.Entry after = entered.get(Math.min(i + 1, entered.size() - 1));
            steps.add(new Step(entered.get(i).pc(), after.a(), after.x(), after.m()));
        }
        int last = entered.get(entered.size() - 1).pc();
        int lastOp = program.ops()[last];
        return new Trace(steps, result, lastOp != Op.RET_K && lastOp != Op.RET_A);
    }
}
