package dev.sluice.bpf.nodes;

import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;
import com.oracle.truffle.api.frame.Frame;
import com.oracle.truffle.api.frame.VirtualFrame;
import com.oracle.truffle.api.instrumentation.GenerateWrapper;
import com.oracle.truffle.api.instrumentation.ProbeNode;
import com.oracle.truffle.api.interop.NodeLibrary;
import com.oracle.truffle.api.library.ExportLibrary;
import com.oracle.truffle.api.library.ExportMessage;
import com.oracle.truffle.api.source.SourceSection;
import dev.sluice.core.tools.StatementNode;

/**
 * Where instruments see one instruction ({@code StatementTag}, its source line). The node computes nothing: what the
 * instruction does stays in {@link FilterBodyNode}'s dispatch loop (one meaning per instruction), which executes this
 * node just before the instruction runs. Only its wrapper does something, reporting enter and return to the
 * instruments attached; without instruments the body never creates these nodes.
 *
 * <p>Its scope ({@link NodeLibrary}) shows the registers as the instruction is about to see them: {@code A}, {@code X}
 * and {@code M} (the 16 scratch words), as unsigned 32-bit values.
 */
@GenerateWrapper
@ExportLibrary(NodeLibrary.class)
public class InstructionNode extends StatementNode {
    private final int pc;
    private final InstructionSource source;

    InstructionNode(int pc, InstructionSource source) {
        this.pc = pc;
        this.source = source;
    }

    /** For the generated wrapper. */
    protected InstructionNode(InstructionNode copy) {
        this.pc = copy.pc;
        this.source = copy.source;
    }

    /** Marks the moment before the instruction runs; the instruction itself is the body's. */
    public void execute(@SuppressWarnings("unused") VirtualFrame frame) {}

    /** The instruction's index in the program. */
    public final int pc() {
        return pc;
    }

    @Override
    protected SourceSection statementSection() {
        return source.instruction(pc);
    }

    @Override
    public WrapperNode createWrapper(ProbeNode probe) {
        return new InstructionNodeWrapper(this, this, probe);
    }

    @ExportMessage
    final boolean hasScope(@SuppressWarnings("unused") Frame frame) {
        return true;
    }

    @ExportMessage
    final Object getScope(Frame frame, @SuppressWarnings("unused") boolean nodeEnter) {
        return scope(ProgramBodyNode.registers(frame));
    }

    @TruffleBoundary
    private Object scope(int[] registers) {
        return new RegisterScope(registers, pc, source.language());
    }
}
