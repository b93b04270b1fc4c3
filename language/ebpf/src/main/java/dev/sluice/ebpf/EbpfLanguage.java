package dev.sluice.ebpf;

import com.oracle.truffle.api.CallTarget;
import com.oracle.truffle.api.Option;
import com.oracle.truffle.api.TruffleLanguage;
import com.oracle.truffle.api.source.Source;
import org.graalvm.options.OptionCategory;
import org.graalvm.options.OptionDescriptors;
import org.graalvm.options.OptionKey;
import org.graalvm.options.OptionStability;
import org.graalvm.options.OptionValues;

import dev.sluice.ebpf.isa.Program;
import dev.sluice.ebpf.lower.LoweredProgram;
import dev.sluice.ebpf.lower.Lowering;
import dev.sluice.ebpf.nodes.ConstantRootNode;
import dev.sluice.ebpf.parse.ProgramParser;
import dev.sluice.ebpf.runtime.EbpfException;
import dev.sluice.ebpf.runtime.EbpfProgram;
import dev.sluice.ebpf.verify.StructuralCheck;

/**
 * The eBPF language (RFC 9669). Evaluating a source reads the program (raw instruction bytes, or the assembly syntax
 * of bpf_conformance for text), applies the structural checks, lowers it and gives an executable {@link EbpfProgram}.
 */
@TruffleLanguage.Registration(id = EbpfLanguage.ID, name = "eBPF", version = EbpfLanguage.VERSION, //
                defaultMimeType = EbpfLanguage.MIME_BINARY, //
                byteMimeTypes = {EbpfLanguage.MIME_BINARY}, characterMimeTypes = {EbpfLanguage.MIME_TEXT}, //
                contextPolicy = TruffleLanguage.ContextPolicy.EXCLUSIVE, website = "https://sluice.dev")
public final class EbpfLanguage extends TruffleLanguage<EbpfContext> {
    public static final String ID = "ebpf";
    public static final String VERSION = "0.1.0";
    public static final String MIME_BINARY = "application/x-ebpf";
    public static final String MIME_TEXT = "text/x-ebpf";

    @Option(category = OptionCategory.USER, stability = OptionStability.STABLE, //
                    help = "Program type (context layout and helpers): raw (r1 = input memory, r2 = its length).", usageSyntax = "raw") //
    public static final OptionKey<String> ProgramType = new OptionKey<>("raw");

    @Option(category = OptionCategory.USER, stability = OptionStability.STABLE, //
                    help = "Program format: raw (8-byte little-endian instruction slots), asm (bpf_conformance assembly), or auto (bytes: raw, text: asm).", //
                    usageSyntax = "auto|raw|asm") //
    public static final OptionKey<String> InputFormat = new OptionKey<>("auto");

    @Option(category = OptionCategory.USER, stability = OptionStability.STABLE, //
                    help = "Instructions one run may execute (the kernel's verifier limit by default); over it the run ends with an error. 0 = unlimited.") //
    public static final OptionKey<Long> MaxInstructions = new OptionKey<>(1_000_000L);

    @Override
    protected OptionDescriptors getOptionDescriptors() {
        return new EbpfLanguageOptionDescriptors();
    }

    @Override
    protected boolean areOptionsCompatible(OptionValues firstOptions, OptionValues newOptions) {
        return firstOptions.equals(newOptions);
    }

    @Override
    protected EbpfContext createContext(Env env) {
        return new EbpfContext(env);
    }

    @Override
    protected CallTarget parse(ParsingRequest request) {
        Source source = request.getSource();
        EbpfContext context = EbpfContext.get(null);
        EbpfProgram program = load(this, source, context.programType(), context.inputFormat(), context.maxInstructions());
        return new ConstantRootNode(this, program).getCallTarget();
    }

    /** Reads, checks and lowers; every failure is a located {@link EbpfException}. */
    public static EbpfProgram load(EbpfLanguage language, Source source, dev.sluice.ebpf.isa.ProgramType type, String format, long maxInstructions) {
        Program program = ProgramParser.parse(source, format);
        StructuralCheck.Shape shape;
        try {
            shape = StructuralCheck.check(program, type);
        } catch (EbpfException e) {
            throw e.insn() >= 0 && program.hasPositions() ? e.locatedIn(source, program.line(e.insn()), program.column(e.insn())) : e;
        }
        LoweredProgram lowered = Lowering.lower(program, type, shape);
        return new EbpfProgram(language, lowered, "ebpf-" + type.id() + ":" + source.getName(), maxInstructions);
    }

    /** Programs are immutable after loading and each run has its own state, so any thread may run them. */
    @Override
    protected boolean isThreadAccessAllowed(Thread thread, boolean singleThreaded) {
        return true;
    }
}
