package dev.sluice.inetdiag.nodes;

import com.oracle.truffle.api.TruffleLanguage;
import com.oracle.truffle.api.frame.VirtualFrame;
import com.oracle.truffle.api.nodes.RootNode;

/** The result of evaluating a source: the loaded filter object. */
public final class ConstantRootNode extends RootNode {
    private final Object value;

    public ConstantRootNode(TruffleLanguage<?> language, Object value) {
        super(language);
        this.value = value;
    }

    @Override
    public Object execute(VirtualFrame frame) {
        return value;
    }
}
