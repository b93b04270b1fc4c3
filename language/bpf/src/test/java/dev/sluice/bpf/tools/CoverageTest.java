package dev.sluice.bpf.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.sluice.bpf.BpfLanguage;
import dev.sluice.bpf.coverage.CoverageInstrument;
import dev.sluice.bpf.coverage.InstructionCoverage;
import dev.sluice.bpf.formats.AsmFormat;
import dev.sluice.bpf.formats.RawFormat;
import dev.sluice.core.coverage.InstructionCounts.InstructionCount;
import dev.sluice.core.coverage.InstructionCounts.ProgramCoverage;
import dev.sluice.core.testing.EngineMode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The coverage instrument counts, from the interpreter's statement events, exactly how often each instruction ran,
 * compiled or not, and lists the instructions no input reached with 0.
 */
class CoverageTest {
    static byte[] records(int... nrs) {
        ByteBuffer b = ByteBuffer.allocate(64 * nrs.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < nrs.length; i++) {
            b.putInt(64 * i, nrs[i]);
            b.putInt(64 * i + 4, 0xc000003e);
        }
        return b.array();
    }

    static InstructionCoverage start(Engine engine) {
        InstructionCoverage coverage =
                engine.getInstruments().get(CoverageInstrument.ID).lookup(InstructionCoverage.class);
        coverage.start();
        return coverage;
    }

    /** getpid three times, mkdir twice, mkdirat once: the kill line is never reached. */
    static final int[] INPUTS = {39, 83, 39, 258, 39, 83};

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED", "BACKGROUND"})
    void exactCountsPerLineOfATextProgram(EngineMode mode) {
        Source source = Source.newBuilder("bpf", DebuggerTest.DENY_MKDIR, "deny-mkdir.asm")
                .mimeType("text/x-bpf-seccomp")
                .buildLiteral();
        List<ProgramCoverage> results;
        try (Engine engine = mode.newEngine();
                Context context = mode.contextBuilder("bpf", engine)
                        .option("bpf.Arch", "x86_64")
                        .build()) {
            InstructionCoverage coverage = start(engine);
            Value filter = context.eval(source);
            int[] verdicts = new int[INPUTS.length];
            for (int round = 0; round < 10; round++) { // enough calls for BACKGROUND to compile
                filter.invokeMember("runRecords", records(INPUTS), 64, verdicts);
            }
            assertEquals(
                    List.of(0x7fff0000, 0x50001, 0x7fff0000, 0x50001, 0x7fff0000, 0x50001),
                    java.util.Arrays.stream(verdicts).boxed().toList());
            assertEquals(
                    0x7fff0000L,
                    filter.execute(records(39)).asLong()); // the single-input root counts into the same lines
            results = coverage.results();
        }
        assertEquals(1, results.size());
        ProgramCoverage program = results.get(0);
        assertEquals("deny-mkdir.asm", program.name());
        assertNull(program.path());
        // 61 runs (10 rounds of 6, then 1); 40 are not mkdir; 31 getpid; 30 denied; none of another arch or x32.
        assertEquals(
                List.of(
                        new InstructionCount(0, 3, 61), // ld [4]
                        new InstructionCount(1, 4, 61), // jne #0xc000003e, kill
                        new InstructionCount(2, 5, 61), // ld [0]
                        new InstructionCount(3, 6, 61), // jge #0x40000000, kill
                        new InstructionCount(4, 7, 61), // jeq #83, deny
                        new InstructionCount(5, 8, 41), // jeq #258, deny
                        new InstructionCount(6, 9, 31), // ret ALLOW
                        new InstructionCount(7, 10, 30), // deny: ret ERRNO(EPERM)
                        new InstructionCount(8, 11, 0)), // kill: never reached
                program.instructions());
        assertEquals(8, program.covered());
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void aBinaryProgramIsCoveredOnItsListing(EngineMode mode) {
        byte[] raw =
                RawFormat.encode(AsmFormat.parse("deny-mkdir.asm", DebuggerTest.DENY_MKDIR), ByteOrder.LITTLE_ENDIAN);
        Source source = Source.newBuilder("bpf", ByteSequence.create(raw), "deny-mkdir.bpf")
                .mimeType(BpfLanguage.MIME_BINARY_SECCOMP)
                .buildLiteral();
        List<ProgramCoverage> results;
        try (Engine engine = mode.newEngine();
                Context context = mode.contextBuilder("bpf", engine)
                        .option("bpf.Arch", "x86_64")
                        .build()) {
            InstructionCoverage coverage = start(engine);
            Value filter = context.eval(source);
            filter.invokeMember("runRecords", records(258, 0x40000001), 64);
            results = coverage.results();
        }
        assertEquals(1, results.size());
        assertEquals(
                "deny-mkdir.bpf" + BpfLanguage.LISTING_SUFFIX, results.get(0).name());
        // mkdirat is denied at instruction 7; the x32 call is killed at 3 -> 8.
        assertEquals(
                List.of(
                        new InstructionCount(0, 1, 2),
                        new InstructionCount(1, 2, 2),
                        new InstructionCount(2, 3, 2),
                        new InstructionCount(3, 4, 2),
                        new InstructionCount(4, 5, 1),
                        new InstructionCount(5, 6, 1),
                        new InstructionCount(6, 7, 0),
                        new InstructionCount(7, 8, 1),
                        new InstructionCount(8, 9, 1)),
                results.get(0).instructions());
    }
}
