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
                    help = "Program type (context layout and helpers): raw (r1 = input memory, r2 = its length), socket_filter (r1 = __sk_buff), xdp (r1 = xdp_md).", //
                    usageSyntax = "raw|socket_filter|xdp") //
    public static final OptionKey<String> ProgramType = new OptionKey<>("raw");

    @Option(category = OptionCategory.USER, stability = OptionStability.STABLE, //
                    help = "Program format: raw (8-byte little-endian instruction slots), asm (bpf_conformance assembly), or auto (bytes: raw, text: asm).", //
                    usageSyntax = "auto|raw|asm") //
    public static final OptionKey<String> InputFormat = new OptionKey<>("auto");

    @Option(category = OptionCategory.USER, stability = OptionStability.STABLE, //
                    help = "Instructions one run may execute (the kernel's verifier limit by default); over it the run ends with an error. 0 = unlimited.") //
    public static final OptionKey<Long> MaxInstructions = new OptionKey<>(1_000_000L);

    @Option(category = OptionCategory.USER, stability = OptionStability.STABLE, //
                    help = "What a run over ebpf.MaxInstructions does: error (a guest runtime error naming the instruction) or verdict:<n> (it returns n).", //
                    usageSyntax = "error|verdict:<n>") //
    public static final OptionKey<String> OverBudgetAction = new OptionKey<>("error");

    @Option(category = OptionCategory.USER, stability = OptionStability.STABLE, //
                    help = "Maps for raw and asm programs, in fd order: name:type:keySize:valueSize:maxEntries separated by ','; type is array, hash, percpu_array, percpu_hash, lru_hash, lru_percpu_hash or prog_array.", //
                    usageSyntax = "<name>:<type>:<keySize>:<valueSize>:<maxEntries>,...") //
    public static final OptionKey<String> Maps = new OptionKey<>("");

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
        EbpfProgram program = load(this, source, context.programType(), context.inputFormat(), context.maps(), context.maxInstructions(), context.limitVerdict());
        return new ConstantRootNode(this, program).getCallTarget();
    }

    /** Reads, checks and lowers; every failure is a located {@link EbpfException}. */
    public static EbpfProgram load(EbpfLanguage language, Source source, dev.sluice.ebpf.isa.ProgramType type, String format,
                    java.util.List<dev.sluice.ebpf.maps.MapSpec> maps, long maxInstructions) {
        return load(language, source, type, format, maps, maxInstructions, null);
    }

    /** @param limitVerdict what a run over its instruction limit returns, or null for an error */
    public static EbpfProgram load(EbpfLanguage language, Source source, dev.sluice.ebpf.isa.ProgramType type, String format,
                    java.util.List<dev.sluice.ebpf.maps.MapSpec> maps, long maxInstructions, Long limitVerdict) {
        Program program = ProgramParser.parse(source, format);
        return load(language, program, source, type, maps, maxInstructions, limitVerdict);
    }

    /** Checks and lowers a program already read (for example from an ELF section); each load gets fresh maps. */
    public static EbpfProgram load(EbpfLanguage language, Program program, Source source, dev.sluice.ebpf.isa.ProgramType type,
                    java.util.List<dev.sluice.ebpf.maps.MapSpec> maps, long maxInstructions, Long limitVerdict) {
        StructuralCheck.Shape shape;
        try {
            shape = StructuralCheck.check(program, type, maps);
        } catch (EbpfException e) {
            throw e.insn() >= 0 && program.hasPositions() ? e.locatedIn(source, program.line(e.insn()), program.column(e.insn())) : e;
        }
        LoweredProgram lowered = Lowering.lower(program, type, shape);
        dev.sluice.ebpf.maps.EbpfMap[] created = new dev.sluice.ebpf.maps.EbpfMap[maps.size()];
        for (int i = 0; i < created.length; i++) {
            created[i] = new dev.sluice.ebpf.maps.EbpfMap(maps.get(i));
        }
        return new EbpfProgram(language, lowered, created, "ebpf-" + type.id() + ":" + source.getName(), maxInstructions, limitVerdict);
    }

    /**
     * Checks and lowers a program that uses maps which already exist (an ELF object's programs share its maps).
     * {@code name} names the program's call targets (e.g. the section name).
     */
    public static EbpfProgram loadWithMaps(EbpfLanguage language, Program program, Source source, String name, dev.sluice.ebpf.isa.ProgramType type,
                    dev.sluice.ebpf.maps.EbpfMap[] maps, long maxInstructions) {
        java.util.List<dev.sluice.ebpf.maps.MapSpec> specs = new java.util.ArrayList<>();
        for (dev.sluice.ebpf.maps.EbpfMap m : maps) {
            specs.add(m.spec());
        }
        StructuralCheck.Shape shape;
        try {
            shape = StructuralCheck.check(program, type, specs);
        } catch (EbpfException e) {
            throw e.insn() >= 0 && program.hasPositions() ? e.locatedIn(source, program.line(e.insn()), program.column(e.insn())) : e;
        }
        return new EbpfProgram(language, Lowering.lower(program, type, shape), maps, "ebpf-" + type.id() + ":" + name, maxInstructions);
    }

    /** Programs are immutable after loading and each run has its own state, so any thread may run them. */
    @Override
    protected boolean isThreadAccessAllowed(Thread thread, boolean singleThreaded) {
        return true;
    }
}
