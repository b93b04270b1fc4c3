package dev.sluice.core.interop;

import com.oracle.truffle.api.CallTarget;
import com.oracle.truffle.api.dsl.Cached;
import com.oracle.truffle.api.dsl.GenerateInline;
import com.oracle.truffle.api.dsl.GenerateUncached;
import com.oracle.truffle.api.dsl.Specialization;
import com.oracle.truffle.api.nodes.DirectCallNode;
import com.oracle.truffle.api.nodes.IndirectCallNode;
import com.oracle.truffle.api.nodes.Node;

/**
 * Calls the call target behind an executable guest object (a filter, a filter handle, an SCPL policy): directly, so
 * Graal can inline it, for up to three targets seen at one call site; indirectly after that.
 */
@GenerateUncached
@GenerateInline(false)
public abstract class CallTargetDispatchNode extends Node {
    public abstract Object execute(CallTarget target, Object[] arguments);

    @Specialization(guards = "target == cachedTarget", limit = "3")
    static Object doDirect(
            CallTarget target,
            Object[] arguments,
            @Cached("target") CallTarget cachedTarget,
            @Cached("create(cachedTarget)") DirectCallNode call) {
        return call.call(arguments);
    }

    @Specialization(replaces = "doDirect")
    static Object doIndirect(CallTarget target, Object[] arguments, @Cached IndirectCallNode call) {
        return call.call(target, arguments);
    }
}
