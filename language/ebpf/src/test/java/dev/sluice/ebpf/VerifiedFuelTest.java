package dev.sluice.ebpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.ebpf.formats.AsmFormat;
import dev.sluice.ebpf.isa.Program;
import dev.sluice.ebpf.isa.ProgramType;
import dev.sluice.ebpf.lower.Lowering;
import dev.sluice.ebpf.verify.StructuralCheck;
import dev.sluice.ebpf.verify.Verifier;
import java.util.List;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.junit.jupiter.api.Test;

/**
 * What the verifier proves, the run time need not check: a verified program whose every run the verifier showed to
 * end within {@code ebpf.MaxInstructions} (it processed no more over all paths) carries no fuel counter. Shown on the
 * lowered program (no block is charged) and in the compiled code (Graal's code for it is smaller than for the same
 * program unverified, whose blocks each subtract and test the fuel).
 */
class VerifiedFuelTest {
    /** A bounded loop over a map-free computation, and branches: several basic blocks, each charged when unverified. */
    static final String PROGRAM = """
                    mov %r0, 0
                    mov %r1, 0
                    loop:
                    add %r0, %r1
                    jset %r0, 1, odd
                    add %r0, 3
                    odd:
                    add %r1, 1
                    jlt %r1, 20, loop
                    exit
                    """;

    @Test
    void aVerifiedProgramIsLoweredWithoutFuel() {
        Program p = AsmFormat.read(PROGRAM, "fuel", 1);
        StructuralCheck.Shape shape = StructuralCheck.check(p, ProgramType.RAW);
        Verifier.Result r = Verifier.verify(p, ProgramType.RAW, shape, List.of(), Verifier.DEFAULT_LIMIT);
        EbpfLanguage.Checked checked = new EbpfLanguage.Checked(shape, r);
        assertFalse(checked.meterFuel(p, 1_000_000), "every run ends within " + r.processed() + " instructions");
        assertTrue(
                checked.meterFuel(p, r.processed() - 1), "a limit below what the verifier processed keeps the meter");
        assertTrue(new EbpfLanguage.Checked(shape, null).meterFuel(p, 1_000_000), "an unverified program is metered");
        assertTrue(java.util.Arrays.stream(
                        Lowering.lower(p, ProgramType.RAW, shape, false).blockCosts())
                .allMatch(c -> c == 0));
        assertTrue(java.util.Arrays.stream(
                        Lowering.lower(p, ProgramType.RAW, shape, true).blockCosts())
                .anyMatch(c -> c > 0));
        Program tailCalls =
                AsmFormat.read("lddw %r2, map_fd 0\nmov %r3, 0\ncall tail_call\nmov %r0, 0\nexit", "tail", 1);
        List<dev.sluice.ebpf.maps.MapSpec> maps = dev.sluice.ebpf.maps.MapSpec.parseList("p:prog_array:4:4:1");
        StructuralCheck.Shape tailShape = StructuralCheck.check(tailCalls, ProgramType.RAW, maps);
        assertTrue(
                new EbpfLanguage.Checked(
                                tailShape,
                                Verifier.verify(tailCalls, ProgramType.RAW, tailShape, maps, Verifier.DEFAULT_LIMIT))
                        .meterFuel(tailCalls, 1_000_000),
                "a program that tail-calls shares its fuel with the chain: metered");
    }

    @Test
    void theCompiledCodeOfAVerifiedProgramHasNoFuelCheck() {
        CompilationIsRealTest.Log log = new CompilationIsRealTest.Log();
        try (Engine engine = CompilationIsRealTest.compilingEngine(log)) {
            assertNotEquals(
                    "Interpreted",
                    engine.getImplementationName(),
                    "Graal compiler is not active; check --upgrade-module-path");
            long verified;
            long unverified;
            try (Context c = Context.newBuilder("ebpf").engine(engine).build()) {
                Value p = c.eval(Source.newBuilder("ebpf", PROGRAM, "fuel-verified")
                        .mimeType("text/x-ebpf")
                        .buildLiteral());
                verified = p.execute(new byte[8]).asLong();
                assertEquals(verified, p.execute(new byte[8]).asLong());
            }
            try (Context c = Context.newBuilder("ebpf")
                    .engine(engine)
                    .option("ebpf.Verify", "false")
                    .build()) {
                Value p = c.eval(Source.newBuilder("ebpf", PROGRAM, "fuel-unverified")
                        .mimeType("text/x-ebpf")
                        .buildLiteral());
                unverified = p.execute(new byte[8]).asLong();
                assertEquals(unverified, p.execute(new byte[8]).asLong());
            }
            assertEquals(unverified, verified, "the same result with and without the meter");
            int withoutFuel = log.codeSize("fuel-verified");
            int withFuel = log.codeSize("fuel-unverified");
            System.out.println("compiled code size: verified (no fuel check) " + withoutFuel
                    + " bytes, unverified (fuel per block) " + withFuel + " bytes");
            assertTrue(withoutFuel < withFuel, "the fuel checks are gone: " + withoutFuel + " < " + withFuel);
        }
    }
}
