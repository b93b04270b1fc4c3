package dev.sluice.bpf.coverage;

import com.oracle.truffle.api.instrumentation.Instrumenter;
import com.oracle.truffle.api.nodes.Node;
import dev.sluice.bpf.nodes.InstructionNode;
import dev.sluice.core.coverage.InstructionCounts;

/**
 * Counts the runs of every instruction of the classic BPF programs loaded while it is on, from the instructions'
 * statement events (the interpreter's own, {@code InstructionNode}); instructions that never ran are listed with 0.
 * Programs are identified by the source instruments see: a text program's own source, or for a binary program its
 * listing (see {@code BpfLanguage.LISTING_SUFFIX}). The counting is core's ({@link InstructionCounts}), shared with
 * the eBPF coverage instrument.
 */
public final class InstructionCoverage extends InstructionCounts {
    InstructionCoverage(Instrumenter instrumenter) {
        super(instrumenter);
    }

    @Override
    protected int instructionIndex(Node node) {
        return node instanceof InstructionNode instruction ? instruction.pc() : -1;
    }
}
