package dev.sluice.inetdiag.nodes;

import com.oracle.truffle.api.frame.VirtualFrame;
import com.oracle.truffle.api.instrumentation.GenerateWrapper;
import com.oracle.truffle.api.instrumentation.ProbeNode;
import com.oracle.truffle.api.source.SourceSection;
import dev.sluice.core.tools.StatementNode;

/**
 * Where instruments see one op ({@code StatementTag}, its listing line) and its outcome. The node decides nothing: the
 * condition is evaluated by {@link FilterBodyNode}'s dispatch loop (one meaning per op), which passes the outcome
 * through this node; instruments see it as the statement's return value ({@code true}: the op's yes branch).
 * Without instruments the body never creates these nodes.
 */
@GenerateWrapper
public class OpNode extends StatementNode {
    private final int pc;
    private final OpListing listing;

    OpNode(int pc, OpListing listing) {
        this.pc = pc;
        this.listing = listing;
    }

    /** For the generated wrapper. */
    protected OpNode(OpNode copy) {
        this.pc = copy.pc;
        this.listing = copy.listing;
    }

    /** Reports op {@code pc}'s outcome to the instruments attached; returns it unchanged. */
    public boolean execute(@SuppressWarnings("unused") VirtualFrame frame, boolean yes) {
        return yes;
    }

    @Override
    protected SourceSection statementSection() {
        return listing.op(pc);
    }

    @Override
    public WrapperNode createWrapper(ProbeNode probe) {
        return new OpNodeWrapper(this, this, probe);
    }
}
