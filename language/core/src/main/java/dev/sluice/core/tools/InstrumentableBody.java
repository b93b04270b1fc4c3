package dev.sluice.core.tools;

import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;
import com.oracle.truffle.api.instrumentation.InstrumentableNode;
import com.oracle.truffle.api.instrumentation.StandardTags;
import com.oracle.truffle.api.instrumentation.Tag;
import com.oracle.truffle.api.nodes.Node;
import com.oracle.truffle.api.source.SourceSection;
import java.util.Set;
import java.util.concurrent.locks.Lock;

/**
 * The body of a program's root as instruments see it: the root's {@code RootTag} node, whose statements
 * ({@link StatementNode}s) are created only when an instrument first asks for them. Until then the body's field for
 * them is null and compilation-final, so without instruments the compiled code has none of it; the first request adds
 * them once, under the AST lock, however many threads ask.
 *
 * <p>Each language's body declares its own execute method and {@code @GenerateWrapper}, and says when it is
 * instrumentable (a body without a source, e.g. bpf's constant-time one, is not).
 */
public abstract class InstrumentableBody extends Node implements InstrumentableNode {
    @Override
    public final boolean hasTag(Class<? extends Tag> tag) {
        return tag == StandardTags.RootTag.class || tag == StandardTags.RootBodyTag.class;
    }

    @Override
    @TruffleBoundary
    public final SourceSection getSourceSection() {
        return bodySection();
    }

    /** Adds the statement nodes the first time an instrument asks for statements (StatementTag). */
    @Override
    @TruffleBoundary
    public final InstrumentableNode materializeInstrumentableNodes(Set<Class<? extends Tag>> materializedTags) {
        if (materializedTags.contains(StandardTags.StatementTag.class) && isInstrumentable() && !hasStatements()) {
            Lock lock = getLock();
            lock.lock();
            try {
                if (!hasStatements()) {
                    addStatements();
                }
            } finally {
                lock.unlock();
            }
        }
        return this;
    }

    /** The whole program (or its listing), or null when it has none. */
    protected abstract SourceSection bodySection();

    /** Whether the statement nodes are there. */
    protected abstract boolean hasStatements();

    /** Creates the statement nodes, inserts them and reports them ({@code notifyInserted}); runs under the lock. */
    protected abstract void addStatements();
}
