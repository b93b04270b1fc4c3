package dev.sluice.core.coverage;

import com.oracle.truffle.api.frame.VirtualFrame;
import com.oracle.truffle.api.instrumentation.EventBinding;
import com.oracle.truffle.api.instrumentation.ExecutionEventNode;
import com.oracle.truffle.api.instrumentation.Instrumenter;
import com.oracle.truffle.api.instrumentation.SourceSectionFilter;
import com.oracle.truffle.api.instrumentation.StandardTags;
import com.oracle.truffle.api.nodes.Node;
import com.oracle.truffle.api.source.Source;
import com.oracle.truffle.api.source.SourceSection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the runs of every instruction of one language's programs loaded while it is on, from the instructions'
 * statement events (the interpreter's own statement nodes); instructions that never ran are listed with 0 (they are
 * known when their program is loaded). Programs are identified by the source instruments see: a text program's own
 * source, or a listing of the program. The bpf and ebpf coverage instruments are this with their own statement class.
 */
public abstract class InstructionCounts {
    /** One instruction: its index, its 1-based line in the program's source, and how many times it ran. */
    public record InstructionCount(int pc, int line, long count) {}

    /**
     * The instructions of one program, by index.
     *
     * @param name the source's name
     * @param path the source's file path, or null
     */
    public record ProgramCoverage(String name, String path, List<InstructionCount> instructions) {
        /** How many instructions ran at least once. */
        public int covered() {
            return (int) instructions.stream().filter(i -> i.count() > 0).count();
        }
    }

    private final Instrumenter instrumenter;
    /** Per program source, per instruction index: its line and counter. Shared by the roots of one program. */
    private final Map<Source, TreeMap<Integer, Counter>> counters = new LinkedHashMap<>();

    private EventBinding<?> loading;
    private EventBinding<?> counting;

    protected InstructionCounts(Instrumenter instrumenter) {
        this.instrumenter = instrumenter;
    }

    /**
     * The index of the instruction {@code node} stands for, or -1 when it is not an instruction of this language to
     * count (another language's statement, or a slot that is no instruction of its own).
     */
    protected abstract int instructionIndex(Node node);

    private record Counter(int line, AtomicLong count) {}

    /** Starts counting: programs loaded or run from now on are covered. Idempotent. */
    public final synchronized void start() {
        if (counting != null) {
            return;
        }
        SourceSectionFilter statements = SourceSectionFilter.newBuilder()
                .tagIs(StandardTags.StatementTag.class)
                .build();
        loading = instrumenter.attachLoadSourceSectionListener(statements, event -> counter(event.getNode()), true);
        counting = instrumenter.attachExecutionEventFactory(statements, context -> {
            Counter c = counter(context.getInstrumentedNode());
            return c == null ? null : new CountingNode(c.count());
        });
    }

    /** Stops counting; the counts so far stay readable. */
    public final synchronized void stop() {
        if (counting != null) {
            counting.dispose();
            loading.dispose();
            counting = null;
            loading = null;
        }
    }

    /** The counts so far, per program in the order they were loaded, instructions by index. */
    public final synchronized List<ProgramCoverage> results() {
        List<ProgramCoverage> out = new ArrayList<>();
        for (Map.Entry<Source, TreeMap<Integer, Counter>> e : counters.entrySet()) {
            List<InstructionCount> instructions = new ArrayList<>();
            e.getValue()
                    .forEach((pc, c) -> instructions.add(
                            new InstructionCount(pc, c.line(), c.count().get())));
            out.add(new ProgramCoverage(e.getKey().getName(), e.getKey().getPath(), List.copyOf(instructions)));
        }
        return out;
    }

    private synchronized Counter counter(Node node) {
        int pc = instructionIndex(node);
        if (pc < 0) {
            return null;
        }
        SourceSection section = node.getSourceSection();
        return counters.computeIfAbsent(section.getSource(), s -> new TreeMap<>())
                .computeIfAbsent(pc, p -> new Counter(section.getStartLine(), new AtomicLong()));
    }

    /** Counts the entries of one instruction. */
    private static final class CountingNode extends ExecutionEventNode {
        private final AtomicLong count;

        CountingNode(AtomicLong count) {
            this.count = count;
        }

        @Override
        protected void onEnter(VirtualFrame frame) {
            count.incrementAndGet();
        }
    }
}
