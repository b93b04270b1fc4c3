package dev.sluice.scpl.nodes;

import com.oracle.truffle.api.CompilerDirectives;
import com.oracle.truffle.api.TruffleLanguage;
import com.oracle.truffle.api.TruffleLanguage.ContextReference;
import com.oracle.truffle.api.frame.FrameDescriptor;
import com.oracle.truffle.api.frame.FrameSlotKind;
import com.oracle.truffle.api.frame.VirtualFrame;
import com.oracle.truffle.api.nodes.RootNode;
import com.oracle.truffle.api.source.SourceSection;
import dev.sluice.core.error.CoreFailure;
import dev.sluice.core.error.SluiceException;
import dev.sluice.core.interop.InputAccess;
import dev.sluice.core.interop.LanguageContext;
import dev.sluice.core.seccomp.Arch;
import dev.sluice.scpl.policy.Policy;

/**
 * The SCPL AST interpreter's root: checks the argument (a 64-byte struct seccomp_data) and runs the policy's body.
 * Every loop below is over a compilation-constant node array, so Graal unrolls a policy into straight-line tests.
 */
public final class PolicyRootNode extends RootNode {
    /** The frame slot holding the call's struct seccomp_data, so a debugger shows it at a rule. */
    static final int DATA_SLOT = 0;

    @Child
    private PolicyBodyNode body;

    private final RuleSources sources;
    private final ContextReference<? extends LanguageContext> contexts;

    /**
     * @param contexts the language's context reference (for host input access)
     * @param sources the policy's sources (then instruments see its rules), or null
     */
    public PolicyRootNode(
            TruffleLanguage<?> language,
            ContextReference<? extends LanguageContext> contexts,
            Policy policy,
            Arch byteOrderOf,
            RuleSources sources) {
        super(language, frameDescriptor());
        this.contexts = contexts;
        this.sources = sources;
        this.body = new PolicyBodyNode(policy, byteOrderOf.bigEndian(), sources);
    }

    private static FrameDescriptor frameDescriptor() {
        FrameDescriptor.Builder builder = FrameDescriptor.newBuilder(1);
        int slot = builder.addSlot(FrameSlotKind.Object, "seccomp_data", null);
        assert slot == DATA_SLOT;
        return builder.build();
    }

    @Override
    public Object execute(VirtualFrame frame) {
        Object[] args = frame.getArguments();
        if (args.length < 1) {
            CompilerDirectives.transferToInterpreter();
            throw SluiceException.atNode(
                    this, CoreFailure.BAD_INPUT, "a policy takes a 64-byte struct seccomp_data as argument");
        }
        byte[] data = InputAccess.bytes(args[0], contexts.get(this).env(), this);
        if (data.length != 64) {
            CompilerDirectives.transferToInterpreter();
            throw SluiceException.atNode(this, CoreFailure.SECCOMP_INPUT_SIZE, data.length);
        }
        frame.setObject(DATA_SLOT, data);
        return body.execute(frame, data);
    }

    @Override
    public SourceSection getSourceSection() {
        return sources == null ? null : sources.policy();
    }

    @Override
    public String getName() {
        return "scpl-policy";
    }

    @Override
    public String toString() {
        return getName();
    }
}
