package dev.sluice.ebpf.trace;

import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;
import com.oracle.truffle.api.frame.VirtualFrame;
import com.oracle.truffle.api.instrumentation.EventBinding;
import com.oracle.truffle.api.instrumentation.ExecutionEventNode;
import com.oracle.truffle.api.instrumentation.Instrumenter;
import com.oracle.truffle.api.instrumentation.SourceSectionFilter;
import com.oracle.truffle.api.instrumentation.StandardTags;
import dev.sluice.ebpf.nodes.FunctionBodyNode;
import dev.sluice.ebpf.nodes.InstructionNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Records, between {@link #begin} and {@link #end}, each eBPF instruction the engine enters and the registers r0-r10
 * it is about to see, read from the frame of the function's root (where the body keeps them while instruments are
 * attached). The statement nodes exist once {@link #start} has been called; programs are then recorded from their
 * first run. {@code sluice explain --lang ebpf} uses it; it observes the interpreter, it does not run instructions.
 */
public final class StepTrace {
    /** One instruction entered: its slot, its text in the program's listing, and r0-r10 on entry (a copy). */
    public record Entry(int pc, String instruction, long[] registers) {}

    private final Instrumenter instrumenter;
    private EventBinding<?> binding;
    private List<Entry> entries;

    StepTrace(Instrumenter instrumenter) {
        this.instrumenter = instrumenter;
    }

    /** Attaches to the instructions of every eBPF program. Idempotent. */
    public synchronized void start() {
        if (binding == null) {
            SourceSectionFilter statements = SourceSectionFilter.newBuilder()
                    .tagIs(StandardTags.StatementTag.class)
                    .sourceIs(source -> "ebpf".equals(source.getLanguage()))
                    .build();
            binding = instrumenter.attachExecutionEventFactory(
                    statements,
                    context -> context.getInstrumentedNode() instanceof InstructionNode instruction
                            ? new EnteringNode(
                                    this,
                                    instruction.pc(),
                                    context.getInstrumentedSourceSection()
                                            .getCharacters()
                                            .toString()
                                            .strip())
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
    synchronized void entered(int pc, String instruction, Object registers) {
        if (entries != null) {
            entries.add(new Entry(pc, instruction, registers instanceof long[] r ? r.clone() : new long[11]));
        }
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
            trace.entered(
                    pc,
                    instruction,
                    frame.isObject(FunctionBodyNode.REGISTERS_SLOT)
                            ? frame.getObject(FunctionBodyNode.REGISTERS_SLOT)
                            : null);
        }
    }
}
