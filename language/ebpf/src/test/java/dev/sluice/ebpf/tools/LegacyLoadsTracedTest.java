package dev.sluice.ebpf.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sluice.core.testing.EngineMode;
import dev.sluice.ebpf.trace.StepTrace;
import dev.sluice.ebpf.trace.StepTraceInstrument;
import java.util.List;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A socket filter whose legacy loads leave r0 in the machine's byte order while nothing watches (nodes'
 * {@code NativeOrderR0}): a step trace started after the program has run, interpreted or compiled, blinded or not,
 * still sees r0 as the program defines it (the halfword 0x800, the word 0x0a000001), and the verdicts do not change.
 */
class LegacyLoadsTracedTest {
    private static final String PROGRAM = """
                    mov %r6, %r1
                    ldabsh 12
                    jne %r0, 0x800, drop
                    ldabsw 26
                    jne %r0, 0x0a000001, drop
                    mov %r0, 1
                    exit
                    drop:
                    mov %r0, 0
                    exit
                    """;

    @ParameterizedTest
    @CsvSource({"INTERPRETED,off", "INTERPRETED,on", "COMPILED,off", "COMPILED,on"})
    void aTraceStartedLaterSeesLoadedValuesAsTheProgramDefinesThem(EngineMode mode, String blinding) {
        byte[] frame = new byte[64];
        frame[12] = 0x08;
        frame[26] = 10;
        frame[29] = 1;
        try (Engine engine = mode.newEngine("ebpf");
                Context context = mode.contextBuilder("ebpf", engine)
                        .option("ebpf.ProgramType", "socket_filter")
                        .option("ebpf.ConstantBlinding", blinding)
                        .build()) {
            Value program = context.eval(Source.newBuilder("ebpf", PROGRAM, "traced.s")
                    .mimeType("text/x-ebpf")
                    .buildLiteral());
            for (int i = 0; i < 3; i++) {
                assertEquals(1, program.execute((Object) frame).asLong());
            }
            StepTrace trace =
                    engine.getInstruments().get(StepTraceInstrument.ID).lookup(StepTrace.class);
            trace.start();
            trace.begin();
            assertEquals(1, program.execute((Object) frame).asLong());
            List<StepTrace.Entry> steps = trace.end();
            trace.stop();
            // Entering the two compares (slots 2 and 4), r0 holds what the loads before them gave.
            List<Long> r0AtCompares = steps.stream()
                    .filter(e -> e.pc() == 2 || e.pc() == 4)
                    .map(e -> e.registers()[0])
                    .toList();
            assertEquals(List.of(0x800L, 0x0a000001L), r0AtCompares, "steps: " + steps.size());
        }
    }
}
