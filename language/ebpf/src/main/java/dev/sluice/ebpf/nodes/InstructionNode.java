package dev.sluice.ebpf.nodes;

import com.oracle.truffle.api.frame.VirtualFrame;
import com.oracle.truffle.api.instrumentation.GenerateWrapper;
import com.oracle.truffle.api.instrumentation.ProbeNode;
import com.oracle.truffle.api.source.SourceSection;
import dev.sluice.core.tools.StatementNode;

/**
 * Where instruments see one eBPF instruction ({@code StatementTag}, its line of the program's listing). The node
 * computes nothing: the instruction is {@link FunctionBodyNode}'s dispatch loop's, which executes this node just before
 * running it. Only its wrapper does something, reporting enter and return to the instruments attached; without
 * instruments the body never creates these nodes.
 */
@GenerateWrapper
public class InstructionNode extends StatementNode {
    private final int pc;
    private final FunctionBodyNode body;
    /** Whether the slot is the second half of a 16-byte lddw (never executed, no instruction of its own). */
    private final boolean secondSlot;

    InstructionNode(int pc, FunctionBodyNode body, boolean secondSlot) {
        this.pc = pc;
        this.body = body;
        this.secondSlot = secondSlot;
    }

    /** For the generated wrapper. */
    protected InstructionNode(InstructionNode copy) {
        this.pc = copy.pc;
        this.body = copy.body;
        this.secondSlot = copy.secondSlot;
    }

    /** Marks the moment before the instruction runs. */
    public void execute(@SuppressWarnings("unused") VirtualFrame frame) {}

    /** The instruction's slot in the program. */
    public final int pc() {
        return pc;
    }

    /** Whether this slot is the second half of a 16-byte {@code lddw}, which no run enters. */
    public final boolean isSecondSlot() {
        return secondSlot;
    }

    @Override
    protected SourceSection statementSection() {
        return body.listing().instruction(pc);
    }

    @Override
    public WrapperNode createWrapper(ProbeNode probe) {
        return new InstructionNodeWrapper(this, this, probe);
    }
}
