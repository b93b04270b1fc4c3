package dev.sluice.inetdiag.trace;

import com.oracle.truffle.api.frame.VirtualFrame;
import com.oracle.truffle.api.instrumentation.EventBinding;
import com.oracle.truffle.api.instrumentation.EventContext;
import com.oracle.truffle.api.instrumentation.ExecutionEventListener;
import com.oracle.truffle.api.instrumentation.Instrumenter;
import com.oracle.truffle.api.instrumentation.SourceSectionFilter;
import com.oracle.truffle.api.instrumentation.StandardTags;
import com.oracle.truffle.api.source.SourceSection;
import java.util.ArrayList;
import java.util.List;

/**
 * The ops INET-DIAG filters ran while recording, in order, each with the branch it took. It observes the
 * interpreter's own op statements (their outcome is the statement's return value), so what it shows is what ran.
 */
public final class OpTrace {
    /** One op run: its line in the filter's op listing, that line's text, and whether it took its yes branch. */
    public record Step(int line, String op, boolean yes) {}

    private final Instrumenter instrumenter;
    private final List<Step> steps = new ArrayList<>();
    private EventBinding<?> binding;

    OpTrace(Instrumenter instrumenter) {
        this.instrumenter = instrumenter;
    }

    /** Starts recording (filters run from now on); clears what was recorded. */
    public synchronized void start() {
        steps.clear();
        if (binding != null) {
            return;
        }
        SourceSectionFilter ops = SourceSectionFilter.newBuilder()
                .tagIs(StandardTags.StatementTag.class)
                .sourceIs(source -> "inetdiag".equals(source.getLanguage()))
                .build();
        binding = instrumenter.attachExecutionEventListener(ops, new ExecutionEventListener() {
            @Override
            public void onEnter(EventContext context, VirtualFrame frame) {}

            @Override
            public void onReturnValue(EventContext context, VirtualFrame frame, Object result) {
                record(context.getInstrumentedSourceSection(), Boolean.TRUE.equals(result));
            }

            @Override
            public void onReturnExceptional(EventContext context, VirtualFrame frame, Throwable exception) {}
        });
    }

    private synchronized void record(SourceSection op, boolean yes) {
        steps.add(new Step(op.getStartLine(), op.getCharacters().toString().strip(), yes));
    }

    /** Stops recording; what was recorded stays readable. */
    public synchronized void stop() {
        if (binding != null) {
            binding.dispose();
            binding = null;
        }
    }

    /** The ops recorded since {@link #start}, in the order they ran. */
    public synchronized List<Step> steps() {
        return List.copyOf(steps);
    }
}
