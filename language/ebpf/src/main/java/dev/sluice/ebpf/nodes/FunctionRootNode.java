package dev.sluice.ebpf.nodes;

import com.oracle.truffle.api.TruffleLanguage;
import com.oracle.truffle.api.frame.VirtualFrame;
import com.oracle.truffle.api.nodes.RootNode;
import dev.sluice.core.interop.CallerInlining;
import dev.sluice.ebpf.runtime.RunState;

/**
 * A local (bpf-to-bpf) function as its own call target: arguments {@code (RunState, frame, r1..r5)}, result r0.
 * Callers reach it through a DirectCallNode (static calls, which Graal can inline) or an IndirectCallNode (callx).
 */
public final class FunctionRootNode extends RootNode implements ProgramNamed {
    @Child
    private FunctionBodyNode body;

    private final String name;
    /** Whether callers' compilations must not inline this function ({@link CallerInlining}). */
    private final boolean neverInlined;

    public FunctionRootNode(TruffleLanguage<?> language, FunctionBodyNode body, String name) {
        super(language, FunctionBodyNode.frameDescriptor());
        this.body = body;
        this.name = name;
        this.neverInlined = CallerInlining.refused(body.functionLength());
    }

    public FunctionBodyNode body() {
        return body;
    }

    @Override
    public Object execute(VirtualFrame frame) {
        CallerInlining.stopExploration(neverInlined);
        Object[] a = frame.getArguments();
        // The function's own program's key: a tail call's target is another program, with another key.
        return body.execute(
                frame,
                (RunState) a[0],
                (int) a[1],
                (long) a[2],
                (long) a[3],
                (long) a[4],
                (long) a[5],
                (long) a[6],
                body.blindingKey());
    }

    /** The program's name: this root's is the program's with {@code @ENTRY} of the function. */
    @Override
    public String programName() {
        int at = name.lastIndexOf('@');
        return at < 0 ? name : name.substring(0, at);
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
