package dev.sluice.bpf;

import com.oracle.truffle.api.TruffleLanguage.ContextReference;
import com.oracle.truffle.api.TruffleLanguage.Env;
import com.oracle.truffle.api.nodes.Node;
import dev.sluice.bpf.formats.InputFormat;
import dev.sluice.bpf.isa.Profile;
import dev.sluice.core.guard.GuardOptions;
import dev.sluice.core.interop.LanguageContext;
import dev.sluice.core.seccomp.Arch;
import dev.sluice.core.trust.MeasuredLoadLog;
import dev.sluice.core.trust.TrustPolicy;

/** Per-context state: the environment and the options, read once. */
public final class BpfContext implements LanguageContext {
    static final ContextReference<BpfContext> REFERENCE = ContextReference.create(BpfLanguage.class);

    private final Env env;
    private final Profile defaultProfile;
    private final Arch arch;
    private final InputFormat inputFormat;
    private final boolean constantTime;
    private final String secretFields;
    private final boolean recordOperations;
    private final TrustPolicy trustPolicy;
    private final GuardOptions guards;
    private final dev.sluice.core.guard.ConstantBlinding constantBlinding;
    private final MeasuredLoadLog loadLog = new MeasuredLoadLog();

    BpfContext(BpfLanguage language, Env env) {
        this.env = env;
        this.defaultProfile = env.getOptions().get(BpfLanguage.Profile);
        this.arch = env.getOptions().get(BpfLanguage.Arch);
        this.guards = GuardOptions.of(
                        BpfLanguage.ID,
                        env.getOptions().get(BpfLanguage.MaxInstructions),
                        env.getOptions().get(BpfLanguage.BudgetInstructionsPerSecond),
                        env.getOptions().get(BpfLanguage.BudgetInvocationsPerSecond),
                        env.getOptions().get(BpfLanguage.BudgetWindowMillis),
                        env.getOptions().get(BpfLanguage.OverBudgetAction))
                .withCounters(env.getOptions().get(BpfLanguage.BudgetCounters));
        this.inputFormat = env.getOptions().get(BpfLanguage.InputFormat);
        this.constantBlinding = env.getOptions().get(BpfLanguage.ConstantBlinding);
        this.trustPolicy = TrustPolicy.fromOptions(
                env,
                BpfLanguage.ID,
                env.getOptions().get(BpfLanguage.RequireSignature),
                env.getOptions().get(BpfLanguage.TrustedKeys),
                env.getOptions().get(BpfLanguage.Signature));
        this.constantTime = env.getOptions().get(BpfLanguage.ConstantTime);
        this.secretFields = env.getOptions().get(BpfLanguage.SecretFields);
        this.recordOperations = env.getOptions().get(BpfLanguage.RecordOperations);
    }

    public boolean constantTime() {
        return constantTime;
    }

    public String secretFields() {
        return secretFields;
    }

    public boolean recordOperations() {
        return recordOperations;
    }

    public static BpfContext get(Node node) {
        return REFERENCE.get(node);
    }

    @Override
    public Env env() {
        return env;
    }

    public Profile defaultProfile() {
        return defaultProfile;
    }

    public Arch arch() {
        return arch;
    }

    public InputFormat inputFormat() {
        return inputFormat;
    }

    public GuardOptions guards() {
        return guards;
    }

    /** Whether to blind a program's constants: bpf.ConstantBlinding, where auto means unless its signature was verified. */
    public boolean blindConstants(boolean signatureVerified) {
        return constantBlinding.blinds(!signatureVerified);
    }

    public TrustPolicy trustPolicy() {
        return trustPolicy;
    }

    public MeasuredLoadLog loadLog() {
        return loadLog;
    }

    /**
     * The options that decide how a program is read and run, as measured into the load log: sorted {@code key=value}
     * pairs separated by ','. (The profile is measured on its own.)
     */
    public String measuredOptions() {
        return "arch=" + arch.token() + ",inputFormat=" + inputFormat.id() + ",requireSignature="
                + trustPolicy.required() + "," + guards.measured() + ",constantBlinding=" + constantBlinding.id();
    }
}
