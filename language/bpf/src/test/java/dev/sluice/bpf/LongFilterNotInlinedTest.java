package dev.sluice.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.interop.CallerInlining;
import dev.sluice.core.testing.CapturedLog;
import dev.sluice.core.testing.EngineMode;
import java.util.Map;
import java.util.SplittableRandom;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;
import org.junit.jupiter.api.Test;

/**
 * A filter longer than {@link CallerInlining#INSTRUCTION_LIMIT} instructions is never explored for inlining into the host's
 * call root: Graal's inliner partially evaluates a callee before deciding, which for a long filter cost as much as
 * compiling it, and then refused it for size anyway. Shorter filters are still inlined (their single calls save the
 * call). Read from compiler.TraceInlining: the host root's call tree shows the filter {@code BailedOut} (never expanded)
 * or {@code Inlined}. Both compiled filters must compute the Java model of the program.
 */
class LongFilterNotInlinedTest {
    @Test
    void filterJustOverTheLimitIsNotExploredForInlining() throws Exception {
        int blocks = 205; // 1026 instructions
        assertTrue(5 * blocks + 1 > CallerInlining.INSTRUCTION_LIMIT);
        CapturedLog log = compileFromHost(blocks);
        assertTrue(log.has("BailedOut", "bpf-socket"), "the host root must not expand the filter; log: " + log.lines);
        assertTrue(!log.has("Inlined        bpf-socket"), "the filter must not be inlined; log: " + log.lines);
        assertTrue(
                log.has("opt done", "Value<BpfFilter>.execute", "Inlined   0Y"),
                "host root compiled; log: " + log.lines);
    }

    @Test
    void filterJustUnderTheLimitIsStillInlined() throws Exception {
        int blocks = 204; // 1021 instructions
        assertTrue(5 * blocks + 1 <= CallerInlining.INSTRUCTION_LIMIT);
        CapturedLog log = compileFromHost(blocks);
        assertTrue(log.has("Inlined        bpf-socket"), "the filter must be inlined; log: " + log.lines);
        assertTrue(!log.has("BailedOut", "bpf-socket"), "log: " + log.lines);
        assertTrue(
                log.has("opt done", "Value<BpfFilter>.execute", "Inlined   1Y"),
                "host root compiled; log: " + log.lines);
    }

    /** Compiles the filter and the host's call root eagerly, checks verdicts, returns the compilation log. */
    private static CapturedLog compileFromHost(int blocks) throws Exception {
        CapturedLog log = new CapturedLog();
        try (Engine engine = Engine.newBuilder("bpf")
                        .allowExperimentalOptions(true)
                        .options(EngineMode.COMPILED.options)
                        .options(Map.of(
                                "engine.MultiTier", "false",
                                "engine.TraceCompilation", "true",
                                "compiler.TraceInlining", "true"))
                        .logHandler(log)
                        .build();
                Context context = Context.newBuilder("bpf")
                        .engine(engine)
                        .option("bpf.Profile", "socket")
                        .build()) {
            byte[] program = DiamondChainCompilesTest.program(blocks);
            Value filter = context.eval(Source.newBuilder("bpf", ByteSequence.create(program), "diamonds.bpf")
                    .build());
            SplittableRandom rnd = new SplittableRandom(blocks);
            for (int n = 0; n < 10; n++) {
                byte[] packet = new byte[60];
                rnd.nextBytes(packet);
                assertEquals(
                        DiamondChainCompilesTest.model(packet, blocks),
                        filter.execute(packet).asLong(),
                        "packet " + n);
            }
        }
        assertTrue(log.has("opt done", "bpf-socket"), "the filter root must compile; log: " + log.lines);
        return log;
    }
}
