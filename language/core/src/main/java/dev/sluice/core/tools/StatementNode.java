package dev.sluice.core.tools;

import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;
import com.oracle.truffle.api.instrumentation.InstrumentableNode;
import com.oracle.truffle.api.instrumentation.StandardTags;
import com.oracle.truffle.api.instrumentation.Tag;
import com.oracle.truffle.api.nodes.Node;
import com.oracle.truffle.api.source.SourceSection;

/**
 * Where instruments see one step of a program: a {@code StatementTag} node with its own source section (an
 * instruction's line, an op's line of a listing, a rule's text). Every language's statement node computes nothing
 * itself: its body's dispatch loop executes it beside the step it stands for, and only the wrapper Truffle generates
 * does something, reporting enter and return to the instruments attached.
 *
 * <p>Each language's subclass declares its own {@code execute} method and carries {@code @GenerateWrapper}: Truffle
 * generates the wrapper for the class that declares the execute methods, and the languages' differ (bpf and eBPF report
 * a moment, inetdiag and SCPL pass an outcome through).
 */
public abstract class StatementNode extends Node implements InstrumentableNode {
    @Override
    public final boolean isInstrumentable() {
        return true;
    }

    @Override
    public final boolean hasTag(Class<? extends Tag> tag) {
        return tag == StandardTags.StatementTag.class;
    }

    @Override
    @TruffleBoundary
    public final SourceSection getSourceSection() {
        return statementSection();
    }

    /** The step's text: its line of the program or its listing, or the rule as written. */
    protected abstract SourceSection statementSection();
}
