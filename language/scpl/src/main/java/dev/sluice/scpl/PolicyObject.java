package dev.sluice.scpl;

import com.oracle.truffle.api.CallTarget;
import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;
import com.oracle.truffle.api.dsl.Cached;
import com.oracle.truffle.api.interop.InteropLibrary;
import com.oracle.truffle.api.interop.TruffleObject;
import com.oracle.truffle.api.library.ExportLibrary;
import com.oracle.truffle.api.library.ExportMessage;
import dev.sluice.core.interop.CallTargetDispatchNode;
import dev.sluice.core.seccomp.Arch;
import dev.sluice.scpl.nodes.PolicyRootNode;
import dev.sluice.scpl.nodes.RuleSources;
import dev.sluice.scpl.policy.Policy;

/** A checked policy as embedders see it: executable on a 64-byte struct seccomp_data, returning the verdict. */
@ExportLibrary(InteropLibrary.class)
public final class PolicyObject implements TruffleObject {
    private final Policy policy;
    final CallTarget target;

    /** @param sources where the policy's rules are written (instruments see them), or null */
    public PolicyObject(ScplLanguage language, Policy policy, Arch byteOrderOf, RuleSources sources) {
        this.policy = policy;
        this.target = new PolicyRootNode(language, ScplContext.REFERENCE, policy, byteOrderOf, sources).getCallTarget();
    }

    public Policy policy() {
        return policy;
    }

    @ExportMessage
    boolean isExecutable() {
        return true;
    }

    @ExportMessage
    Object execute(Object[] arguments, @Cached CallTargetDispatchNode dispatch) {
        return dispatch.execute(target, arguments);
    }

    @ExportMessage
    @TruffleBoundary
    Object toDisplayString(boolean allowSideEffects) {
        return "scpl policy (" + policy.rules().size() + " rules, arches " + policy.arches() + ", default "
                + policy.defaultAction() + ")";
    }
}
