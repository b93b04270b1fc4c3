package dev.sluice.ebpf.coverage;

import com.oracle.truffle.api.instrumentation.Instrumenter;
import com.oracle.truffle.api.nodes.Node;
import dev.sluice.core.coverage.InstructionCounts;
import dev.sluice.ebpf.nodes.InstructionNode;

/**
 * Counts the runs of every instruction of the eBPF programs loaded while it is on, from the instructions' statement
 * events (the interpreter's own {@code InstructionNode}s, one per slot); instructions that never ran are listed with 0.
 * The second slot of a 16-byte {@code lddw} is not an instruction and is not listed. Programs are identified by their
 * listing (one slot per line, line pc + 1; {@code sluice disasm --lang ebpf}), named after the program with
 * {@code " (listing)"}. The counting is core's ({@link InstructionCounts}), shared with the classic BPF instrument.
 */
public final class InstructionCoverage extends InstructionCounts {
    InstructionCoverage(Instrumenter instrumenter) {
        super(instrumenter);
    }

    @Override
    protected int instructionIndex(Node node) {
        return node instanceof InstructionNode instruction && !instruction.isSecondSlot() ? instruction.pc() : -1;
    }
}
