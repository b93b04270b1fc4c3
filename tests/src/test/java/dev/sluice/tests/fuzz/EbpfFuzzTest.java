package dev.sluice.tests.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sluice.core.error.SluiceException;
import dev.sluice.core.testing.EngineMode;
import dev.sluice.ebpf.formats.AsmFormat;
import dev.sluice.ebpf.formats.RawFormat;
import dev.sluice.ebpf.formats.elf.EbpfObject;
import dev.sluice.ebpf.formats.elf.ElfFormatException;
import dev.sluice.ebpf.formats.elf.ElfObjectReader;
import dev.sluice.ebpf.isa.Program;
import java.util.HashMap;
import java.util.Map;
import java.util.StringJoiner;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;
import org.junit.jupiter.api.AfterAll;

/**
 * eBPF on untrusted input: the assembler, raw instructions through the language's checks and runtime guards, and ELF
 * objects. Whatever the input, the outcome is a program, a located refusal, or a guest runtime error from a guard
 * (fuel, memory); never a host exception or an internal error. Programs run interpreted with a small fuel budget so
 * that a loop ends quickly.
 */
class EbpfFuzzTest {
    static final String[] PROGRAM_TYPES = {"raw", "socket_filter", "xdp"};
    private static Engine engine;
    private static final Map<String, Context> CONTEXTS = new HashMap<>();

    /** One context per program type and maps option, on one interpreted engine (EbpfFuzzCost replays with these). */
    static Context context(String programType, String maps) {
        if (engine == null) {
            engine = EngineMode.INTERPRETED.newEngine("ebpf");
        }
        return CONTEXTS.computeIfAbsent(
                programType + "|" + maps,
                k -> Context.newBuilder("ebpf")
                        .engine(engine)
                        .allowExperimentalOptions(true)
                        .option("ebpf.ProgramType", programType)
                        .option("ebpf.InputFormat", "raw")
                        .option("ebpf.Maps", maps)
                        .option("ebpf.MaxInstructions", "20000")
                        .build());
    }

    @AfterAll
    static void closeContexts() {
        CONTEXTS.values().forEach(Context::close);
        CONTEXTS.clear();
        if (engine != null) {
            engine.close();
            engine = null;
        }
    }

    @FuzzTest
    void assemblyReadsBackAsWritten(byte[] input) {
        String text = FuzzChecks.utf8(input);
        Program p;
        try {
            p = FuzzChecks.budgeted("ebpf assembler", input.length, () -> AsmFormat.read(text, "fuzz.s", 1));
        } catch (SluiceException e) {
            FuzzChecks.locatedInText(e, "fuzz.s", text);
            return;
        }
        String written = AsmFormat.write(p);
        Program back = AsmFormat.read(written, "written.s", 1);
        assertEquals(p, back, written);
        assertArrayEquals(RawFormat.encode(p), RawFormat.encode(back));
    }

    /** Loads the code into the language and, when it loads, runs it once on the input; returns whether it loaded. */
    private static boolean loadAndRun(String programType, String maps, byte[] code, byte[] input) {
        Value program;
        try {
            Context context = context(programType, maps);
            // The verifier may process up to its limit of instructions whatever the program's length (loops).
            program = FuzzChecks.budgeted(
                    "ebpf load (structural checks, verifier, lowering)",
                    code.length,
                    dev.sluice.ebpf.verify.Verifier.DEFAULT_LIMIT,
                    () -> context.eval(Source.newBuilder("ebpf", ByteSequence.create(code), "fuzz.ebpf")
                            .cached(false)
                            .buildLiteral()));
        } catch (PolyglotException e) {
            FuzzChecks.guestError(e);
            return false;
        }
        try {
            Value r0 = program.execute((Object) input);
            assertTrue(r0.fitsInLong(), "r0 is a number: " + r0);
        } catch (PolyglotException e) {
            FuzzChecks.guestError(e);
        }
        return true;
    }

    @FuzzTest
    void rawProgramsLoadOrAreRefused(FuzzedDataProvider data) {
        String type = data.pickValue(PROGRAM_TYPES);
        String maps = data.consumeBoolean() ? "m:2:4:8:4,h:1:4:4:16" : "";
        byte[] input = data.consumeBytes(data.consumeInt(0, 256));
        byte[] code = data.consumeRemainingAsBytes();
        boolean loaded = loadAndRun(type, maps, code, input);
        if (loaded) {
            assertEquals(0, code.length % 8, "only whole instructions load");
            assertArrayEquals(code, RawFormat.encode(RawFormat.decode(code)), "decode then encode");
        }
    }

    @FuzzTest
    void elfObjectsReadOrAreRefused(byte[] bytes) {
        EbpfObject object;
        try {
            object = FuzzChecks.budgeted("ebpf ELF reader", bytes.length, () -> ElfObjectReader.read("fuzz.o", bytes));
        } catch (ElfFormatException e) {
            FuzzChecks.shortMessage(e.getMessage());
            assertTrue(e.getMessage().startsWith("fuzz.o"), () -> "the message names the file: " + e.getMessage());
            // The reader's last-resort wrapper of a host exception means no check was written for this input.
            assertFalse(
                    e.getMessage().startsWith("fuzz.o: malformed ELF object ("),
                    () -> "no specific check refused it: " + e.getMessage());
            return;
        }
        // The programs run again as raw code with the object's maps, given through the ebpf.Maps option. A map's name
        // is only a label there, and the option's syntax cannot carry every name an object may hold (':' and ','),
        // so each map is named by its index.
        StringJoiner maps = new StringJoiner(",");
        int index = 0;
        for (EbpfObject.MapDefinition m : object.maps()) {
            maps.add("m" + index++ + ":" + m.type() + ":" + m.keySize() + ":" + m.valueSize() + ":" + m.maxEntries());
        }
        try {
            context("raw", maps.toString());
        } catch (IllegalArgumentException e) {
            // A map the language does not support (type, sizes): Truffle refuses the option when the context is built,
            // with the option's name and the reason.
            FuzzChecks.shortMessage(e.getMessage());
            assertTrue(
                    e.getMessage().startsWith("ebpf.Maps: "), () -> "the refusal names the option: " + e.getMessage());
            return;
        }
        for (EbpfObject.ObjectProgram p : object.programs()) {
            String type = switch (p.kind()) {
                case XDP -> "xdp";
                case SOCKET_FILTER -> "socket_filter";
                default -> "raw";
            };
            try {
                loadAndRun(type, maps.toString(), p.code(), new byte[64]);
            } catch (PolyglotException e) {
                FuzzChecks.guestError(e);
            }
        }
    }
}
