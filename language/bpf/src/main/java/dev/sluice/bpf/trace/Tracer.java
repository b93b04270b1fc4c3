package dev.sluice.bpf.trace;

import java.util.ArrayList;
import java.util.List;

import com.oracle.truffle.api.Truffle;

import dev.sluice.bpf.lower.LoweredProgram;
import dev.sluice.bpf.lower.Op;
import dev.sluice.bpf.nodes.FilterBodyNode;
import dev.sluice.bpf.nodes.ProgramBodyNode;
import dev.sluice.bpf.runtime.PacketMeta;
import dev.sluice.core.error.CoreFailure;
import dev.sluice.core.error.SluiceException;
import dev.sluice.core.seccomp.SeccompData;

/**
 * Records the path a lowered program takes by observing the interpreter itself ({@link FilterBodyNode} with a step
 * observer): for each executed instruction its index and the registers after it. There is no second evaluator, so a
 * trace is the engine's own run; {@code TracerAgreesWithEngineTest} still checks verdicts against compiled runs. Used
 * by {@code sluice explain}; not a fast path (each step crosses a boundary).
 */
public final class Tracer {
    private Tracer() {
    }

    /** One executed instruction: its index, and A and X after it ran (for a ret: the registers it returned from). */
    public record Step(int pc, int a, int x) {
    }

    /**
     * The path and the result. {@code endedEarly} is true when a failing load or a division by X = 0 ended the
     * program (the kernel then returns 0, or A for an ancillary load with no device) instead of a ret instruction.
     */
    public record Trace(List<Step> steps, int result, boolean endedEarly) {
    }

    /** Traces a seccomp filter on one 64-byte struct seccomp_data. */
    public static Trace traceSeccomp(LoweredProgram program, byte[] seccompData) {
        if (seccompData.length != SeccompData.SIZE) {
            throw SluiceException.create(CoreFailure.SECCOMP_INPUT_SIZE, seccompData.length);
        }
        return trace(program, seccompData, 0, SeccompData.SIZE, SeccompData.SIZE, PacketMeta.DEFAULT);
    }

    /** Traces on input bytes {@code data[start, start + captured)} with the packet's wire length and metadata. */
    public static Trace trace(LoweredProgram program, byte[] data, int start, int captured, int wireLength, PacketMeta meta) {
        // The interpreter reports A and X as it enters each instruction: the registers after instruction i are those
        // on entering instruction i + 1. The last instruction (a ret, or one that ended the program) changed nothing.
        List<int[]> entered = new ArrayList<>();
        FilterBodyNode interpreter = new FilterBodyNode(program, null, (pc, a, x) -> entered.add(new int[]{pc, a, x}), null);
        int result = interpreter.execute(Truffle.getRuntime().createVirtualFrame(new Object[0], ProgramBodyNode.frameDescriptor()), data, start, captured, wireLength, meta);
        List<Step> steps = new ArrayList<>(entered.size());
        for (int i = 0; i < entered.size(); i++) {
            int[] after = entered.get(Math.min(i + 1, entered.size() - 1));
            steps.add(new Step(entered.get(i)[0], after[1], after[2]));
        }
        int last = entered.get(entered.size() - 1)[0];
        int lastOp = program.ops()[last];
        return new Trace(steps, result, lastOp != Op.RET_K && lastOp != Op.RET_A);
    }
}
