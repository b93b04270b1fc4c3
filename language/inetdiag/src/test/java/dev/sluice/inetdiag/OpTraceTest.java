package dev.sluice.inetdiag;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.testing.EngineMode;
import dev.sluice.inetdiag.formats.Disassembler;
import dev.sluice.inetdiag.parse.FilterCompiler;
import dev.sluice.inetdiag.trace.OpTrace;
import dev.sluice.inetdiag.trace.OpTraceInstrument;
import java.util.List;
import java.util.Map;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.proxy.ProxyObject;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The op trace instrument sees the ops the interpreter runs, in order, with the branch each took, through the ops'
 * statement events, interpreted and compiled (the probes compile with the filter). A wrong op number, a lost probe or
 * an outcome not passed through changes the exact lists below.
 */
class OpTraceTest {
    /**
     * ss compiles it to four ops: line 1 {@code 0: S_GE sport >= 1024 (yes 8, no 28)}, line 2 {@code 8: S_COND src
     * 10.0.0.0/8 (yes 24, no 28)}, line 3 {@code 24: JMP (no accept)}, line 4 {@code 28: D_COND dst * port 443 (yes
     * accept, no reject)}.
     */
    private static final String FILTER = "( sport >= :1024 and src 10.0.0.0/8 ) or dport = :443";

    private static Object socket(String src, int sport, String dst, int dport) {
        return ProxyObject.fromMap(Map.of("src", src, "dst", dst, "sport", sport, "dport", dport));
    }

    /** The steps as "LINE yes|no", after checking each step's text is its listing line. */
    private static List<String> run(OpTrace trace, Value filter, Object socket, boolean expected, String[] listing) {
        trace.start();
        try {
            assertEquals(expected, filter.execute(socket).asBoolean());
        } finally {
            trace.stop();
        }
        List<OpTrace.Step> steps = trace.steps();
        for (OpTrace.Step s : steps) {
            assertEquals(listing[s.line() - 1].strip(), s.op(), "the text of line " + s.line());
        }
        return steps.stream()
                .map(s -> s.line() + " " + (s.yes() ? "yes" : "no"))
                .toList();
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void tracesTheOpsRunAndTheirBranches(EngineMode mode) {
        String[] listing =
                Disassembler.disassemble(FilterCompiler.compile(FILTER, "t")).split("\n");
        assertEquals(4, listing.length);
        assertTrue(
                listing[0].contains("S_GE") && listing[2].contains("JMP") && listing[3].contains("D_COND"),
                String.join("\n", listing));
        try (Engine engine = InetDiagTestSources.engine(mode);
                Context c = InetDiagTestSources.contextBuilder(mode, engine).build()) {
            OpTrace trace = engine.getInstruments().get(OpTraceInstrument.ID).lookup(OpTrace.class);
            Value filter = c.eval(InetDiagTestSources.filter(FILTER));
            for (int round = 0; round < 3; round++) {
                assertEquals(
                        List.of("1 yes", "2 yes", "3 no"),
                        run(trace, filter, socket("10.1.2.3", 5000, "10.9.9.9", 80), true, listing));
                assertEquals(
                        List.of("1 no", "4 yes"),
                        run(trace, filter, socket("10.1.2.3", 80, "10.9.9.9", 443), true, listing));
                assertEquals(
                        List.of("1 yes", "2 no", "4 no"),
                        run(trace, filter, socket("192.168.1.1", 5000, "10.9.9.9", 80), false, listing));
            }
            // Stopped: a run adds nothing.
            filter.execute(socket("10.1.2.3", 5000, "10.9.9.9", 80));
            assertEquals(3, trace.steps().size());
            if (mode == EngineMode.COMPILED) {
                assertTrue(
                        EngineMode.compiled("inetdiag-filter:filter"),
                        "the filter root was not compiled: " + EngineMode.COMPILATIONS);
            }
        }
    }
}
