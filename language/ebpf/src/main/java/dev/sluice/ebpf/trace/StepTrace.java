package dev.sluice.ebpf.trace;

import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;
import com.oracle.truffle.api.frame.VirtualFrame;
import com.oracle.truffle.api.instrumentation.EventContext;
import com.oracle.truffle.api.instrumentation.ExecutionEventNode;
import com.oracle.truffle.api.instrumentation.Instrumenter;
import com.oracle.truffle.api.instrumentation.SourceSectionFilter;
import com.oracle.truffle.api.instrumentation.StandardTags;
import dev.sluice.core.tools.StepRecorder;
import dev.sluice.ebpf.nodes.FunctionBodyNode;
import dev.sluice.ebpf.nodes.InstructionNode;

/**
 * Records, between {@link #begin} and {@link #end}, each eBPF instruction the engine enters and the registers r0-r10
 * it is about to see, read from the frame of the function's root (where the body keeps them while instruments are
 * attached). The statement nodes exist once {@link #start} has been called; programs are then recorded from their
 * first run. {@code sluice explain --lang ebpf} uses it; it observes the interpreter, it does not run instructions.
 */
public final class StepTrace extends StepRecorder<StepTrace.Entry> {
    /** One instruction entered: its slot, its text in the program's listing, and r0-r10 on entry (a copy). */
    public record Entry(int pc, String instruction, long[] registers) {}

    StepTrace(Instrumenter instrumenter) {
        super(instrumenter);
    }

    /** The instructions of every eBPF program. */
    @Override
    protected SourceSectionFilter statements() {
        return SourceSectionFilter.newBuilder()
                .tagIs(StandardTags.StatementTag.class)
                .sourceIs(source -> "ebpf".equals(source.getLanguage()))
                .build();
    }

    @Override
    protected ExecutionEventNode observer(EventContext context) {
        return context.getInstrumentedNode() instanceof InstructionNode instruction
                ? new EnteringNode(
                        this,
                        instruction.pc(),
                        context.getInstrumentedSourceSection()
                                .getCharacters()
                                .toString()
                                .strip())
                : null;
    }

    @TruffleBoundary
    void entered(int pc, String instruction, long[] registers) {
        record(new Entry(pc, instruction, registers != null ? registers : new long[11]));
    }

    /** Reports the entry of one instruction with the registers the body keeps in the frame for instruments. */
    private static final class EnteringNode extends ExecutionEventNode {
        private final StepTrace trace;
        private final int pc;
        private final String instruction;

        EnteringNode(StepTrace trace, int pc, String instruction) {
            this.trace = trace;
            this.pc = pc;
            this.instruction = instruction;
        }

        @Override
        protected void onEnter(VirtualFrame frame) {
            trace.entered(pc, instruction, FunctionBodyNode.registers(frame));
        }
    }
}
