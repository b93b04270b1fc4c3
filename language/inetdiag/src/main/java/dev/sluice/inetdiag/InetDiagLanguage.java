package dev.sluice.inetdiag;

import com.oracle.truffle.api.CallTarget;
import com.oracle.truffle.api.Option;
import com.oracle.truffle.api.TruffleLanguage;
import com.oracle.truffle.api.instrumentation.ProvidedTags;
import com.oracle.truffle.api.instrumentation.StandardTags;
import com.oracle.truffle.api.source.Source;
import dev.sluice.inetdiag.formats.Disassembler;
import dev.sluice.inetdiag.lower.LoweredFilter;
import dev.sluice.inetdiag.lower.Lowering;
import dev.sluice.inetdiag.nodes.ConstantRootNode;
import dev.sluice.inetdiag.nodes.FilterRootNode;
import dev.sluice.inetdiag.nodes.OpListing;
import dev.sluice.inetdiag.parse.ProgramParser;
import dev.sluice.inetdiag.runtime.InetDiagFilter;
import dev.sluice.inetdiag.verify.Audit;
import org.graalvm.options.OptionCategory;
import org.graalvm.options.OptionDescriptors;
import org.graalvm.options.OptionKey;
import org.graalvm.options.OptionStability;
import org.graalvm.options.OptionValues;

/**
 * The INET-DIAG language: the kernel's socket-monitoring bytecode, which {@code ss} sends with
 * INET_DIAG_REQ_BYTECODE. A byte source is raw bytecode; a character source is a filter in {@code ss}'s syntax,
 * compiled as {@code ss} compiles it. Either is checked by the kernel's audit rules, lowered, and returned as an
 * executable {@link InetDiagFilter}.
 */
@TruffleLanguage.Registration(
        id = InetDiagLanguage.ID,
        name = "INET-DIAG",
        version = InetDiagLanguage.VERSION, //
        defaultMimeType = InetDiagLanguage.MIME_BINARY, //
        byteMimeTypes = {InetDiagLanguage.MIME_BINARY},
        characterMimeTypes = {InetDiagLanguage.MIME_TEXT}, //
        contextPolicy = TruffleLanguage.ContextPolicy.EXCLUSIVE,
        website = "https://sluice.dev")
@ProvidedTags({StandardTags.RootTag.class, StandardTags.RootBodyTag.class, StandardTags.StatementTag.class})
public final class InetDiagLanguage extends TruffleLanguage<InetDiagContext> {
    public static final String ID = "inetdiag";
    public static final String VERSION = "0.1.0";
    public static final String MIME_BINARY = "application/x-inetdiag";
    public static final String MIME_TEXT = "text/x-ss-filter";

    @Option(
            category = OptionCategory.USER,
            stability = OptionStability.STABLE, //
            help =
                    "Check as a requester with CAP_NET_ADMIN: the kernel refuses MARK_COND (fwmark) from others with EPERM, and so does Sluice unless this is true.") //
    public static final OptionKey<Boolean> NetAdmin = new OptionKey<>(false);

    @Override
    protected OptionDescriptors getOptionDescriptors() {
        return new InetDiagLanguageOptionDescriptors();
    }

    @Override
    protected boolean areOptionsCompatible(OptionValues firstOptions, OptionValues newOptions) {
        return firstOptions.equals(newOptions);
    }

    @Override
    protected InetDiagContext createContext(Env env) {
        return new InetDiagContext(env);
    }

    @Override
    protected CallTarget parse(ParsingRequest request) {
        Source source = request.getSource();
        InetDiagFilter filter = load(this, source, InetDiagContext.get(null).netAdmin());
        return new ConstantRootNode(this, filter).getCallTarget();
    }

    /** Reads (bytecode or filter text), checks and lowers; every failure is a located SluiceException. */
    public static InetDiagFilter load(InetDiagLanguage language, Source source, boolean netAdmin) {
        byte[] bytecode = ProgramParser.bytecode(source);
        Audit.check(bytecode, netAdmin);
        LoweredFilter lowered = Lowering.lower(bytecode);
        OpListing listing = new OpListing(
                () -> Source.newBuilder(ID, Disassembler.disassemble(bytecode), source.getName() + OpListing.SUFFIX)
                        .cached(false)
                        .build());
        FilterRootNode root = new FilterRootNode(language, lowered, "inetdiag-filter:" + source.getName(), listing);
        return new InetDiagFilter(lowered, root.getCallTarget());
    }

    /** Filters are immutable and each run has no state, so any thread may run them. */
    @Override
    protected boolean isThreadAccessAllowed(Thread thread, boolean singleThreaded) {
        return true;
    }
}
