package dev.sluice.core.tools;

import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;
import com.oracle.truffle.api.instrumentation.EventBinding;
import com.oracle.truffle.api.instrumentation.EventContext;
import com.oracle.truffle.api.instrumentation.ExecutionEventNode;
import com.oracle.truffle.api.instrumentation.Instrumenter;
import com.oracle.truffle.api.instrumentation.SourceSectionFilter;
import java.util.ArrayList;
import java.util.List;

/**
 * What a language's step trace instrument shares with the others': it attaches event nodes to the language's
 * statements ({@link #start}, {@link #stop}) and records, between {@link #begin} and {@link #end}, the entries they
 * report. A language says which statements ({@link #statements}), which node observes each ({@link #observer}), and
 * what an entry is.
 *
 * @param <E> one recorded step
 */
public abstract class StepRecorder<E> {
    private final Instrumenter instrumenter;
    private EventBinding<?> binding;
    private List<E> entries;

    protected StepRecorder(Instrumenter instrumenter) {
        this.instrumenter = instrumenter;
    }

    /** The statements to observe. */
    protected abstract SourceSectionFilter statements();

    /** The node that observes one statement and calls {@link #record}, or null to leave it alone. */
    protected abstract ExecutionEventNode observer(EventContext context);

    /** Attaches to the statements (programs then get their statement nodes from their next run). Idempotent. */
    public final synchronized void start() {
        if (binding == null) {
            binding = instrumenter.attachExecutionEventFactory(statements(), this::observer);
        }
    }

    /** Detaches; runs from now on are not observed. */
    public final synchronized void stop() {
        if (binding != null) {
            binding.dispose();
            binding = null;
        }
    }

    /** Starts recording (what was recorded before is dropped). */
    public final synchronized void begin() {
        entries = new ArrayList<>();
    }

    /** Stops recording; returns the entries since {@link #begin}, in the order they came. */
    public final synchronized List<E> end() {
        List<E> out = entries == null ? List.of() : List.copyOf(entries);
        entries = null;
        return out;
    }

    /** Called by an observer node: keeps the entry while recording. */
    @TruffleBoundary
    protected final synchronized void record(E entry) {
        if (entries != null) {
            entries.add(entry);
        }
    }
}
