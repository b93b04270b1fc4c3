package dev.sluice.inetdiag.nodes;

import com.oracle.truffle.api.TruffleLanguage;
import com.oracle.truffle.api.frame.VirtualFrame;
import com.oracle.truffle.api.nodes.RootNode;
import com.oracle.truffle.api.source.SourceSection;
import dev.sluice.inetdiag.lower.LoweredFilter;
import dev.sluice.inetdiag.runtime.SocketEntry;

/** One filter as a call target: argument 0 is a {@link SocketEntry}, the result whether the filter selects it. */
public final class FilterRootNode extends RootNode {
    @Child
    private FilterBodyNode body;

    private final String name;

    private final OpListing listing;

    /** @param listing the ops as instruments see them, or null (then instruments see nothing of this filter) */
    public FilterRootNode(TruffleLanguage<?> language, LoweredFilter filter, String name, OpListing listing) {
        super(language);
        this.body = new FilterBodyNode(filter, listing);
        this.name = name;
        this.listing = listing;
    }

    @Override
    public Object execute(VirtualFrame frame) {
        return body.execute(frame, (SocketEntry) frame.getArguments()[0]);
    }

    @Override
    public SourceSection getSourceSection() {
        return listing == null ? null : listing.program();
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public String toString() {
        return name;
    }
}
