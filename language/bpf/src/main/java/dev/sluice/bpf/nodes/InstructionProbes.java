package dev.sluice.bpf.nodes;

import com.oracle.truffle.api.frame.VirtualFrame;
import com.oracle.truffle.api.nodes.Node;

/**
 * The statement nodes of one body, one per instruction, created only when an instrument asks for statements
 * ({@link FilterBodyNode#materializeInstrumentableNodes}). The dispatch loop's pc is a partial-evaluation constant, so
 * {@link #enter} compiles to the probe of exactly that instruction.
 */
final class InstructionProbes extends Node {
    @Children
    private final InstructionNode[] instructions;

    InstructionProbes(InstructionSource source, int length) {
        this.instructions = new InstructionNode[length];
        for (int pc = 0; pc < length; pc++) {
            instructions[pc] = new InstructionNode(pc, source);
        }
    }

    /** Reports instruction {@code pc} to the instruments on its statement node (its wrapper), if any. */
    void enter(VirtualFrame frame, int pc) {
        instructions[pc].execute(frame);
    }
}
