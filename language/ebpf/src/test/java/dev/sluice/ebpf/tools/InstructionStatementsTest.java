package dev.sluice.ebpf.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.oracle.truffle.api.debug.Debugger;
import com.oracle.truffle.api.debug.DebuggerSession;
import dev.sluice.core.testing.EngineMode;
import dev.sluice.ebpf.EbpfTestSources;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Value;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * eBPF instructions are Truffle statements: stepping into every statement of a run visits each executed instruction
 * once per execution, on its line of the program's listing, so the visits are the run's per-instruction coverage,
 * interpreted and compiled (the program compiled before the debugger attaches).
 */
class InstructionStatementsTest {
    /** Slot pc is listing line pc + 1; the loop (slots 3-5) runs as often as the first memory byte says. */
    static final String SUM = """
                    mov %r0, 0
                    ldxb %r3, [%r1]
                    jeq %r3, 0, done
                    loop:
                    add %r0, %r3
                    sub %r3, 1
                    jne %r3, 0, loop
                    done:
                    exit
                    """;

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void everyExecutedInstructionIsAStatementOnItsListingLine(EngineMode mode) {
        Map<Integer, Integer> visits = new TreeMap<>();
        List<String> texts = new ArrayList<>();
        try (Engine engine = mode.newEngine("ebpf", "ebpf-");
                Context context = mode.contextBuilder("ebpf", engine).build()) {
            Value program = context.eval(EbpfTestSources.asm(SUM));
            for (int i = 0; i < 3; i++) {
                assertEquals(6L, program.execute((Object) new byte[] {3}).asLong());
            }
            if (mode == EngineMode.COMPILED) {
                assertNotEquals("Interpreted", engine.getImplementationName(), "Graal compiler is not active");
                assertTrue(EngineMode.compiled("ebpf-"), "the program was not compiled: " + EngineMode.COMPILATIONS);
            }
            try (DebuggerSession session = Debugger.find(engine).startSession(event -> {
                int line = event.getSourceSection().getStartLine();
                if (visits.merge(line, 1, Integer::sum) == 1) {
                    texts.add(event.getSourceSection().getSource().getName() + ": "
                            + event.getSourceSection().getCharacters());
                }
                event.prepareStepInto(1);
            })) {
                session.suspendNextExecution();
                // 3 + 2 + 1: the loop body runs three times
                assertEquals(6L, program.execute((Object) new byte[] {3}).asLong());
            }
        }
        assertEquals(Map.of(1, 1, 2, 1, 3, 1, 4, 3, 5, 3, 6, 3, 7, 1), visits);
        assertEquals(
                List.of(
                        "ebpf-raw:Unnamed (listing): (000) mov %r0, 0",
                        "ebpf-raw:Unnamed (listing): (001) ldxb %r3, [%r1]",
                        "ebpf-raw:Unnamed (listing): (002) jeq %r3, 0, +3",
                        "ebpf-raw:Unnamed (listing): (003) add %r0, %r3",
                        "ebpf-raw:Unnamed (listing): (004) sub %r3, 1",
                        "ebpf-raw:Unnamed (listing): (005) jne %r3, 0, -3",
                        "ebpf-raw:Unnamed (listing): (006) exit"),
                texts);
    }
}
