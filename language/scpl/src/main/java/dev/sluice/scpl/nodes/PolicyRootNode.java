package dev.sluice.scpl.nodes;

import com.oracle.truffle.api.CompilerDirectives;
import com.oracle.truffle.api.TruffleLanguage;
import com.oracle.truffle.api.TruffleLanguage.ContextReference;
import com.oracle.truffle.api.frame.VirtualFrame;
import com.oracle.truffle.api.memory.ByteArraySupport;
import com.oracle.truffle.api.nodes.ExplodeLoop;
import com.oracle.truffle.api.nodes.RootNode;

import dev.sluice.core.error.CoreFailure;
import dev.sluice.core.error.SluiceException;
import dev.sluice.core.interop.InputAccess;
import dev.sluice.core.interop.LanguageContext;
import dev.sluice.core.seccomp.Arch;
import dev.sluice.scpl.policy.Policy;

/**
 * The SCPL AST interpreter's root: reads arch and nr from struct seccomp_data, selects the target ABI (as
 * {@link Policy#abiFor}) and runs its rules first-match. Every loop is over a compilation-constant node array, so
 * Graal unrolls a policy into straight-line tests.
 */
public final class PolicyRootNode extends RootNode {
    private final boolean bigEndian;
    private final int badArchVerdict;
    @Children private final AbiNode[] abis;

    private final ContextReference<? extends LanguageContext> contexts;

    /** @param contexts the language's context reference (for host input access) */
    public PolicyRootNode(TruffleLanguage<?> language, ContextReference<? extends LanguageContext> contexts, Policy policy, Arch byteOrderOf) {
        super(language);
        this.contexts = contexts;
        this.bigEndian = byteOrderOf.bigEndian();
        this.badArchVerdict = policy.badArchAction().encode();
        this.abis = new AbiNode[policy.arches().size()];
        for (int i = 0; i < abis.length; i++) {
            abis[i] = new AbiNode(policy, policy.arches().get(i), bigEndian);
        }
    }

    @Override
    @ExplodeLoop
    public Object execute(VirtualFrame frame) {
        Object[] args = frame.getArguments();
        if (args.length < 1) {
            CompilerDirectives.transferToInterpreter();
            throw SluiceException.atNode(this, CoreFailure.BAD_INPUT, "a policy takes a 64-byte struct seccomp_data as argument");
        }
        byte[] data = InputAccess.bytes(args[0], contexts.get(this).env(), this);
        if (data.length != 64) {
            CompilerDirectives.transferToInterpreter();
            throw SluiceException.atNode(this, CoreFailure.SECCOMP_INPUT_SIZE, data.length);
        }
        ByteArraySupport access = bigEndian ? ByteArraySupport.bigEndian() : ByteArraySupport.littleEndian();
        int nr = access.getInt(data, 0);
        int audit = access.getInt(data, 4);
        for (AbiNode abi : abis) {
            if (abi.selects(audit, nr)) {
                return abi.execute(data, nr) & 0xffffffffL;
            }
        }
        return badArchVerdict & 0xffffffffL;
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
