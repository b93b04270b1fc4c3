package dev.sluice.ebpf.nodes;

import com.oracle.truffle.api.frame.VirtualFrame;
import com.oracle.truffle.api.nodes.Node;
import dev.sluice.ebpf.isa.Opcodes;
import dev.sluice.ebpf.isa.Program;

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
        Program program = body.loweredProgram().program();
        int next = entry; // the slot where the next instruction starts (an lddw takes two)
        for (int pc = entry; pc < end; pc++) {
            boolean secondSlot = pc < next;
            if (!secondSlot) {
                next = pc + (program.get(pc).opcode() == Opcodes.LDDW ? 2 : 1);
            }
            instructions[pc - entry] = new InstructionNode(pc, body, secondSlot);
        }
    }

    void enter(VirtualFrame frame, int pc) {
        instructions[pc - entry].execute(frame);
    }
}
