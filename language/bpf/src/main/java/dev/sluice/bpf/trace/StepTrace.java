package dev.sluice.bpf.trace;

import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;
import com.oracle.truffle.api.frame.VirtualFrame;
import com.oracle.truffle.api.instrumentation.EventBinding;
import com.oracle.truffle.api.instrumentation.ExecutionEventNode;
import com.oracle.truffle.api.instrumentation.Instrumenter;
import com.oracle.truffle.api.instrumentation.SourceSectionFilter;
import com.oracle.truffle.api.instrumentation.StandardTags;
import dev.sluice.bpf.nodes.InstructionNode;
import dev.sluice.bpf.nodes.ProgramBodyNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Records, between {@link #begin} and {@link #end}, each classic BPF instruction the engine enters and the register
 * file (A, X, M[0..15]) it is about to see, read from the frame of the filter's root as a debugger reads it. The
 * statement nodes exist once {@link #start} has been called; programs are then recorded from their first run.
 */
public final class StepTrace {
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

    private final Instrumenter instrumenter;
    private EventBinding<?> binding;
    private List<Entry> entries;

    StepTrace(Instrumenter instrumenter) {
        this.instrumenter = instrumenter;
    }

    /** Attaches to the statements of every bpf program. Idempotent. */
    public synchronized void start() {
        if (binding == null) {
            SourceSectionFilter statements = SourceSectionFilter.newBuilder()
                    .tagIs(StandardTags.StatementTag.class)
                    .build();
            binding = instrumenter.attachExecutionEventFactory(
                    statements,
                    context -> context.getInstrumentedNode() instanceof InstructionNode instruction
                            ? new EnteringNode(this, instruction.pc())
                            : null);
        }
    }

    /** Detaches; runs from now on are not observed. */
    public synchronized void stop() {
        if (binding != null) {
            binding.dispose();
            binding = null;
        }
    }

    /** Starts recording the instructions entered (those recorded before are dropped). */
    public synchronized void begin() {
        entries = new ArrayList<>();
    }

    /** Stops recording; returns the instructions entered since {@link #begin}, in order. */
    public synchronized List<Entry> end() {
        List<Entry> out = entries == null ? List.of() : List.copyOf(entries);
        entries = null;
        return out;
    }

    @TruffleBoundary
    synchronized void entered(int pc, Object registers) {
        if (entries != null) {
            entries.add(new Entry(pc, registers instanceof int[] r ? r.clone() : new int[2 + 16]));
        }
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
            trace.entered(
                    pc,
                    frame.isObject(ProgramBodyNode.REGISTERS_SLOT)
                            ? frame.getObject(ProgramBodyNode.REGISTERS_SLOT)
                            : null);
        }
    }
}
