package dev.sluice.scpl.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.seccomp.Arch;
import dev.sluice.core.seccomp.SeccompData;
import dev.sluice.core.testing.EngineLog;
import dev.sluice.core.testing.EngineMode;
import dev.sluice.scpl.coverage.RuleCoverage;
import dev.sluice.scpl.coverage.RuleCoverageInstrument;
import java.util.List;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The rule coverage instrument over SCPL's interpreter: per rule, the calls that reached it and those it decided,
 * exactly, interpreted and compiled; a rule no call reaches is listed with 0.
 */
class RuleCoverageTest {
    /** Rules on lines 4 to 8; line 7 (getpid) is reached by none of the calls below. */
    static final String POLICY = """
                    { arch = x86_64;
                      default_action = Errno ENOSYS;
                      rules = [
                        Allow [read, write] if arg0 <= 2;
                        Errno EPERM openat if arg2 & O_WRONLY != 0;
                        Allow [openat, close];
                        Kill getpid;
                        Allow write;
                      ] }
                    """;

    static final int READ = 0, WRITE = 1, CLOSE = 3, MMAP = 9, OPENAT = 257;

    static byte[] call(int nr, long... args) {
        return SeccompData.encode(Arch.X86_64, nr, 0L, args);
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void countsPerRuleWhatReachedAndWhatDecided(EngineMode mode) {
        Source source = Source.newBuilder("scpl", POLICY, "rules.scpl").buildLiteral();
        RuleCoverage.PolicyCoverage covered;
        try (Engine engine = mode.newEngine();
                Context context = mode.contextBuilder("scpl", engine)
                        .option("scpl.Arch", "x86_64")
                        .build()) {
            RuleCoverage coverage =
                    engine.getInstruments().get(RuleCoverageInstrument.ID).lookup(RuleCoverage.class);
            coverage.start();
            Value policy = context.eval(source);
            long allow = 0x7fff0000L, eperm = 0x50001L, enosys = 0x50000L | 38;
            assertEquals(allow, policy.execute(call(READ, 0)).asLong());
            assertEquals(allow, policy.execute(call(READ, 2)).asLong());
            assertEquals(allow, policy.execute(call(WRITE, 1)).asLong());
            assertEquals(allow, policy.execute(call(WRITE, 5)).asLong()); // line 4 fails, line 8 decides
            assertEquals(eperm, policy.execute(call(OPENAT, -100, 0x1000, 1)).asLong());
            assertEquals(allow, policy.execute(call(OPENAT, -100, 0x1000, 0)).asLong()); // line 5 fails, line 6 decides
            assertEquals(allow, policy.execute(call(CLOSE, 3)).asLong());
            assertEquals(enosys, policy.execute(call(MMAP)).asLong()); // no rule names mmap: reaches none
            List<RuleCoverage.PolicyCoverage> results = coverage.results();
            assertEquals(1, results.size());
            covered = results.get(0);
            if (mode == EngineMode.COMPILED) {
                assertNotEquals("Interpreted", engine.getImplementationName(), "Graal compiler is not active");
                assertTrue(
                        EngineLog.compiled("scpl-policy"),
                        "the policy root was not compiled: " + EngineLog.COMPILATIONS);
            }
        }
        assertEquals("rules.scpl", covered.name());
        // line, text, reached, decided
        List<String> expected = List.of(
                "4 Allow [read, write] if arg0 <= 2 reached 4 decided 3",
                "5 Errno EPERM openat if arg2 & O_WRONLY != 0 reached 2 decided 1",
                "6 Allow [openat, close] reached 2 decided 2",
                "7 Kill getpid reached 0 decided 0",
                "8 Allow write reached 1 decided 1");
        assertEquals(
                expected,
                covered.rules().stream()
                        .map(r -> r.rule().line() + " " + r.text() + " reached " + r.reached() + " decided "
                                + r.decided())
                        .toList());
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void rulesOfIncludedFilesCarryTheirOwnFile(EngineMode mode) throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("scpl-coverage");
        java.nio.file.Files.writeString(dir.resolve("io.scpl"), "cond stdio = arg0 <= 2;\n");
        java.nio.file.Path main = dir.resolve("main.scpl");
        java.nio.file.Files.writeString(
                main,
                "include \"io.scpl\";\n{ arch = x86_64; default_action = Kill;\n  rules = [ Allow write if stdio; ] }\n");
        try (Engine engine = mode.newEngine();
                Context context = mode.contextBuilder("scpl", engine)
                        .option("scpl.Arch", "x86_64")
                        .allowIO(org.graalvm.polyglot.io.IOAccess.ALL)
                        .build()) {
            RuleCoverage coverage =
                    engine.getInstruments().get(RuleCoverageInstrument.ID).lookup(RuleCoverage.class);
            coverage.start();
            Value policy = context.eval(Source.newBuilder("scpl", main.toFile()).build());
            assertEquals(0x7fff0000L, policy.execute(call(WRITE, 1)).asLong());
            assertEquals(0L, policy.execute(call(WRITE, 7)).asLong()); // Kill: SECCOMP_RET_KILL_THREAD
            RuleCoverage.RuleCount rule = coverage.results().get(0).rules().get(0);
            assertEquals(
                    List.of(3, 13, 2L, 1L, "Allow write if stdio"),
                    List.of(rule.rule().line(), rule.rule().column(), rule.reached(), rule.decided(), rule.text()));
        }
    }
}
