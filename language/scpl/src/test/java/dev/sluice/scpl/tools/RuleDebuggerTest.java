package dev.sluice.scpl.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.oracle.truffle.api.debug.Breakpoint;
import com.oracle.truffle.api.debug.DebugScope;
import com.oracle.truffle.api.debug.Debugger;
import com.oracle.truffle.api.debug.DebuggerSession;
import com.oracle.truffle.api.debug.SuspendedEvent;
import dev.sluice.core.testing.EngineMode;
import java.util.ArrayList;
import java.util.List;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Truffle's debugger on an SCPL policy: a breakpoint on a rule's line stops when a call reaches that rule; the frame
 * shows the call (nr, arguments) and the rule's condition; stepping goes to the next rule the call reaches.
 */
class RuleDebuggerTest {
    /** One stop: the rule's line and text, and what the scope shows. */
    record Stop(int line, String text, int nr, long arg2, String condition) {}

    private static Stop stop(SuspendedEvent event) {
        DebugScope scope = event.getTopStackFrame().getScope();
        return new Stop(
                event.getSourceSection().getStartLine(),
                event.getSourceSection().getCharacters().toString(),
                scope.getDeclaredValue("nr").asInt(),
                scope.getDeclaredValue("arg2").asLong(),
                scope.getDeclaredValue("condition").asString());
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void breakpointOnARuleThenStepOverToTheNextRuleReached(EngineMode mode) {
        Source source =
                Source.newBuilder("scpl", RuleCoverageTest.POLICY, "rules.scpl").buildLiteral();
        List<Stop> stops = new ArrayList<>();
        try (Engine engine = mode.newEngine();
                Context context = mode.contextBuilder("scpl", engine)
                        .option("scpl.Arch", "x86_64")
                        .build()) {
            Value policy = context.eval(source);
            // Run (and, in the compiled mode, compile) before the debugger attaches: attaching must still stop.
            for (int i = 0; i < 3; i++) {
                assertEquals(
                        0x7fff0000L,
                        policy.execute(RuleCoverageTest.call(RuleCoverageTest.CLOSE, 3))
                                .asLong());
            }
            try (DebuggerSession session = Debugger.find(engine).startSession(event -> {
                Stop stop = stop(event);
                stops.add(stop);
                if (stop.line() == 5 && stop.arg2() == 0) {
                    event.prepareStepOver(1);
                } else {
                    event.prepareContinue();
                }
            })) {
                session.install(Breakpoint.newBuilder(source.getURI()).lineIs(5).build());
                // openat(AT_FDCWD, 0x1000, O_WRONLY): line 5 decides (EPERM).
                assertEquals(
                        0x50001L,
                        policy.execute(RuleCoverageTest.call(RuleCoverageTest.OPENAT, -100, 0x1000, 1))
                                .asLong());
                assertEquals(1, stops.size());
                // openat(..., O_RDONLY): stops at line 5 (its condition fails), steps to line 6, which allows it.
                assertEquals(
                        0x7fff0000L,
                        policy.execute(RuleCoverageTest.call(RuleCoverageTest.OPENAT, -100, 0x1000, 0))
                                .asLong());
                // close: no stop (line 5 names only openat)
                assertEquals(
                        0x7fff0000L,
                        policy.execute(RuleCoverageTest.call(RuleCoverageTest.CLOSE, 3))
                                .asLong());
            }
        }
        String rule5 = "Errno EPERM openat if arg2 & O_WRONLY != 0";
        assertEquals(
                List.of(
                        new Stop(5, rule5, 257, 1, "arg2 & 0x1 != 0"),
                        new Stop(5, rule5, 257, 0, "arg2 & 0x1 != 0"),
                        new Stop(6, "Allow [openat, close]", 257, 0, "always")),
                stops);
    }
}
