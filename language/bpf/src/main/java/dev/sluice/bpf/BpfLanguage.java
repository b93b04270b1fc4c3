package dev.sluice.bpf;

import com.oracle.truffle.api.CallTarget;
import com.oracle.truffle.api.Option;
import com.oracle.truffle.api.TruffleLanguage;
import com.oracle.truffle.api.instrumentation.ProvidedTags;
import com.oracle.truffle.api.instrumentation.StandardTags;
import com.oracle.truffle.api.source.Source;
import dev.sluice.bpf.formats.InputFormat;
import dev.sluice.bpf.formats.ListingFormat;
import dev.sluice.bpf.isa.Profile;
import dev.sluice.bpf.isa.Program;
import dev.sluice.bpf.lower.LoweredProgram;
import dev.sluice.bpf.lower.Lowering;
import dev.sluice.bpf.nodes.ConstantRootNode;
import dev.sluice.bpf.nodes.InstructionSource;
import dev.sluice.bpf.parse.ProgramParser;
import dev.sluice.bpf.runtime.OperationRecorder;
import dev.sluice.bpf.verify.SecretTaint;
import dev.sluice.bpf.verify.Verifier;
import dev.sluice.core.error.SluiceException;
import dev.sluice.core.guard.GuardOptions;
import dev.sluice.core.guard.OverBudgetAction;
import dev.sluice.core.interop.TypedOptions;
import dev.sluice.core.seccomp.Arch;
import dev.sluice.core.trust.TrustPolicy;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.graalvm.options.OptionCategory;
import org.graalvm.options.OptionDescriptors;
import org.graalvm.options.OptionKey;
import org.graalvm.options.OptionStability;
import org.graalvm.options.OptionValues;

/**
 * The classic BPF language. Evaluating a source parses, verifies and lowers the program and gives an executable
 * {@link BpfFilter}. The profile (seccomp or socket) comes from the MIME type, else from the {@code bpf.Profile}
 * option.
 */
@TruffleLanguage.Registration(
        id = BpfLanguage.ID,
        name = "Classic BPF",
        version = BpfLanguage.VERSION, //
        defaultMimeType = BpfLanguage.MIME_BINARY, //
        byteMimeTypes = {BpfLanguage.MIME_BINARY, BpfLanguage.MIME_BINARY_SECCOMP, BpfLanguage.MIME_BINARY_SOCKET}, //
        characterMimeTypes = {BpfLanguage.MIME_TEXT, BpfLanguage.MIME_TEXT_SECCOMP, BpfLanguage.MIME_TEXT_SOCKET}, //
        fileTypeDetectors = BpfFileTypeDetector.class, //
        contextPolicy = TruffleLanguage.ContextPolicy.EXCLUSIVE,
        website = "https://sluice.dev")
@ProvidedTags({StandardTags.RootTag.class, StandardTags.RootBodyTag.class, StandardTags.StatementTag.class})
public final class BpfLanguage extends TruffleLanguage<BpfContext> {
    public static final String ID = "bpf";
    public static final String VERSION = "0.1.0";
    public static final String MIME_BINARY = "application/x-bpf";
    public static final String MIME_BINARY_SECCOMP = "application/x-bpf-seccomp";
    public static final String MIME_BINARY_SOCKET = "application/x-bpf-socket";
    public static final String MIME_TEXT = "text/x-bpf";
    public static final String MIME_TEXT_SECCOMP = "text/x-bpf-seccomp";
    public static final String MIME_TEXT_SOCKET = "text/x-bpf-socket";

    @Option(
            category = OptionCategory.USER,
            stability = OptionStability.STABLE, //
            help =
                    "Program kind when the MIME type does not say: seccomp (input: 64-byte struct seccomp_data) or socket (input: packet bytes).", //
            usageSyntax = "seccomp|socket") //
    public static final OptionKey<dev.sluice.bpf.isa.Profile> Profile = new OptionKey<>(
            dev.sluice.bpf.isa.Profile.SECCOMP, TypedOptions.parsed(ID, "Profile", dev.sluice.bpf.isa.Profile::fromId));

    @Option(
            category = OptionCategory.USER,
            stability = OptionStability.STABLE, //
            help =
                    "Syscall ABI for seccomp filters, as libseccomp names it; sets the byte order of struct seccomp_data and of raw programs. Default: the host.", //
            usageSyntax =
                    "x86_64|x86|x32|aarch64|arm|riscv64|ppc64le|ppc64|ppc|s390x|s390|mips|mipsel|mips64|mipsel64|mips64n32|mipsel64n32|parisc|parisc64") //
    public static final OptionKey<Arch> Arch =
            new OptionKey<>(dev.sluice.core.seccomp.Arch.host(), dev.sluice.core.seccomp.Arch.optionType(ID + ".Arch"));

    @Option(
            category = OptionCategory.USER,
            stability = OptionStability.STABLE, //
            help = "Program format: raw, asm, ddd, dd, or auto (detected from the content).",
            usageSyntax = "auto|raw|asm|ddd|dd") //
    public static final OptionKey<dev.sluice.bpf.formats.InputFormat> InputFormat = new OptionKey<>(
            dev.sluice.bpf.formats.InputFormat.AUTO,
            TypedOptions.parsed(ID, "InputFormat", dev.sluice.bpf.formats.InputFormat::fromId));

    @Option(
            category = OptionCategory.USER,
            stability = OptionStability.EXPERIMENTAL, //
            help =
                    "Run programs in constant-time mode: the verifier rejects secret-dependent offsets and divisors, and execution is predicated and branch-free (see docs/constant-time.md).") //
    public static final OptionKey<Boolean> ConstantTime = new OptionKey<>(false);

    @Option(
            category = OptionCategory.USER,
            stability = OptionStability.EXPERIMENTAL, //
            help =
                    "Secret input bytes for constant-time mode: byte ranges (16-63) or, for seccomp, nr, arch, ip, args, arg0..arg5.", //
            usageSyntax = "<range>,...") //
    public static final OptionKey<String> SecretFields = new OptionKey<>("");

    @Option(
            category = OptionCategory.INTERNAL,
            stability = OptionStability.EXPERIMENTAL, //
            help =
                    "Record the operations a constant-time run evaluates (member operationTrace of the filter); for tests.") //
    public static final OptionKey<Boolean> RecordOperations = new OptionKey<>(false);
    // --- Guards (docs/guards.md) ---
    @Option(
            category = OptionCategory.USER,
            stability = OptionStability.STABLE, //
            help =
                    "Refuse every program that is not signed (Ed25519) by a key in bpf.TrustedKeys; checked before the program is parsed.") //
    public static final OptionKey<Boolean> RequireSignature = new OptionKey<>(false);

    @Option(
            category = OptionCategory.USER,
            stability = OptionStability.STABLE, //
            help = "Public keys (PEM files) whose signatures are trusted, separated by ':'.",
            usageSyntax = "<path>:<path>...") //
    public static final OptionKey<List<String>> TrustedKeys = new OptionKey<>(List.of(), TrustPolicy.KEY_PATHS);

    @Option(
            category = OptionCategory.USER,
            stability = OptionStability.STABLE, //
            help =
                    "Detached signatures (base64) for sources without a file; separated by ','. A source with a path also uses <path>.sig.", //
            usageSyntax = "<base64>,<base64>...") //
    public static final OptionKey<List<String>> Signature = new OptionKey<>(List.of(), TrustPolicy.SIGNATURES);

    @Option(
            category = OptionCategory.USER,
            stability = OptionStability.STABLE, //
            help =
                    "Per-invocation instruction budget; 0 = unlimited. For classic BPF the verifier already bounds every path by the program length.") //
    public static final OptionKey<Integer> MaxInstructions = new OptionKey<>(0);

    @Option(
            category = OptionCategory.USER,
            stability = OptionStability.STABLE, //
            help = "Per-program instruction budget per second (over bpf.BudgetWindowMillis); 0 = unlimited.") //
    public static final OptionKey<Long> BudgetInstructionsPerSecond = new OptionKey<>(0L);

    @Option(
            category = OptionCategory.USER,
            stability = OptionStability.STABLE, //
            help = "Per-program invocation budget per second (over bpf.BudgetWindowMillis); 0 = unlimited.") //
    public static final OptionKey<Long> BudgetInvocationsPerSecond = new OptionKey<>(0L);

    @Option(
            category = OptionCategory.USER,
            stability = OptionStability.STABLE, //
            help = "Accounting window of the per-second budgets, in milliseconds.") //
    public static final OptionKey<Long> BudgetWindowMillis = new OptionKey<>(1000L);

    @Option(
            category = OptionCategory.USER,
            stability = OptionStability.STABLE, //
            help =
                    "Count invocations and executed instructions (filter members invocations, instructionsExecuted) even without a per-program budget.") //
    public static final OptionKey<Boolean> BudgetCounters = new OptionKey<>(false);

    @Option(
            category = OptionCategory.USER,
            stability = OptionStability.STABLE, //
            help =
                    "What happens when a budget runs out: error (a guest runtime error naming the instruction) or verdict:<n> (return n: a number or a seccomp action name such as KILL_PROCESS).", //
            usageSyntax = "error|verdict:<n>") //
    public static final OptionKey<OverBudgetAction> OverBudgetAction = new OptionKey<>(
            dev.sluice.core.guard.OverBudgetAction.ERROR,
            dev.sluice.core.guard.OverBudgetAction.seccompVerdicts(ID + ".OverBudgetAction"));

    @Option(
            category = OptionCategory.USER,
            stability = OptionStability.STABLE, //
            help =
                    "Blind author constants in compiled code against JIT spraying: auto (on unless the program's signature was verified with bpf.RequireSignature), on, off.", //
            usageSyntax = "auto|on|off") //
    public static final OptionKey<dev.sluice.core.guard.ConstantBlinding> ConstantBlinding = new OptionKey<>(
            dev.sluice.core.guard.ConstantBlinding.AUTO,
            TypedOptions.parsed(ID, "ConstantBlinding", dev.sluice.core.guard.ConstantBlinding::fromId));

    @Override
    protected OptionDescriptors getOptionDescriptors() {
        return new BpfLanguageOptionDescriptors();
    }

    @Override
    protected boolean areOptionsCompatible(OptionValues firstOptions, OptionValues newOptions) {
        return firstOptions.equals(newOptions);
    }

    @Override
    protected BpfContext createContext(Env env) {
        return new BpfContext(this, env);
    }

    @Override
    protected CallTarget parse(ParsingRequest request) {
        Source source = request.getSource();
        BpfContext context = BpfContext.get(null);
        Profile profile = profileFor(source, context.defaultProfile());
        Arch arch = context.arch();
        ConstantTimeSpec ct = context.constantTime()
                ? new ConstantTimeSpec(context.secretFields(), context.recordOperations())
                : null;
        SecretTaint.parse(context.secretFields(), profile); // a bad range is an error even before constant time is on
        byte[] programBytes = TrustPolicy.programBytes(source);
        boolean signed = context.trustPolicy().check(context.env(), source, programBytes);
        GuardOptions guards = context.guards().withConstantBlinding(context.blindConstants(signed));
        BpfFilter filter = load(this, source, profile, arch, context.inputFormat(), guards, ct);
        filter.measured(
                context.loadLog().extend(source.getName(), programBytes, profile.id(), context.measuredOptions()));
        return new ConstantRootNode(this, filter).getCallTarget();
    }

    /** Filters are immutable after loading and guard state is thread-safe, so any thread may run them. */
    @Override
    protected boolean isThreadAccessAllowed(Thread thread, boolean singleThreaded) {
        return true;
    }

    @Override
    protected Object getScope(BpfContext context) {
        return new BpfScope(context);
    }

    /** Constant-time mode: which input fields are secret, and whether to record evaluated operations. */
    public record ConstantTimeSpec(String secretFields, boolean recordOperations) {}

    /** Parses, verifies and lowers; every failure comes back as a located {@link SluiceException}. */
    public static BpfFilter load(BpfLanguage language, Source source, Profile profile, Arch arch, InputFormat format) {
        return load(language, source, profile, arch, format, GuardOptions.NONE, null);
    }

    /**
     * As {@link #load(BpfLanguage, Source, Profile, Arch, InputFormat)}, with budgets and blinding (docs/guards.md),
     * and in constant-time mode when {@code ct} is given (docs/constant-time.md).
     */
    public static BpfFilter load(
            BpfLanguage language,
            Source source,
            Profile profile,
            Arch arch,
            InputFormat format,
            GuardOptions guards,
            ConstantTimeSpec ct) {
        ByteOrder order = arch.byteOrder();
        Program program = ProgramParser.parse(source, format, order);
        try {
            Verifier.verify(program, profile);
            if (ct != null) {
                SecretTaint.check(program, profile, SecretTaint.parse(ct.secretFields(), profile));
            }
        } catch (SluiceException e) {
            throw e.insn() >= 0 && program.hasPositions()
                    ? e.locatedIn(source, program.line(e.insn()), program.column(e.insn()))
                    : e;
        }
        LoweredProgram lowered = Lowering.lower(program, profile, arch);
        OperationRecorder recorder = null;
        if (ct != null) {
            recorder = ct.recordOperations() ? new OperationRecorder() : null;
            lowered = lowered.inConstantTime(recorder);
        }
        return new BpfFilter(language, program, lowered, arch, guards, recorder, instructionSource(source, program));
    }

    /**
     * Where instruments see each instruction: its line in a text program, else (binary programs, and text that came
     * as bytes without a line for every instruction) a line of a synthesized listing in tcpdump {@code -d} style,
     * named after the program with " (listing)": line pc + 1 is instruction pc.
     */
    static InstructionSource instructionSource(Source source, Program program) {
        int n = program.length();
        int[] lines = new int[n];
        boolean positioned = program.hasPositions();
        for (int pc = 0; pc < n && positioned; pc++) {
            lines[pc] = program.line(pc);
            positioned = lines[pc] > 0;
        }
        if (positioned) {
            if (source.hasCharacters()) {
                return new InstructionSource(() -> source, lines, BpfLanguage.class);
            }
            // Text given as bytes (the detected format was a text one): the same text as characters, same name.
            return new InstructionSource(
                    () -> Source.newBuilder(
                                    ID,
                                    new String(source.getBytes().toByteArray(), StandardCharsets.UTF_8),
                                    source.getName())
                            .mimeType(MIME_TEXT)
                            .build(),
                    lines,
                    BpfLanguage.class);
        }
        for (int pc = 0; pc < n; pc++) {
            lines[pc] = pc + 1;
        }
        return new InstructionSource(
                () -> Source.newBuilder(ID, ListingFormat.print(program), source.getName() + LISTING_SUFFIX)
                        .mimeType(MIME_TEXT)
                        .build(),
                lines,
                BpfLanguage.class);
    }

    /** Appended to a binary program's name for the listing instruments see (line pc + 1 is instruction pc). */
    public static final String LISTING_SUFFIX = " (listing)";

    static Profile profileFor(Source source, Profile fallback) {
        String mime = source.getMimeType();
        if (mime != null) {
            if (mime.endsWith("-seccomp")) {
                return dev.sluice.bpf.isa.Profile.SECCOMP;
            }
            if (mime.endsWith("-socket")) {
                return dev.sluice.bpf.isa.Profile.SOCKET;
            }
        }
        return fallback;
    }
}
