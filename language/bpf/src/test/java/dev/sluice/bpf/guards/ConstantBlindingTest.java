package dev.sluice.bpf.guards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.testing.EngineMode;
import dev.sluice.core.testing.GraphDumps;
import java.nio.file.Path;
import java.util.Map;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Constant blinding: author constants do not appear in compiled code. A child JVM compiles {@link BlindingProbe}'s
 * filter with Graal's graph dumping on (core's {@link GraphDumps}); the dumped
 * graphs (after partial evaluation and at the end of compilation) name every constant node's value in decimal. With
 * blinding off the author constant is there; with blinding on it is not, while the verdicts are the same.
 */
class ConstantBlindingTest {
    @TempDir
    Path dir;

    ProbeRun probe(String blinding) throws Exception {
        GraphDumps.Run run =
                GraphDumps.run(dir.resolve("dump-" + blinding), BlindingProbe.class, "bpf-seccomp", blinding);
        return new ProbeRun(run.line("engine="), run.dumps(), run.programGraphs());
    }

    record ProbeRun(String output, String dumps, int filterGraphs) {}

    @Test
    void authorConstantsAreNotImmediatesOfCompiledCode() throws Exception {
        String constant = Integer.toString(BlindingProbe.AUTHOR_CONSTANT);
        String comparand = Integer.toString(BlindingProbe.AUTHOR_CONSTANT ^ 7);
        ProbeRun off = probe("off");
        ProbeRun on = probe("on");
        assertFalse(off.output().contains("engine=Interpreted"), off.output());
        assertEquals(off.output(), on.output(), "blinding changes no verdict");
        assertTrue(off.filterGraphs() > 0 && on.filterGraphs() > 0, "the filter root was compiled and dumped");
        assertTrue(
                off.dumps().contains(constant) && off.dumps().contains(comparand),
                "unblinded: the author constants are in the compiled graphs");
        assertFalse(on.dumps().contains(constant), "blinded: the author constant is not in any compiled graph");
        assertFalse(on.dumps().contains(comparand), "blinded: the jump comparand is not in any compiled graph");
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void blindingChangesNoVerdict(EngineMode mode) {
        java.util.Random rnd = new java.util.Random(42);
        byte[] records = new byte[64 * 32];
        rnd.nextBytes(records);
        try (Engine engine = mode.newEngine();
                Context off = Context.newBuilder("bpf")
                        .engine(engine)
                        .options(Map.of("bpf.ConstantBlinding", "off"))
                        .build();
                Context on = Context.newBuilder("bpf")
                        .engine(engine)
                        .options(Map.of("bpf.ConstantBlinding", "on"))
                        .build()) {
            int programs = mode == EngineMode.INTERPRETED ? 80 : 8;
            for (int i = 0; i < programs; i++) {
                byte[] p = GuardPrograms.raw(GuardPrograms.random(rnd, 2 + rnd.nextInt(50)));
                int[] a = new int[32];
                int[] b = new int[32];
                load(off, p).invokeMember("runRecords", records, 64, a);
                load(on, p).invokeMember("runRecords", records, 64, b);
                assertEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(b), "program " + i);
            }
            assertNotEquals(
                    off.getBindings("bpf").getMember("measurement").asString(),
                    on.getBindings("bpf").getMember("measurement").asString(),
                    "the blinding option is measured");
        }
    }

    static Value load(Context c, byte[] p) {
        return c.eval(Source.newBuilder("bpf", ByteSequence.create(p), "p.bpf").buildLiteral());
    }
}
