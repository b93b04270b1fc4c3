package dev.sluice.ebpf.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.coverage.InstructionCounts.InstructionCount;
import dev.sluice.core.coverage.InstructionCounts.ProgramCoverage;
import dev.sluice.core.testing.EngineMode;
import dev.sluice.ebpf.EbpfTestSources;
import dev.sluice.ebpf.coverage.CoverageInstrument;
import dev.sluice.ebpf.coverage.InstructionCoverage;
import java.util.List;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Value;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The eBPF coverage instrument counts, from the interpreter's statement events, exactly how often each instruction ran,
 * compiled or not: a loop's instructions once per trip, a branch no input takes with 0, and the second slot of an
 * {@code lddw} not at all (it is no instruction).
 */
class CoverageTest {
    /** r0 = n + (n-1) + ... + 1 for the first memory byte n; a byte above 100 would take the branch to {@code big}. */
    static final String SUM_OR_BIG = """
                    mov %r0, 0
                    ldxb %r3, [%r1]
                    jgt %r3, 100, big
                    jeq %r3, 0, done
                    loop:
                    add %r0, %r3
                    sub %r3, 1
                    jne %r3, 0, loop
                    done:
                    exit
                    big:
                    lddw %r0, 0x100000000
                    exit
                    """;

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void exactRunsPerInstructionOfALoopAndAnUnreachedBranch(EngineMode mode) {
        List<ProgramCoverage> results;
        try (Engine engine = mode.newEngine("ebpf", "ebpf-");
                Context context = mode.contextBuilder("ebpf", engine).build()) {
            InstructionCoverage coverage =
                    engine.getInstruments().get(CoverageInstrument.ID).lookup(InstructionCoverage.class);
            coverage.start();
            Value program = context.eval(EbpfTestSources.asm(SUM_OR_BIG));
            assertEquals(6L, program.execute((Object) new byte[] {3}).asLong());
            assertEquals(3L, program.execute((Object) new byte[] {2}).asLong());
            if (mode == EngineMode.COMPILED) {
                assertNotEquals("Interpreted", engine.getImplementationName(), "Graal compiler is not active");
                assertTrue(
                        EngineMode.compiled("ebpf-raw:Unnamed"),
                        "the program was not compiled: " + EngineMode.COMPILATIONS);
            }
            results = coverage.results();
        }
        assertEquals(1, results.size(), () -> "one program: " + results);
        ProgramCoverage p = results.get(0);
        assertEquals("ebpf-raw:Unnamed (listing)", p.name());
        // Slot pc is listing line pc + 1; the loop (4-6) runs 3 + 2 times; big (8, 10) never; slot 9 is lddw's second.
        assertEquals(
                List.of(
                        new InstructionCount(0, 1, 2),
                        new InstructionCount(1, 2, 2),
                        new InstructionCount(2, 3, 2),
                        new InstructionCount(3, 4, 2),
                        new InstructionCount(4, 5, 5),
                        new InstructionCount(5, 6, 5),
                        new InstructionCount(6, 7, 5),
                        new InstructionCount(7, 8, 2),
                        new InstructionCount(8, 9, 0),
                        new InstructionCount(10, 11, 0)),
                p.instructions());
        assertEquals(8, p.covered());
    }
}
