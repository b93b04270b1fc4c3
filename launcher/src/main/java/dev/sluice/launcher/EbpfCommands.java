package dev.sluice.launcher;

import dev.sluice.core.error.SluiceException;
import dev.sluice.ebpf.EbpfLanguage;
import dev.sluice.ebpf.coverage.CoverageInstrument;
import dev.sluice.ebpf.coverage.InstructionCoverage;
import dev.sluice.ebpf.formats.AsmFormat;
import dev.sluice.ebpf.formats.RawFormat;
import dev.sluice.ebpf.isa.Program;
import dev.sluice.ebpf.isa.ProgramType;
import dev.sluice.ebpf.verify.StructuralCheck;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;

/**
 * The subcommands with {@code --lang ebpf}: programs are raw instruction bytes or assembly text (the syntax of
 * bpf_conformance; {@code --input-format raw|asm}, default: text is asm), {@code --profile} is the program type
 * ({@code raw}, {@code socket_filter}, {@code xdp}). Errors are located as for classic BPF: {@code FILE:LINE:COL:
 * reason}, the source line and a caret.
 */
final class EbpfCommands {
    private static final long XDP_PASS = 2;

    private EbpfCommands() {}

    /** A program file read and structurally checked. */
    record Loaded(String name, Program program, String text) {
        byte[] raw() {
            return RawFormat.encode(program);
        }
    }

    static ProgramType type(String profile, ProgramType fallback) {
        if (profile == null) {
            return fallback;
        }
        try {
            return ProgramType.fromId(profile);
        } catch (IllegalArgumentException e) {
            throw UserError.usage(e.getMessage());
        }
    }

    static String format(String inputFormat) {
        String f = inputFormat == null ? "auto" : inputFormat;
        if (!f.equals("auto") && !f.equals("raw") && !f.equals("asm")) {
            throw UserError.usage("--input-format " + f + ": eBPF programs are raw or asm");
        }
        return f;
    }

    static Loaded load(Path path, String format, ProgramType type) {
        String name = path.toString();
        byte[] bytes = LoadedProgram.readFile(path);
        boolean text = format.equals("asm") || format.equals("auto") && looksLikeText(bytes);
        String sourceText = text ? new String(bytes, StandardCharsets.UTF_8) : null;
        Program program;
        try {
            program = text ? AsmFormat.read(sourceText, name, 1) : RawFormat.decode(bytes);
        } catch (SluiceException e) {
            throw UserError.invalid(render(e, name, sourceText, null));
        }
        try {
            StructuralCheck.check(program, type);
        } catch (SluiceException e) {
            throw UserError.invalid(render(e, name, sourceText, program));
        }
        return new Loaded(name, program, sourceText);
    }

    /** Text when there is no NUL byte and the bytes are valid UTF-8 (raw instruction slots nearly always hold a 0). */
    static boolean looksLikeText(byte[] bytes) {
        for (byte b : bytes) {
            if (b == 0) {
                return false;
            }
        }
        return true;
    }

    static String render(SluiceException e, String name, String sourceText, Program program) {
        int line = e.line();
        int column = e.column();
        String detail = e.detail();
        if (line <= 0 && e.insn() >= 0 && program != null && program.hasPositions()) {
            line = program.line(e.insn());
            column = program.column(e.insn());
        }
        return located(name, line, column, detail, sourceText);
    }

    /** {@code name:line:col: detail}, the source line and a caret; {@code name: detail} without a position. */
    static String located(String name, int line, int column, String detail, String sourceText) {
        if (line <= 0 || sourceText == null) {
            return name + ": " + detail;
        }
        String[] lines = sourceText.split("\n", -1);
        String src = line <= lines.length ? lines[line - 1].replace("\r", "") : "";
        StringBuilder caret = new StringBuilder();
        for (int i = 0; i < Math.max(0, Math.min(column, src.length() + 1) - 1); i++) {
            caret.append(src.charAt(i) == '\t' ? '\t' : ' ');
        }
        return name + ":" + line + ":" + column + ": " + detail + "\n" + src + "\n" + caret + "^";
    }

    /** A context for the ebpf language with the user's engine and ebpf options, then the given ones. */
    static Context newContext(PolyglotOptions polyglot, Map<String, String> languageOptions) {
        Map<String, String> options = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : polyglot.all().entrySet()) {
            if (!e.getKey().startsWith("bpf.") && !e.getKey().startsWith("scpl.")) {
                options.put(e.getKey(), e.getValue());
            }
        }
        options.putAll(languageOptions);
        try {
            return Context.newBuilder(EbpfLanguage.ID)
                    .allowExperimentalOptions(true)
                    .options(options)
                    .build();
        } catch (IllegalArgumentException e) {
            throw UserError.usage(e.getMessage());
        }
    }

    private static final java.util.regex.Pattern INSN = java.util.regex.Pattern.compile("^insn (\\d+): ");

    static Value eval(Context context, Loaded loaded) {
        try {
            return context.eval(Source.newBuilder(EbpfLanguage.ID, ByteSequence.create(loaded.raw()), loaded.name())
                    .buildLiteral());
        } catch (PolyglotException e) {
            if (e.isSyntaxError()) {
                // The language saw the raw slots; a verifier error names the instruction, which the text locates.
                java.util.regex.Matcher m = INSN.matcher(e.getMessage());
                if (m.find() && loaded.text() != null) {
                    int insn = Integer.parseInt(m.group(1));
                    if (insn < loaded.program().length()) {
                        throw UserError.invalid(located(
                                loaded.name(),
                                loaded.program().line(insn),
                                loaded.program().column(insn),
                                e.getMessage(),
                                loaded.text()));
                    }
                }
                throw UserError.invalid(loaded.name() + ": " + e.getMessage());
            }
            throw e;
        }
    }

    static int check(
            List<Path> files,
            String format,
            ProgramType type,
            PolyglotOptions polyglot,
            PrintWriter out,
            PrintWriter err) {
        int status = Main.OK;
        try (Context context = newContext(polyglot, Map.of("ebpf.ProgramType", type.id()))) {
            for (Path f : files) {
                try {
                    Loaded p = load(f, format, type);
                    eval(context, p);
                    out.println(f + ": ok (" + p.program().length() + " instruction slots)");
                } catch (UserError e) {
                    out.flush();
                    err.println(e.getMessage());
                    status = Math.max(status, e.exitCode());
                }
            }
        }
        return status;
    }

    /**
     * {@code raw}: one run on the bytes of {@code --data} (empty without), printing r0. {@code xdp} and
     * {@code socket_filter}: one run per packet of {@code --pcap}, printing r0 per packet, or with {@code --count}
     * the number of packets kept (socket_filter: nonzero result) or passed (xdp: XDP_PASS).
     */
    static int run(
            Loaded loaded,
            ProgramType type,
            Path data,
            Path pcap,
            boolean count,
            boolean hex,
            PolyglotOptions polyglot,
            PrintWriter out,
            java.util.function.Consumer<CoverageReport> coverage) {
        requireInput("run", type, pcap);
        try (Context context = newContext(polyglot, Map.of("ebpf.ProgramType", type.id()))) {
            InstructionCoverage counts = null;
            if (coverage != null) {
                counts = context.getEngine()
                        .getInstruments()
                        .get(CoverageInstrument.ID)
                        .lookup(InstructionCoverage.class);
                counts.start();
            }
            Value program = eval(context, loaded);
            runLoaded(program, type, data, pcap, count, hex, out);
            if (counts != null) {
                coverage.accept(CoverageReport.ofEbpf(
                        loaded.name(),
                        loaded.program(),
                        loaded.text(),
                        "ebpf-" + type.id() + ":" + loaded.name() + LISTING_SUFFIX,
                        counts.results()));
            }
        } catch (PolyglotException e) {
            if (e.isGuestException() && !e.isInternalError()) {
                throw UserError.invalid(loaded.name() + ": " + e.getMessage());
            }
            throw e;
        }
        return Main.OK;
    }

    /** The name suffix of the listing the eBPF language shows instruments (its {@code InstructionListing}). */
    private static final String LISTING_SUFFIX = " (listing)";

    /** One run on the memory of {@code --data}, or one per packet of {@code --pcap}, printing what the program returned. */
    private static void runLoaded(
            Value program, ProgramType type, Path data, Path pcap, boolean count, boolean hex, PrintWriter out) {
        if (pcap == null) {
            byte[] memory = data == null ? new byte[0] : LoadedProgram.readFile(data);
            print(out, program.execute(memory).asLong(), hex);
            return;
        }
        // A cut capture is refused before any packet runs; then the capture runs a slice at a time.
        CaptureReader.requireWhole(pcap);
        long nonzero = 0;
        long passed = 0;
        try (CaptureReader capture = CaptureReader.open(pcap, RunCommand.CHUNK_BYTES)) {
            while (capture.nextSlice(RunCommand.CHUNK_BYTES)) {
                long[] results = new long[capture.slicePackets()];
                nonzero += program.invokeMember(
                                "runBatch", capture.slice(), capture.offsets(), capture.lengths(), results)
                        .asLong();
                for (long r : results) {
                    if (!count) {
                        print(out, r, hex);
                    }
                    passed += r == XDP_PASS ? 1 : 0;
                }
            }
        }
        if (count) {
            // Packets that go on: a socket filter keeps a packet for a nonzero result, XDP passes it for XDP_PASS.
            out.println(type == ProgramType.XDP ? passed : nonzero);
        }
    }

    /** A raw program runs on memory, the others over a capture: the input {@code sluice COMMAND} needs. */
    private static void requireInput(String command, ProgramType type, Path pcap) {
        if (type == ProgramType.RAW && pcap != null) {
            throw UserError.usage("sluice " + command + ": --pcap needs --profile xdp or socket_filter");
        }
        if (type != ProgramType.RAW && pcap == null) {
            throw UserError.usage("sluice " + command + ": a " + type.id() + " program runs over --pcap FILE");
        }
    }

    /**
     * {@code sluice explain --lang ebpf}: runs the program on each input (the {@code --data} memory of a raw program,
     * or each packet of {@code --pcap}) with the step trace instrument attached, and prints r0, then each instruction
     * it entered with the registers that instruction changed. The steps are the interpreter's own (a Truffle
     * instrument on its statement nodes), not a second evaluation.
     */
    static int explain(
            Loaded loaded, ProgramType type, Path data, Path pcap, PolyglotOptions polyglot, PrintWriter out) {
        requireInput("explain", type, pcap);
        List<byte[]> inputs = new ArrayList<>();
        if (pcap == null) {
            inputs.add(data == null ? new byte[0] : LoadedProgram.readFile(data));
        } else {
            CaptureReader.requireWhole(pcap);
            try (CaptureReader capture = CaptureReader.open(pcap, RunCommand.CHUNK_BYTES)) {
                while (capture.nextSlice(RunCommand.CHUNK_BYTES)) {
                    byte[] slice = capture.slice();
                    int[] offsets = capture.offsets();
                    int[] lengths = capture.lengths();
                    for (int i = 0; i < offsets.length; i++) {
                        inputs.add(java.util.Arrays.copyOfRange(slice, offsets[i], offsets[i] + lengths[i]));
                    }
                }
            }
        }
        try (Context context = newContext(polyglot, Map.of("ebpf.ProgramType", type.id()))) {
            dev.sluice.ebpf.trace.StepTrace trace = context.getEngine()
                    .getInstruments()
                    .get(dev.sluice.ebpf.trace.StepTraceInstrument.ID)
                    .lookup(dev.sluice.ebpf.trace.StepTrace.class);
            trace.start(); // before the program loads: its statement nodes then exist from its first run
            Value program = eval(context, loaded);
            for (int i = 0; i < inputs.size(); i++) {
                byte[] input = inputs.get(i);
                if (i > 0) {
                    out.println();
                }
                String what = pcap == null
                        ? "memory of " + input.length + " bytes"
                        : "packet " + (i + 1) + " (" + input.length + " bytes)";
                trace.begin();
                String outcome;
                try {
                    outcome = "r0 = "
                            + Long.toUnsignedString(
                                    program.execute((Object) input).asLong());
                } catch (PolyglotException e) {
                    if (!e.isGuestException() || e.isInternalError()) {
                        throw e;
                    }
                    outcome = "stopped: " + e.getMessage();
                }
                List<dev.sluice.ebpf.trace.StepTrace.Entry> steps = trace.end();
                out.println(loaded.name() + " on " + what + ": " + outcome);
                printSteps(out, steps);
            }
        } catch (PolyglotException e) {
            if (e.isGuestException() && !e.isInternalError()) {
                throw UserError.invalid(loaded.name() + ": " + e.getMessage());
            }
            throw e;
        }
        return Main.OK;
    }

    /** Each step: its instruction, then the registers it changed (what the next step saw differently). */
    private static void printSteps(PrintWriter out, List<dev.sluice.ebpf.trace.StepTrace.Entry> steps) {
        int width = 0;
        for (dev.sluice.ebpf.trace.StepTrace.Entry e : steps) {
            width = Math.max(width, e.instruction().length());
        }
        for (int i = 0; i < steps.size(); i++) {
            dev.sluice.ebpf.trace.StepTrace.Entry e = steps.get(i);
            // The listing's line starts with the slot, "(003) add %r0, %r3", as sluice disasm prints it.
            StringBuilder line = new StringBuilder(String.format("  %-" + width + "s", e.instruction()));
            if (i + 1 < steps.size()) {
                long[] before = e.registers(), after = steps.get(i + 1).registers();
                String sep = "  ; ";
                for (int r = 0; r < Math.min(before.length, after.length); r++) {
                    if (before[r] != after[r]) {
                        line.append(sep).append("r").append(r).append(" = ").append(value(after[r]));
                        sep = ", ";
                    }
                }
            }
            out.println(line.toString().stripTrailing());
        }
    }

    /**
     * A register's value: decimal when it is a small number, else hex; a value whose high half names the context, the
     * packet or a stack (pointers are region << 32 | offset) also says which, as the run-time guard would name it.
     */
    private static String value(long v) {
        if (v >= -65536 && v <= 0xffffffffL) {
            return Long.toString(v);
        }
        long region = v >>> 32;
        boolean pointer = region >= dev.sluice.ebpf.runtime.Memory.CONTEXT
                && region < dev.sluice.ebpf.runtime.Memory.FIRST_DYNAMIC;
        // context, packet and stacks only: the high half of a large number often looks like a map value's region
        return "0x" + Long.toHexString(v) + (pointer ? " (" + dev.sluice.ebpf.runtime.Memory.describe(v) + ")" : "");
    }

    private static void print(PrintWriter out, long r0, boolean hex) {
        out.println(hex ? "0x" + Long.toHexString(r0) : Long.toUnsignedString(r0));
    }

    static String disassemble(Loaded loaded) {
        return AsmFormat.write(loaded.program());
    }
}
