package dev.sluice.scpl.nodes;

import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;
import com.oracle.truffle.api.frame.Frame;
import com.oracle.truffle.api.frame.VirtualFrame;
import com.oracle.truffle.api.instrumentation.GenerateWrapper;
import com.oracle.truffle.api.instrumentation.ProbeNode;
import com.oracle.truffle.api.interop.NodeLibrary;
import com.oracle.truffle.api.library.ExportLibrary;
import com.oracle.truffle.api.library.ExportMessage;
import com.oracle.truffle.api.source.SourceSection;
import dev.sluice.core.tools.StatementNode;
import dev.sluice.scpl.policy.Rule;

/**
 * Where instruments see one rule ({@code StatementTag}, the rule's text in its .scpl file) consulted for a call it
 * names, and its outcome. The node decides nothing: the rule's condition is evaluated by {@link AbiNode}'s loop (one
 * meaning per rule), which passes the outcome through this node; instruments see it as the statement's return value
 * ({@code true}: the rule decided the verdict). Without instruments the policy never creates these nodes.
 *
 * <p>Its scope ({@link NodeLibrary}) shows the call as the rule sees it ({@code nr}, {@code arch}, {@code arg0} to
 * {@code arg5}, {@code instruction_pointer}) and the rule ({@code condition}, {@code action}).
 */
@GenerateWrapper
@ExportLibrary(NodeLibrary.class)
public class RuleStatementNode extends StatementNode {
    private final Rule rule;
    private final RuleSources sources;
    private final boolean bigEndian;

    RuleStatementNode(Rule rule, RuleSources sources, boolean bigEndian) {
        this.rule = rule;
        this.sources = sources;
        this.bigEndian = bigEndian;
    }

    /** For the generated wrapper. */
    protected RuleStatementNode(RuleStatementNode copy) {
        this.rule = copy.rule;
        this.sources = copy.sources;
        this.bigEndian = copy.bigEndian;
    }

    /** Reports the rule's outcome to the instruments attached; returns it unchanged. */
    public boolean execute(@SuppressWarnings("unused") VirtualFrame frame, boolean holds) {
        return holds;
    }

    /** The checked rule this statement stands for. */
    public final Rule rule() {
        return rule;
    }

    @Override
    protected SourceSection statementSection() {
        return sources.rule(rule);
    }

    @Override
    public WrapperNode createWrapper(ProbeNode probe) {
        return new RuleStatementNodeWrapper(this, this, probe);
    }

    @ExportMessage
    final boolean hasScope(@SuppressWarnings("unused") Frame frame) {
        return true;
    }

    @ExportMessage
    final Object getScope(Frame frame, @SuppressWarnings("unused") boolean nodeEnter) {
        Object data = frame != null && frame.isObject(PolicyRootNode.DATA_SLOT)
                ? frame.getObject(PolicyRootNode.DATA_SLOT)
                : null;
        return scope(data instanceof byte[] d ? d : null);
    }

    @TruffleBoundary
    private Object scope(byte[] data) {
        return new RuleScope(data == null ? null : data.clone(), bigEndian, rule, sources.language());
    }
}
