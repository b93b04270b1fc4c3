package dev.sluice.inetdiag.nodes;

import com.oracle.truffle.api.TruffleLanguage;
import com.oracle.truffle.api.frame.VirtualFrame;
import com.oracle.truffle.api.nodes.RootNode;

import dev.sluice.inetdiag.lower.LoweredFilter;
import dev.sluice.inetdiag.runtime.SocketEntry;

/** One filter as a call target: argument 0 is a {@link SocketEntry}, the result whether the filter selects it. */
public final class FilterRootNode extends RootNode {
    @Child private FilterBodyNode body;
    private final String name;

    public FilterRootNode(TruffleLanguage<?> language, LoweredFilter filter, String name) {
        super(language);
        this.body = new FilterBodyNode(filter);
        this.name = name;
    }

    @Override
    public Object execute(VirtualFrame frame) {
        return body.execute((SocketEntry) frame.getArguments()[0]);
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
