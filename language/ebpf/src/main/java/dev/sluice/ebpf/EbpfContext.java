package dev.sluice.ebpf;

import com.oracle.truffle.api.TruffleLanguage.ContextReference;
import com.oracle.truffle.api.TruffleLanguage.Env;
import com.oracle.truffle.api.nodes.Node;
import dev.sluice.core.error.SluiceException;
import dev.sluice.core.interop.LanguageContext;
import dev.sluice.ebpf.isa.ProgramType;
import dev.sluice.ebpf.runtime.EbpfFailure;

/** Per-context state: the environment and the options, read once. */
public final class EbpfContext implements LanguageContext {
    private static final ContextReference<EbpfContext> REFERENCE = ContextReference.create(EbpfLanguage.class);

    private final Env env;
    private final ProgramType programType;
    private final String inputFormat;
    private final boolean socketDataAtNetworkHeader;
    private final long maxInstructions;
    private final Long limitVerdict;
    private final java.util.List<dev.sluice.ebpf.maps.MapSpec> maps;
    private final dev.sluice.ebpf.verify.VerifierOptions verifier;

    EbpfContext(Env env) {
        this.env = env;
        try {
            this.programType = ProgramType.fromId(env.getOptions().get(EbpfLanguage.ProgramType));
        } catch (IllegalArgumentException e) {
            throw SluiceException.create(EbpfFailure.BAD_OPTION, "ebpf.ProgramType: " + e.getMessage());
        }
        String socketData = env.getOptions().get(EbpfLanguage.SocketData);
        if (!socketData.equals("link") && !socketData.equals("network")) {
            throw SluiceException.create(
                    EbpfFailure.BAD_OPTION, "ebpf.SocketData: '" + socketData + "' is not link or network");
        }
        this.socketDataAtNetworkHeader = socketData.equals("network");
        this.inputFormat = env.getOptions().get(EbpfLanguage.InputFormat);
        if (!inputFormat.equals("auto")
                && !inputFormat.equals("raw")
                && !inputFormat.equals("asm")
                && !inputFormat.equals("elf")) {
            throw SluiceException.create(
                    EbpfFailure.BAD_OPTION, "ebpf.InputFormat: '" + inputFormat + "' is not auto, raw, asm or elf");
        }
        try {
            this.maps = dev.sluice.ebpf.maps.MapSpec.parseList(env.getOptions().get(EbpfLanguage.Maps));
        } catch (IllegalArgumentException e) {
            throw SluiceException.create(EbpfFailure.BAD_OPTION, "ebpf.Maps: " + e.getMessage());
        }
        this.maxInstructions = env.getOptions().get(EbpfLanguage.MaxInstructions);
        String action = env.getOptions().get(EbpfLanguage.OverBudgetAction);
        if (action.equals("error")) {
            this.limitVerdict = null;
        } else if (action.startsWith("verdict:")) {
            try {
                this.limitVerdict = Long.decode(action.substring("verdict:".length()));
            } catch (NumberFormatException e) {
                throw SluiceException.create(
                        EbpfFailure.BAD_OPTION,
                        "ebpf.OverBudgetAction: '" + action + "': the verdict must be a number");
            }
        } else {
            throw SluiceException.create(
                    EbpfFailure.BAD_OPTION, "ebpf.OverBudgetAction: '" + action + "' is not error or verdict:<n>");
        }
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
        java.util.BitSet secretBytes = secretBytes(env.getOptions().get(EbpfLanguage.SecretBytes));
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
        if (maxInstructions < 0) {
            throw SluiceException.create(
                    EbpfFailure.BAD_OPTION, "ebpf.MaxInstructions: " + maxInstructions + " is negative");
        }
    }

    /** ebpf.SecretBytes: ranges 'a-b,c' of offsets 0-65535; an error naming the option otherwise. */
    static java.util.BitSet secretBytes(String text) {
        java.util.BitSet set = new java.util.BitSet();
        if (text.isBlank()) {
            return set;
        }
        for (String part : text.split(",")) {
            String p = part.strip();
            String[] ends = p.split("-", -1);
            try {
                int lo = Integer.parseInt(ends[0].strip());
                int hi = ends.length == 2 ? Integer.parseInt(ends[1].strip()) : lo;
                if (ends.length > 2 || lo < 0 || hi > 65535 || lo > hi) {
                    throw new NumberFormatException();
                }
                set.set(lo, hi + 1);
            } catch (NumberFormatException e) {
                throw SluiceException.create(
                        EbpfFailure.BAD_OPTION,
                        "ebpf.SecretBytes: '" + p + "' is not a byte offset or range a-b within 0-65535");
            }
        }
        return set;
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

    public String inputFormat() {
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

    public long maxInstructions() {
        return maxInstructions;
    }
}
