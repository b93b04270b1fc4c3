package dev.sluice.ebpf.nodes;

import com.oracle.truffle.api.frame.VirtualFrame;
import com.oracle.truffle.api.nodes.Node;

/**
 * The statement nodes of one function body, one per slot of the function, created only when an instrument asks for
 * statements. The dispatch loop's pc is a partial-evaluation constant, so {@link #enter} compiles to the probe of
 * exactly that instruction.
 */
final class InstructionProbes extends Node {
    private final int entry;

    @Children
    private final InstructionNode[] instructions;

    InstructionProbes(FunctionBodyNode body, int entry, int end) {
        this.entry = entry;
        this.instructions = new InstructionNode[end - entry];
        for (int pc = entry; pc < end; pc++) {
            instructions[pc - entry] = new InstructionNode(pc, body);
        }
    }

    void enter(VirtualFrame frame, int pc) {
        instructions[pc - entry].execute(frame);
    }
}
