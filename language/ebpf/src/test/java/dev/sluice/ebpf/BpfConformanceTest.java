package dev.sluice.ebpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.testing.EngineMode;
import dev.sluice.ebpf.formats.AsmFormat;
import dev.sluice.ebpf.formats.DataFile;
import dev.sluice.ebpf.formats.RawFormat;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every test of bpf_conformance (313 {@code .data} files, copied into the test resources with their licences), read
 * with our own parser of the format and our assembler, run interpreted and compiled; r0 must equal the expected
 * result in all 64 bits. The groups each test touches are computed from its instructions and must equal the
 * {@code groups} column of the copied {@code tests.tsv}, and the number of passing tests per group is asserted.
 */
class BpfConformanceTest {
    /** Tests per group (RFC 9669 section 2.4; callx is the upstream runner's group), as tests.tsv counts them. */
    static final Map<String, Integer> EXPECTED_GROUPS = new TreeMap<>(Map.of(
            "base32", 313, "base64", 261, "atomic32", 17, "atomic64", 17, "divmul32", 35, "divmul64", 34, "callx", 1));

    /**
     * The tests the verifier refuses, as the kernel's verifier does: shifts by an immediate outside [0, width) (RFC
     * 9669 defines them by masking; the kernel calls them invalid) and callx (not in the kernel). With
     * {@code ebpf.Verify=false} they run, and pass.
     */
    static final Map<String, String> VERIFIER_REJECTS = new TreeMap<>();

    static {
        String[][] shifts = {
            {"arsh32-imm-high", "2", "48", "32"},
            {"arsh32-imm-neg", "2", "-16", "32"},
            {"arsh64-imm-high", "2", "124", "64"},
            {"arsh64-imm-neg", "2", "-4", "64"},
            {"lsh32-imm-high", "1", "60", "32"},
            {"lsh32-imm-neg", "1", "-4", "32"},
            {"lsh64-imm-high", "1", "68", "64"},
            {"lsh64-imm-neg", "1", "-60", "64"},
            {"rsh32-imm-high", "2", "40", "32"},
            {"rsh32-imm-neg", "2", "-24", "32"},
            {"rsh64-imm-high", "1", "68", "64"},
            {"rsh64-imm-neg", "1", "-60", "64"}
        };
        for (String[] t : shifts) {
            VERIFIER_REJECTS.put(
                    t[0] + ".data",
                    "insn " + t[1] + ": invalid shift " + t[2] + " (an immediate shift must be in [0, " + t[3] + "))");
        }
        VERIFIER_REJECTS.put(
                "callx.data",
                "insn 2: callx cannot be verified (the kernel has no call by register; ebpf.Verify=false runs it under the run-time guards)");
    }

    static String resource(String name) {
        try (InputStream in = BpfConformanceTest.class.getResourceAsStream("/bpf_conformance/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource bpf_conformance/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** tests.tsv: file name -> its columns by header name. */
    static Map<String, Map<String, String>> table() {
        String[] lines = resource("tests.tsv").split("\n");
        String[] header = lines[0].split("\t");
        Map<String, Map<String, String>> rows = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            String[] cols = lines[i].split("\t");
            Map<String, String> row = new LinkedHashMap<>();
            for (int c = 0; c < header.length; c++) {
                row.put(header[c], cols[c]);
            }
            rows.put(cols[0], row);
        }
        return rows;
    }

    static List<DataFile> all() {
        List<DataFile> files = new ArrayList<>();
        for (String name : table().keySet()) {
            files.add(DataFile.parse(name, resource(name)));
        }
        return files;
    }

    @Test
    void everyFileIsReadAndItsGroupsAreTheTablesGroups() {
        Map<String, Map<String, String>> table = table();
        assertEquals(313, table.size());
        Map<String, Integer> counts = new TreeMap<>();
        List<String> mismatches = new ArrayList<>();
        for (DataFile f : all()) {
            TreeSet<String> groups = ConformanceGroups.of(f.program());
            TreeSet<String> expected =
                    new TreeSet<>(List.of(table.get(f.name()).get("groups").split(",")));
            if (!groups.equals(expected)) {
                mismatches.add(f.name() + ": computed " + groups + ", table " + expected);
            }
            for (String g : groups) {
                counts.merge(g, 1, Integer::sum);
            }
            assertEquals(
                    Long.parseUnsignedLong(table.get(f.name()).get("result").substring(2), 16), f.result(), f.name());
            assertEquals(
                    Integer.parseInt(table.get(f.name()).get("insns")),
                    f.program().length(),
                    f.name() + ": slots");
            assertEquals(table.get(f.name()).get("has_mem").equals("yes"), f.memory().length > 0, f.name() + ": mem");
        }
        assertEquals(List.of(), mismatches);
        assertEquals(EXPECTED_GROUPS, counts);
    }

    @Test
    void writingAndReadingTheAssemblyGivesTheSameSlots() {
        for (DataFile f : all()) {
            String text = AsmFormat.write(f.program());
            assertEquals(f.program(), AsmFormat.read(text, f.name(), 1), () -> f.name() + ":\n" + text);
        }
    }

    /**
     * Interpreted and compiled, each with the default blinding (off: these loads are privileged) and with
     * ebpf.ConstantBlinding=on, which must change no result in any of the 64 bits (docs/guards.md).
     */
    static Stream<Arguments> modesAndBlinding() {
        return Stream.of(
                Arguments.of(EngineMode.INTERPRETED, "auto"),
                Arguments.of(EngineMode.COMPILED, "auto"),
                Arguments.of(EngineMode.INTERPRETED, "on"),
                Arguments.of(EngineMode.COMPILED, "on"));
    }

    @ParameterizedTest(name = "{0}, ebpf.ConstantBlinding={1}")
    @MethodSource("modesAndBlinding")
    void everyTestPasses(EngineMode mode, String blinding) throws IOException {
        List<String> failures = new ArrayList<>();
        Map<String, Integer> passedPerGroup = new TreeMap<>();
        int passed = 0;
        Map<String, String> rejected = new TreeMap<>();
        try (Engine engine = mode.newEngine("ebpf", "ebpf-")) {
            if (mode == EngineMode.COMPILED) {
                assertNotEquals(
                        "Interpreted",
                        engine.getImplementationName(),
                        "Graal compiler is not active; check --upgrade-module-path");
            }
            for (DataFile f : all()) {
                String name = "conf-" + mode + "-" + blinding + "-" + f.name();
                boolean verify = true;
                if (VERIFIER_REJECTS.containsKey(f.name())) {
                    try (Context context = mode.contextBuilder("ebpf", engine)
                            .option("ebpf.ConstantBlinding", blinding)
                            .build()) {
                        context.eval(Source.newBuilder(
                                        "ebpf", ByteSequence.create(RawFormat.encode(f.program())), name + "-verified")
                                .build());
                    } catch (PolyglotException e) {
                        assertTrue(e.isSyntaxError(), f.name() + ": a verifier error is a load-time (syntax) error");
                        rejected.put(f.name(), e.getMessage());
                    }
                    verify = false;
                }
                try (Context context = mode.contextBuilder("ebpf", engine)
                        .option("ebpf.Verify", Boolean.toString(verify))
                        .option("ebpf.ConstantBlinding", blinding)
                        .build()) {
                    Value program = context.eval(
                            Source.newBuilder("ebpf", ByteSequence.create(RawFormat.encode(f.program())), name)
                                    .build());
                    assertEquals(
                            blinding.equals("on"),
                            program.getMember("constantBlinding").asBoolean(),
                            f.name() + ": blinded as the option says");
                    long r0 = program.execute(f.memory()).asLong();
                    if (mode == EngineMode.COMPILED) {
                        // Compiled on the first call; a second run goes through the compiled code.
                        r0 = program.execute(f.memory()).asLong();
                        if (!EngineMode.compiled(name)) {
                            failures.add(f.name() + ": no 'opt done' for its program root");
                            continue;
                        }
                    }
                    if (r0 != f.result()) {
                        failures.add(f.name() + ": r0 = 0x" + Long.toHexString(r0) + ", expected 0x"
                                + Long.toHexString(f.result()));
                        continue;
                    }
                } catch (PolyglotException e) {
                    failures.add(f.name() + ": " + e.getMessage());
                    continue;
                }
                passed++;
                for (String g : ConformanceGroups.of(f.program())) {
                    passedPerGroup.merge(g, 1, Integer::sum);
                }
            }
        }
        assertEquals(List.of(), failures, mode + ", blinding " + blinding + ": failing tests");
        assertEquals(VERIFIER_REJECTS, rejected, "the tests the verifier refuses, with its messages");
        assertEquals(313, passed);
        assertEquals(EXPECTED_GROUPS, passedPerGroup);
        assertTrue(EngineMode.ENGINE_WARNINGS.isEmpty(), () -> "engine warnings: " + EngineMode.ENGINE_WARNINGS);
    }
}
