package dev.sluice.scpl;

import com.oracle.truffle.api.CallTarget;
import com.oracle.truffle.api.Option;
import com.oracle.truffle.api.TruffleFile;
import com.oracle.truffle.api.TruffleLanguage;
import com.oracle.truffle.api.instrumentation.ProvidedTags;
import com.oracle.truffle.api.instrumentation.StandardTags;
import com.oracle.truffle.api.source.Source;
import dev.sluice.bpf.nodes.ConstantRootNode;
import dev.sluice.scpl.nodes.RuleSources;
import dev.sluice.scpl.policy.Policy;
import dev.sluice.scpl.syscalls.SyscallTable;
import dev.sluice.scpl.verify.Checker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.graalvm.options.OptionCategory;
import org.graalvm.options.OptionDescriptors;
import org.graalvm.options.OptionKey;
import org.graalvm.options.OptionStability;
import org.graalvm.options.OptionType;
import org.graalvm.options.OptionValues;

/**
 * The SCPL language. Evaluating a policy source parses and checks it and gives an executable policy object:
 * {@code policy.execute(seccompData)} returns the verdict as an unsigned 32-bit long, computed by the SCPL AST
 * interpreter (the reference meaning the compiled BPF is validated against). Tools see each rule as a statement
 * (its text in the .scpl file) and the policy body as the root (docs/tools.md).
 */
@TruffleLanguage.Registration(
        id = ScplLanguage.ID,
        name = "SCPL",
        version = ScplLanguage.VERSION, //
        defaultMimeType = ScplLanguage.MIME,
        characterMimeTypes = ScplLanguage.MIME,
        fileTypeDetectors = ScplFileTypeDetector.class, //
        contextPolicy = TruffleLanguage.ContextPolicy.EXCLUSIVE,
        website = "https://sluice.dev")
@ProvidedTags({StandardTags.RootTag.class, StandardTags.RootBodyTag.class, StandardTags.StatementTag.class})
public final class ScplLanguage extends TruffleLanguage<ScplContext> {
    public static final String ID = "scpl";
    public static final String VERSION = "0.1.0";
    public static final String MIME = "text/x-scpl";

    @Option(
            category = OptionCategory.USER,
            stability = OptionStability.STABLE, //
            help =
                    "Syscall ABI: the byte order of struct seccomp_data inputs, and the target arch of policies that name none. Default: the host.", //
            usageSyntax = "x86_64|x86|x32|aarch64|arm|riscv64") //
    public static final OptionKey<dev.sluice.core.seccomp.Arch> Arch = new OptionKey<>(
            dev.sluice.core.seccomp.Arch.host(), new OptionType<>("Arch", ScplLanguage::archWithSyscallTable));

    /** The value of scpl.Arch: an arch SCPL has a syscall table for (empty: the host's); checked when the context is built. */
    static dev.sluice.core.seccomp.Arch archWithSyscallTable(String token) {
        dev.sluice.core.seccomp.Arch arch =
                dev.sluice.core.seccomp.Arch.optionType(ID + ".Arch").convert(token);
        if (!SyscallTable.SUPPORTED.contains(arch)) {
            throw new IllegalArgumentException(ID + ".Arch: SCPL has no syscall table for " + arch.token());
        }
        return arch;
    }

    @Override
    protected OptionDescriptors getOptionDescriptors() {
        return new ScplLanguageOptionDescriptors();
    }

    @Override
    protected boolean areOptionsCompatible(OptionValues firstOptions, OptionValues newOptions) {
        return firstOptions.equals(newOptions);
    }

    @Override
    protected ScplContext createContext(Env env) {
        return new ScplContext(env);
    }

    @Override
    protected CallTarget parse(ParsingRequest request) {
        Source source = request.getSource();
        ScplContext context = ScplContext.get(null);
        String name = source.getPath() != null ? source.getPath() : source.getName();
        // Every file a rule can come from, as a source instruments and debuggers can show.
        Map<String, Source> sources = new HashMap<>();
        sources.put(name, source);
        Policy.IncludeResolver resolver = (including, path) -> {
            Env env = context.env();
            TruffleFile base = including == null
                    ? null
                    : env.getPublicTruffleFile(including).getParent();
            TruffleFile f = base == null ? env.getPublicTruffleFile(path) : base.resolve(path);
            f = f.getAbsoluteFile().normalize();
            try {
                String text = new String(f.readAllBytes(), StandardCharsets.UTF_8);
                sources.put(f.getPath(), Source.newBuilder(ID, f).content(text).build());
                return new Policy.IncludeResolver.Included(f.getPath(), text);
            } catch (SecurityException e) {
                throw new IOException("file access is not allowed in this context");
            }
        };
        Policy policy = Checker.check(name, source.getCharacters().toString(), List.of(context.arch()), resolver);
        return new ConstantRootNode(
                        this,
                        new PolicyObject(
                                this, policy, context.arch(), new RuleSources(source, sources, ScplLanguage.class)))
                .getCallTarget();
    }
}
