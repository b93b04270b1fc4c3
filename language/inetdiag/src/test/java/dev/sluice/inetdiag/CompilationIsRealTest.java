package dev.sluice.inetdiag;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.testing.CapturedLog;
import java.util.Map;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.proxy.ProxyObject;
import org.junit.jupiter.api.Test;

/**
 * Proof that INET-DIAG filters run compiled by Graal. This test does not skip: without the compiler on the upgrade
 * module path the engine is "Interpreted" and it fails.
 */
class CompilationIsRealTest {
    @Test
    void filterRootIsCompiledAndGivesTheSameAnswers() {
        CapturedLog log = new CapturedLog();
        try (Engine engine = Engine.newBuilder("inetdiag")
                        .allowExperimentalOptions(true)
                        .option("engine.CompileImmediately", "true")
                        .option("engine.BackgroundCompilation", "false")
                        .option("engine.CompilationFailureAction", "Throw")
                        .option("engine.TraceCompilation", "true")
                        .option("engine.CompileOnly", "inetdiag-")
                        .logHandler(log)
                        .build();
                Context c = Context.newBuilder("inetdiag").engine(engine).build()) {
            assertNotEquals(
                    "Interpreted",
                    engine.getImplementationName(),
                    "Graal compiler is not active; check --upgrade-module-path");
            Value f = c.eval(org.graalvm.polyglot.Source.newBuilder(
                            "inetdiag",
                            "( sport >= :1024 and src [2001:db8::/32] ) or dst 10.0.0.0/8:443 or autobound",
                            "proof")
                    .mimeType("text/x-ss-filter")
                    .buildLiteral());
            Object in = ProxyObject.fromMap(Map.of("src", "2001:db8::7", "dst", "::1", "sport", 5000, "dport", 1));
            Object out = ProxyObject.fromMap(Map.of("src", "2001:db9::7", "dst", "::1", "sport", 5000, "dport", 1));
            Object mapped =
                    ProxyObject.fromMap(Map.of("src", "::1", "dst", "::ffff:10.9.9.9", "sport", 80, "dport", 443));
            for (int i = 0; i < 3; i++) {
                assertEquals(true, f.execute(in).asBoolean());
                assertEquals(false, f.execute(out).asBoolean());
                assertEquals(true, f.execute(mapped).asBoolean());
            }
            assertTrue(
                    log.lines.stream()
                            .anyMatch(l -> l != null && l.contains("opt done") && l.contains("inetdiag-filter:proof")),
                    "no 'opt done' for the filter root in " + log.lines);
        }
    }
}
