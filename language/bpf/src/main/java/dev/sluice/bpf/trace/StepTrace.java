package dev.sluice.bpf.trace;

import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;
import com.oracle.truffle.api.frame.VirtualFrame;
import com.oracle.truffle.api.instrumentation.EventContext;
import com.oracle.truffle.api.instrumentation.ExecutionEventNode;
import com.oracle.truffle.api.instrumentation.Instrumenter;
import com.oracle.truffle.api.instrumentation.SourceSectionFilter;
import com.oracle.truffle.api.instrumentation.StandardTags;
import dev.sluice.bpf.nodes.InstructionNode;
import dev.sluice.bpf.nodes.ProgramBodyNode;
import dev.sluice.core.tools.StepRecorder;

/**
 * Records, between {@link #begin} and {@link #end}, each classic BPF instruction the engine enters and the register
 * file (A, X, M[0..15]) it is about to see, read from the frame of the filter's root as a debugger reads it. The
 * statement nodes exist once {@link #start} has been called; programs are then recorded from their first run.
 */
public final class StepTrace extends StepRecorder<StepTrace.Entry> {
    /** One instruction entered: its index and the registers on entry (A, X, then M[0..15]; a copy). */
    public record Entry(int pc, int[] registers) {
        public int a() {
            return registers[0];
        }

        public int x() {
            return registers[1];
        }

        /** The 16 scratch words. */
        public int[] m() {
            return java.util.Arrays.copyOfRange(registers, 2, registers.length);
        }
    }

    StepTrace(Instrumenter instrumenter) {
        super(instrumenter);
    }

    /** The statements of every bpf program. */
    @Override
    protected SourceSectionFilter statements() {
        return SourceSectionFilter.newBuilder()
                .tagIs(StandardTags.StatementTag.class)
                .build();
    }

    @Override
    protected ExecutionEventNode observer(EventContext context) {
        return context.getInstrumentedNode() instanceof InstructionNode instruction
                ? new EnteringNode(this, instruction.pc())
                : null;
    }

    @TruffleBoundary
    void entered(int pc, int[] registers) {
        record(new Entry(pc, registers != null ? registers : new int[ProgramBodyNode.REGISTER_SLOTS]));
    }

    /** Reports the entry of one instruction with the register file the body keeps in the frame for instruments. */
    private static final class EnteringNode extends ExecutionEventNode {
        private final StepTrace trace;
        private final int pc;

        EnteringNode(StepTrace trace, int pc) {
            this.trace = trace;
            this.pc = pc;
        }

        @Override
        protected void onEnter(VirtualFrame frame) {
            trace.entered(pc, ProgramBodyNode.registers(frame));
        }
    }
}
