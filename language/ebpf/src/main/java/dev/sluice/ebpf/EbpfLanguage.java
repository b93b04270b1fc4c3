package dev.sluice.ebpf;

import com.oracle.truffle.api.CallTarget;
import com.oracle.truffle.api.Option;
import com.oracle.truffle.api.TruffleLanguage;
import com.oracle.truffle.api.instrumentation.ProvidedTags;
import com.oracle.truffle.api.instrumentation.StandardTags;
import com.oracle.truffle.api.source.Source;
import dev.sluice.core.error.SluiceException;
import dev.sluice.core.guard.OverBudgetAction;
import dev.sluice.core.interop.TypedOptions;
import dev.sluice.ebpf.formats.InputFormat;
import dev.sluice.ebpf.isa.Program;
import dev.sluice.ebpf.isa.ProgramType;
import dev.sluice.ebpf.lower.LoweredProgram;
import dev.sluice.ebpf.lower.Lowering;
import dev.sluice.ebpf.maps.MapSpec;
import dev.sluice.ebpf.nodes.ConstantRootNode;
import dev.sluice.ebpf.parse.ProgramParser;
import dev.sluice.ebpf.verify.StructuralCheck;
import dev.sluice.ebpf.verify.Verifier;
import dev.sluice.ebpf.verify.VerifierOptions;
import java.util.BitSet;
import java.util.List;
import org.graalvm.options.OptionCategory;
import org.graalvm.options.OptionDescriptors;
import org.graalvm.options.OptionKey;
import org.graalvm.options.OptionStability;
import org.graalvm.options.OptionValues;

/**
 * The eBPF language (RFC 9669). Evaluating a source reads the program (raw instruction bytes, or the assembly syntax
 * of bpf_conformance for text), applies the structural checks, lowers it and gives an executable {@link EbpfProgram}.
 */
@TruffleLanguage.Registration(
        id = EbpfLanguage.ID,
        name = "eBPF",
        version = EbpfLanguage.VERSION, //
        defaultMimeType = EbpfLanguage.MIME_BINARY, //
        byteMimeTypes = {EbpfLanguage.MIME_BINARY},
        characterMimeTypes = {EbpfLanguage.MIME_TEXT}, //
        contextPolicy = TruffleLanguage.ContextPolicy.EXCLUSIVE,
        website = "https://sluice.dev")
@ProvidedTags({StandardTags.RootTag.class, StandardTags.RootBodyTag.class, StandardTags.StatementTag.class})
public final class EbpfLanguage extends TruffleLanguage<EbpfContext> {
    public static final String ID = "ebpf";
    public static final String VERSION = "0.1.0";
    public static final String MIME_BINARY = "application/x-ebpf";
    public static final String MIME_TEXT = "text/x-ebpf";

    @Option(
            category = OptionCategory.USER,
            stability = OptionStability.STABLE, //
            help =
                    "Program type (context layout and helpers): raw (r1 = input memory, r2 = its length), socket_filter (r1 = __sk_buff), xdp (r1 = xdp_md).", //
            usageSyntax = "raw|socket_filter|xdp") //
    public static final OptionKey<ProgramType> ProgramType = new OptionKey<>(
            dev.sluice.ebpf.isa.ProgramType.RAW,
            TypedOptions.parsed(ID, "ProgramType", dev.sluice.ebpf.isa.ProgramType::fromId));

    @Option(
            category = OptionCategory.USER,
            stability = OptionStability.STABLE, //
            help =
                    "Where a socket_filter program's data starts in its input, an Ethernet frame: link (at the link-layer header, as on an AF_PACKET socket) or network (after the 14-byte Ethernet header, as on an IP socket and in the kernel's BPF_PROG_TEST_RUN: __sk_buff.len is 14 less and SKF_LL_OFF + k reaches the Ethernet header).", //
            usageSyntax = "link|network") //
    public static final OptionKey<SocketData> SocketData = new OptionKey<>(
            dev.sluice.ebpf.SocketData.LINK, TypedOptions.parsed(ID, "SocketData", dev.sluice.ebpf.SocketData::fromId));

    @Option(
            category = OptionCategory.USER,
            stability = OptionStability.STABLE, //
            help =
                    "Program format: raw (8-byte little-endian instruction slots), asm (bpf_conformance assembly), elf (an object from clang -target bpf), or auto (bytes: ELF by its magic, else raw; text: asm).", //
            usageSyntax = "auto|raw|asm|elf") //
    public static final OptionKey<InputFormat> InputFormat = new OptionKey<>(
            dev.sluice.ebpf.formats.InputFormat.AUTO,
            TypedOptions.parsed(ID, "InputFormat", dev.sluice.ebpf.formats.InputFormat::fromId));

    @Option(
            category = OptionCategory.USER,
            stability = OptionStability.STABLE, //
            help =
                    "Instructions one run may execute (the kernel's verifier limit by default); over it the run ends with an error. 0 = unlimited.") //
    public static final OptionKey<Long> MaxInstructions = new OptionKey<>(1_000_000L);

    @Option(
            category = OptionCategory.USER,
            stability = OptionStability.STABLE, //
            help =
                    "What a run over ebpf.MaxInstructions does: error (a guest runtime error naming the instruction) or verdict:<n> (it returns n).", //
            usageSyntax = "error|verdict:<n>") //
    public static final OptionKey<OverBudgetAction> OverBudgetAction = new OptionKey<>(
            dev.sluice.core.guard.OverBudgetAction.ERROR,
            dev.sluice.core.guard.OverBudgetAction.numericVerdicts(ID + ".OverBudgetAction"));

    @Option(
            category = OptionCategory.USER,
            stability = OptionStability.STABLE, //
            help =
                    "Maps for raw and asm programs, in fd order: name:type:keySize:valueSize:maxEntries separated by ','; type is array, hash, percpu_array, percpu_hash, lru_hash, lru_percpu_hash or prog_array.", //
            usageSyntax = "<name>:<type>:<keySize>:<valueSize>:<maxEntries>,...") //
    public static final OptionKey<List<MapSpec>> Maps =
            new OptionKey<>(List.of(), TypedOptions.parsed(ID, "Maps", text -> List.copyOf(MapSpec.parseList(text))));

    @Option(
            category = OptionCategory.USER,
            stability = OptionStability.STABLE, //
            help =
                    "Verify programs before they run (docs/ebpf-verifier.md): memory safety, initialised registers and stack, helper arguments, termination. false: run them under the run-time guards only.") //
    public static final OptionKey<Boolean> Verify = new OptionKey<>(true);

    @Option(
            category = OptionCategory.USER,
            stability = OptionStability.STABLE, //
            help =
                    "Verify with the kernel's rules for unprivileged programs (no CAP_BPF, CAP_PERFMON or CAP_NET_ADMIN; docs/ebpf-verifier.md): no pointer may leak into a map, the return value or a helper, no pointer comparisons or pointer subtraction, no loops and no local calls, socket_filter (and raw) only, no trace_printk.") //
    public static final OptionKey<Boolean> Unprivileged = new OptionKey<>(false);

    @Option(
            category = OptionCategory.USER,
            stability = OptionStability.STABLE, //
            help =
                    "Blind the immediates a program's author chose (ALU and jump operands, lddw values, stored values, legacy packet offsets) in compiled code against JIT spraying, as the kernel's net.core.bpf_jit_harden does: auto (on for ebpf.Unprivileged=true, the kernel's bpf_jit_harden=1), on, off.", //
            usageSyntax = "auto|on|off") //
    public static final OptionKey<dev.sluice.core.guard.ConstantBlinding> ConstantBlinding = new OptionKey<>(
            dev.sluice.core.guard.ConstantBlinding.AUTO,
            TypedOptions.parsed(ID, "ConstantBlinding", dev.sluice.core.guard.ConstantBlinding::fromId));

    @Option(
            category = OptionCategory.USER,
            stability = OptionStability.STABLE, //
            help =
                    "Constant-time mode (docs/ebpf-verifier.md): the verifier refuses every program whose control flow, addresses, divisors, helper calls or stores into maps, the packet or the context depend on the bytes named by ebpf.SecretBytes; what it accepts does the same work for every value of those bytes.") //
    public static final OptionKey<Boolean> ConstantTime = new OptionKey<>(false);

    @Option(
            category = OptionCategory.USER,
            stability = OptionStability.STABLE, //
            help =
                    "The secret bytes of constant-time mode: offsets in the program's data (the packet as LD_ABS and packet pointers see it, or a raw program's input), as ranges 'a-b,c', within 0-65535.") //
    public static final OptionKey<BitSet> SecretBytes =
            new OptionKey<>(new BitSet(), TypedOptions.parsed(ID, "SecretBytes", EbpfLanguage::secretByteRanges));

    /** ebpf.SecretBytes: ranges 'a-b,c' of offsets 0-65535 (blank: none). */
    static BitSet secretByteRanges(String text) {
        BitSet set = new BitSet();
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
                throw new IllegalArgumentException("'" + p + "' is not a byte offset or range a-b within 0-65535");
            }
        }
        return set;
    }

    @Option(
            category = OptionCategory.USER,
            stability = OptionStability.STABLE, //
            help =
                    "Instructions the verifier may process over all paths before it gives up (the kernel's 1,000,000).") //
    public static final OptionKey<Long> VerifierLimit =
            new OptionKey<>((long) dev.sluice.ebpf.verify.Verifier.DEFAULT_LIMIT);

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
        if (source.hasBytes()
                && (context.inputFormat() == dev.sluice.ebpf.formats.InputFormat.ELF
                        || context.inputFormat() == dev.sluice.ebpf.formats.InputFormat.AUTO
                                && dev.sluice.ebpf.formats.elf.ElfObjectReader.isElf(
                                        source.getBytes().toByteArray()))) {
            return new ConstantRootNode(
                            this,
                            loadObject(
                                    this,
                                    source,
                                    context.maxInstructions(),
                                    context.limitVerdict(),
                                    context.verifier()))
                    .getCallTarget();
        }
        EbpfProgram program = load(
                this,
                source,
                context.programType(),
                context.inputFormat().id(),
                context.maps(),
                context.maxInstructions(),
                context.limitVerdict(),
                context.verifier());
        return new ConstantRootNode(this, program).getCallTarget();
    }

    /** Reads, checks and lowers; every failure is a located {@link SluiceException}. */
    public static EbpfProgram load(
            EbpfLanguage language,
            Source source,
            dev.sluice.ebpf.isa.ProgramType type,
            String format,
            java.util.List<dev.sluice.ebpf.maps.MapSpec> maps,
            long maxInstructions) {
        return load(language, source, type, format, maps, maxInstructions, null, VerifierOptions.DEFAULT);
    }

    /** @param limitVerdict what a run over its instruction limit returns, or null for an error */
    public static EbpfProgram load(
            EbpfLanguage language,
            Source source,
            dev.sluice.ebpf.isa.ProgramType type,
            String format,
            java.util.List<dev.sluice.ebpf.maps.MapSpec> maps,
            long maxInstructions,
            Long limitVerdict,
            VerifierOptions verifier) {
        Program program = ProgramParser.parse(source, format);
        return load(language, program, source, type, maps, maxInstructions, limitVerdict, verifier);
    }

    /** Checks and lowers a program already read (for example from an ELF section); each load gets fresh maps. */
    public static EbpfProgram load(
            EbpfLanguage language,
            Program program,
            Source source,
            dev.sluice.ebpf.isa.ProgramType type,
            java.util.List<dev.sluice.ebpf.maps.MapSpec> maps,
            long maxInstructions,
            Long limitVerdict,
            VerifierOptions verifier) {
        Checked checked = check(program, source, type, maps, verifier);
        LoweredProgram lowered = Lowering.lower(
                program, type, checked.shape(), checked.meterFuel(program, maxInstructions), checked.verified());
        dev.sluice.ebpf.maps.EbpfMap[] created = new dev.sluice.ebpf.maps.EbpfMap[maps.size()];
        for (int i = 0; i < created.length; i++) {
            created[i] = new dev.sluice.ebpf.maps.EbpfMap(maps.get(i), EbpfLanguage.class);
        }
        return new EbpfProgram(
                language,
                lowered,
                created,
                "ebpf-" + type.id() + ":" + source.getName(),
                maxInstructions,
                limitVerdict);
    }

    /** What the checks found: the program's shape and, when it was verified, what the verifier measured. */
    public record Checked(StructuralCheck.Shape shape, Verifier.Result verified) {
        /**
         * Whether runs must be metered: not when the verifier proved that no run executes more than
         * {@code maxInstructions} instructions (it never processed more than that over all paths) and the program
         * makes no tail call (a chain of programs shares one run's fuel).
         */
        public boolean meterFuel(Program program, long maxInstructions) {
            if (verified == null || maxInstructions != 0 && verified.processed() > maxInstructions) {
                return true;
            }
            return Lowering.makesTailCall(program, shape);
        }
    }

    /** The structural checks, then (when enabled) the verifier; a failure is located at its instruction's source line. */
    public static Checked check(
            Program program,
            Source source,
            dev.sluice.ebpf.isa.ProgramType type,
            java.util.List<dev.sluice.ebpf.maps.MapSpec> maps,
            VerifierOptions verifier) {
        try {
            StructuralCheck.Shape shape = StructuralCheck.check(program, type, maps);
            Verifier.Result result = verifier.enabled()
                    ? Verifier.verify(
                            program,
                            type,
                            shape,
                            maps,
                            verifier.limit(),
                            verifier.unprivileged(),
                            verifier.secretBytes())
                    : null;
            return new Checked(shape, result);
        } catch (SluiceException e) {
            throw e.insn() >= 0 && program.hasPositions()
                    ? e.locatedIn(source, program.line(e.insn()), program.column(e.insn()))
                    : e;
        }
    }

    /**
     * Checks and lowers a program that uses maps which already exist (an ELF object's programs share its maps).
     * {@code name} names the program's call targets (e.g. the section name).
     */
    public static EbpfProgram loadWithMaps(
            EbpfLanguage language,
            Program program,
            Source source,
            String name,
            dev.sluice.ebpf.isa.ProgramType type,
            dev.sluice.ebpf.maps.EbpfMap[] maps,
            long maxInstructions,
            Long limitVerdict,
            VerifierOptions verifier) {
        java.util.List<dev.sluice.ebpf.maps.MapSpec> specs = new java.util.ArrayList<>();
        for (dev.sluice.ebpf.maps.EbpfMap m : maps) {
            specs.add(m.spec());
        }
        Checked checked = check(program, source, type, specs, verifier);
        return new EbpfProgram(
                language,
                Lowering.lower(
                        program,
                        type,
                        checked.shape(),
                        checked.meterFuel(program, maxInstructions),
                        checked.verified()),
                maps,
                "ebpf-" + type.id() + ":" + name,
                maxInstructions,
                limitVerdict);
    }

    /**
     * An ELF object (clang -target bpf): its maps, created once and shared by its programs, and each program section
     * checked and lowered with the program type its section name implies.
     */
    public static dev.sluice.ebpf.EbpfObjectValue loadObject(
            EbpfLanguage language, Source source, long maxInstructions, Long limitVerdict, VerifierOptions verifier) {
        dev.sluice.ebpf.formats.elf.EbpfObject object;
        try {
            object = dev.sluice.ebpf.formats.elf.ElfObjectReader.read(
                    source.getName(), source.getBytes().toByteArray());
        } catch (dev.sluice.ebpf.formats.elf.ElfFormatException e) {
            throw SluiceException.create(dev.sluice.ebpf.runtime.EbpfFailure.ELF_OBJECT, e.getMessage());
        }
        java.util.List<dev.sluice.ebpf.formats.elf.EbpfObject.MapDefinition> definitions = object.maps();
        dev.sluice.ebpf.maps.EbpfMap[] maps = new dev.sluice.ebpf.maps.EbpfMap[definitions.size()];
        for (int i = 0; i < maps.length; i++) {
            dev.sluice.ebpf.formats.elf.EbpfObject.MapDefinition d = definitions.get(i);
            dev.sluice.ebpf.maps.MapType type = dev.sluice.ebpf.maps.MapType.fromLinuxId(d.type());
            String problem = type == null
                    ? "map '" + dev.sluice.ebpf.maps.MapSpec.printable(d.name()) + "': map type " + d.type()
                            + " is not supported (array, hash, per-CPU, LRU hash and prog_array are)"
                    : new dev.sluice.ebpf.maps.MapSpec(d.name(), type, d.keySize(), d.valueSize(), d.maxEntries())
                            .problem();
            if (problem != null) {
                throw SluiceException.create(
                        dev.sluice.ebpf.runtime.EbpfFailure.ELF_OBJECT, source.getName() + ": " + problem);
            }
            maps[i] = new dev.sluice.ebpf.maps.EbpfMap(
                    new dev.sluice.ebpf.maps.MapSpec(
                            d.name(), type, d.keySize(), d.valueSize(), d.maxEntries(), d.flags()),
                    EbpfLanguage.class);
            if (d.isGlobalData()) {
                maps[i].update(new byte[4], d.initialValue(), dev.sluice.ebpf.maps.EbpfMap.BPF_ANY);
            }
        }
        java.util.Map<String, EbpfProgram> programs = new java.util.LinkedHashMap<>();
        for (dev.sluice.ebpf.formats.elf.EbpfObject.ObjectProgram p : object.programs()) {
            dev.sluice.ebpf.isa.ProgramType type = switch (p.kind()) {
                case XDP -> dev.sluice.ebpf.isa.ProgramType.XDP;
                case SOCKET_FILTER -> dev.sluice.ebpf.isa.ProgramType.SOCKET_FILTER;
                default -> dev.sluice.ebpf.isa.ProgramType.RAW;
            };
            EbpfProgram loaded;
            try {
                loaded = loadWithMaps(
                        language,
                        dev.sluice.ebpf.formats.RawFormat.decode(p.code()),
                        source,
                        p.section(),
                        type,
                        maps,
                        maxInstructions,
                        limitVerdict,
                        verifier);
            } catch (SluiceException e) {
                throw SluiceException.create(
                        dev.sluice.ebpf.runtime.EbpfFailure.ELF_PROGRAM, source.getName(), p.section(), e.getMessage());
            }
            programs.putIfAbsent(p.section(), loaded);
            programs.put(p.section() + "/" + p.name(), loaded);
            programs.putIfAbsent(p.name(), loaded);
        }
        return new dev.sluice.ebpf.EbpfObjectValue(programs, maps, object.license());
    }

    /** Programs are immutable after loading and each run has its own state, so any thread may run them. */
    @Override
    protected boolean isThreadAccessAllowed(Thread thread, boolean singleThreaded) {
        return true;
    }
}
