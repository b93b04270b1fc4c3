package dev.sluice.ebpf;

import com.oracle.truffle.api.TruffleLanguage.ContextReference;
import com.oracle.truffle.api.TruffleLanguage.Env;
import com.oracle.truffle.api.nodes.Node;
import dev.sluice.core.error.SluiceException;
import dev.sluice.core.guard.OverBudgetAction;
import dev.sluice.core.interop.LanguageContext;
import dev.sluice.ebpf.formats.InputFormat;
import dev.sluice.ebpf.isa.ProgramType;
import dev.sluice.ebpf.runtime.EbpfFailure;

/** Per-context state: the environment and the options, read once. */
public final class EbpfContext implements LanguageContext {
    private static final ContextReference<EbpfContext> REFERENCE = ContextReference.create(EbpfLanguage.class);

    private final Env env;
    private final ProgramType programType;
    private final InputFormat inputFormat;
    private final boolean socketDataAtNetworkHeader;
    private final long maxInstructions;
    private final Long limitVerdict;
    private final java.util.List<dev.sluice.ebpf.maps.MapSpec> maps;
    private final dev.sluice.ebpf.verify.VerifierOptions verifier;
    private final boolean blindConstants;

    EbpfContext(Env env) {
        this.env = env;
        // The typed options (ProgramType, SocketData, InputFormat, Maps, OverBudgetAction, SecretBytes) were validated
        // when the context was built; what is checked here are ranges and combinations.
        this.programType = env.getOptions().get(EbpfLanguage.ProgramType);
        this.socketDataAtNetworkHeader = env.getOptions().get(EbpfLanguage.SocketData) == SocketData.NETWORK;
        this.inputFormat = env.getOptions().get(EbpfLanguage.InputFormat);
        this.maps = env.getOptions().get(EbpfLanguage.Maps);
        this.maxInstructions = env.getOptions().get(EbpfLanguage.MaxInstructions);
        OverBudgetAction action = env.getOptions().get(EbpfLanguage.OverBudgetAction);
        this.limitVerdict = action.error() ? null : action.verdict();
        long verifierLimit = env.getOptions().get(EbpfLanguage.VerifierLimit);
        if (verifierLimit <= 0) {
            throw SluiceException.create(
                    EbpfFailure.BAD_OPTION, "ebpf.VerifierLimit: " + verifierLimit + " is not positive");
        }
        boolean unprivileged = env.getOptions().get(EbpfLanguage.Unprivileged);
        if (unprivileged && !env.getOptions().get(EbpfLanguage.Verify)) {
            throw SluiceException.create(
                    EbpfFailure.BAD_OPTION,
                    "ebpf.Unprivileged: the rules for unprivileged programs are the verifier's; they need ebpf.Verify=true");
        }
        // A copy: the option's value is shared by every context built with the same options.
        java.util.BitSet secretBytes = (java.util.BitSet)
                env.getOptions().get(EbpfLanguage.SecretBytes).clone();
        boolean constantTime = env.getOptions().get(EbpfLanguage.ConstantTime);
        if (constantTime && !env.getOptions().get(EbpfLanguage.Verify)) {
            throw SluiceException.create(
                    EbpfFailure.BAD_OPTION,
                    "ebpf.ConstantTime: constant-time mode is a verifier's proof; it needs ebpf.Verify=true");
        }
        this.verifier = new dev.sluice.ebpf.verify.VerifierOptions(
                env.getOptions().get(EbpfLanguage.Verify),
                verifierLimit,
                unprivileged,
                constantTime ? secretBytes : null);
        this.blindConstants =
                env.getOptions().get(EbpfLanguage.ConstantBlinding).blinds(unprivileged);
        if (maxInstructions < 0) {
            throw SluiceException.create(
                    EbpfFailure.BAD_OPTION, "ebpf.MaxInstructions: " + maxInstructions + " is negative");
        }
    }

    public static EbpfContext get(Node node) {
        return REFERENCE.get(node);
    }

    /** For the root nodes, which reach the context through it without knowing this class. */
    static ContextReference<EbpfContext> reference() {
        return REFERENCE;
    }

    @Override
    public Env env() {
        return env;
    }

    /** ebpf.SocketData=network: a socket filter's data starts after the frame's Ethernet header. */
    public boolean socketDataAtNetworkHeader() {
        return socketDataAtNetworkHeader;
    }

    public ProgramType programType() {
        return programType;
    }

    public InputFormat inputFormat() {
        return inputFormat;
    }

    /** The maps every raw or asm program loaded in this context gets (fresh ones per program), from ebpf.Maps. */
    public java.util.List<dev.sluice.ebpf.maps.MapSpec> maps() {
        return maps;
    }

    /** What a run over its instruction limit returns, or null when it is an error. */
    public Long limitVerdict() {
        return limitVerdict;
    }

    /** ebpf.Verify and ebpf.VerifierLimit. */
    public dev.sluice.ebpf.verify.VerifierOptions verifier() {
        return verifier;
    }

    /** Whether the programs loaded in this context get their immediates blinded (ebpf.ConstantBlinding). */
    public boolean blindConstants() {
        return blindConstants;
    }

    public long maxInstructions() {
        return maxInstructions;
    }
}
