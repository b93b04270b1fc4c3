package dev.sluice.scpl.nodes;

import com.oracle.truffle.api.frame.VirtualFrame;
import com.oracle.truffle.api.instrumentation.GenerateWrapper;
import com.oracle.truffle.api.instrumentation.ProbeNode;
import com.oracle.truffle.api.memory.ByteArraySupport;
import com.oracle.truffle.api.nodes.ExplodeLoop;
import com.oracle.truffle.api.source.SourceSection;
import dev.sluice.core.tools.InstrumentableBody;
import dev.sluice.scpl.policy.Policy;

/**
 * The policy's meaning on one struct seccomp_data: reads arch and nr, selects the target ABI (as {@link Policy#abiFor})
 * and runs its rules first-match. It is the instrumentable node of the policy's root ({@code RootTag}, the whole
 * policy source); the rules' statement nodes are added below it when an instrument asks for statements.
 */
@GenerateWrapper
public class PolicyBodyNode extends InstrumentableBody {
    private final boolean bigEndian;
    private final int badArchVerdict;
    private final RuleSources sources;

    @Children
    private final AbiNode[] abis;

    PolicyBodyNode(Policy policy, boolean bigEndian, RuleSources sources) {
        this.bigEndian = bigEndian;
        this.badArchVerdict = policy.badArchAction().encode();
        this.sources = sources;
        this.abis = new AbiNode[policy.arches().size()];
        for (int i = 0; i < abis.length; i++) {
            abis[i] = new AbiNode(policy, policy.arches().get(i), bigEndian);
        }
    }

    /** For the generated wrapper (which only delegates: it holds no children of its own). */
    protected PolicyBodyNode(PolicyBodyNode copy) {
        this.bigEndian = copy.bigEndian;
        this.badArchVerdict = copy.badArchVerdict;
        this.sources = copy.sources;
        this.abis = null;
    }

    /** @return the verdict as an unsigned 32-bit value */
    @ExplodeLoop
    public long execute(VirtualFrame frame, byte[] data) {
        ByteArraySupport access = bigEndian ? ByteArraySupport.bigEndian() : ByteArraySupport.littleEndian();
        int nr = access.getInt(data, 0);
        int audit = access.getInt(data, 4);
        for (AbiNode abi : abis) {
            if (abi.selects(audit, nr)) {
                return abi.execute(frame, data, nr) & 0xffffffffL;
            }
        }
        return badArchVerdict & 0xffffffffL;
    }

    @Override
    public boolean isInstrumentable() {
        return sources != null;
    }

    @Override
    protected SourceSection bodySection() {
        return sources == null ? null : sources.policy();
    }

    @Override
    public WrapperNode createWrapper(ProbeNode probe) {
        return new PolicyBodyNodeWrapper(this, this, probe);
    }

    @Override
    protected boolean hasStatements() {
        for (AbiNode abi : abis) {
            if (!abi.hasProbes()) {
                return false;
            }
        }
        return true;
    }

    @Override
    protected void addStatements() {
        for (AbiNode abi : abis) {
            RuleProbes added = abi.materializeProbes(sources, bigEndian);
            if (added != null) {
                notifyInserted(added);
            }
        }
    }
}
