package dev.sluice.ebpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.testing.CapturedLog;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.junit.jupiter.api.Test;

/**
 * Proof that eBPF programs run compiled by Graal, and that a backward jump compiles to a loop. This test does not
 * skip: without the compiler on the upgrade module path the engine is "Interpreted" and it fails.
 */
class CompilationIsRealTest {
    /** r0 = sum of 1..n: a counted loop whose trip count is the constant n. */
    static String countedLoop(long n) {
        return """
                        mov %r0, 0
                        lddw %r1, N
                        loop:
                        add %r0, %r1
                        sub %r1, 1
                        jne %r1, 0, loop
                        exit
                        """.replace("N", Long.toString(n));
    }

    /**
     * The same loop with the trip count read from the input memory (not a constant at all). No verifier bounds a
     * 64-bit count from the input, so this one runs unverified ({@code ebpf.Verify=false}), under the fuel guard.
     */
    static final String LOOP_FROM_MEMORY = """
                    mov %r0, 0
                    ldxdw %r3, [%r1]
                    loop:
                    add %r0, %r3
                    sub %r3, 1
                    jne %r3, 0, loop
                    exit
                    """;

    private static final Pattern CODE_SIZE = Pattern.compile("CodeSize\\s+(\\d+)");

    static final class Log extends CapturedLog {
        /** The machine-code size of the compilation of {@code name}'s root, from its "opt done" line. */
        int codeSize(String name) {
            for (String line : lines) {
                if (line != null && line.contains("opt done") && line.contains(name + " ")
                        || line != null && line.contains("opt done") && line.contains(name + "|")) {
                    Matcher m = CODE_SIZE.matcher(line);
                    assertTrue(m.find(), "no CodeSize in " + line);
                    return Integer.parseInt(m.group(1));
                }
            }
            throw new AssertionError("no 'opt done' line for " + name + " in " + lines);
        }
    }

    static Engine compilingEngine(Log log) {
        return log.tracingEngine("ebpf", "engine.CompileImmediately", "true", "engine.CompileOnly", "ebpf-");
    }

    @Test
    void loopProgramIsCompiledByGraal() {
        Log log = new Log();
        try (Engine engine = compilingEngine(log);
                Context context = Context.newBuilder("ebpf")
                        .engine(engine)
                        .option("ebpf.Verify", "false")
                        .build()) {
            assertNotEquals(
                    "Interpreted",
                    engine.getImplementationName(),
                    "Graal compiler is not active; check --upgrade-module-path");
            Value program = context.eval(EbpfTestSources.asm(LOOP_FROM_MEMORY));
            for (long n = 1; n < 50; n++) {
                byte[] memory = java.nio.ByteBuffer.allocate(8)
                        .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                        .putLong(n)
                        .array();
                assertEquals(n * (n + 1) / 2, program.execute(memory).asLong());
            }
        }
        assertTrue(log.codeSize("ebpf-raw:Unnamed") > 0);
    }

    /**
     * A loop compiles as a loop: the same counted loop with trip counts 10,000 and 100,000 gives machine code of the
     * same size, a few hundred bytes for 30,000 or 300,000 executed instructions. Had MERGE_EXPLODE unrolled the loop
     * (as it does when the loop state is a constant), the code would grow with the trip count, or the compilation
     * would fail with "too many loop explosion iterations". With 10 trips the program compiles too (Graal's own loop
     * optimisation may then unroll and fold those 10 trips, so it is not compared).
     */
    @Test
    void backwardJumpCompilesToALoopNotAnUnrolling() {
        Log log = new Log();
        try (Engine engine = compilingEngine(log);
                Context context = Context.newBuilder("ebpf").engine(engine).build()) {
            Value tiny = context.eval(Source.newBuilder("ebpf", countedLoop(10), "loop10")
                    .mimeType("text/x-ebpf")
                    .buildLiteral());
            Value small = context.eval(Source.newBuilder("ebpf", countedLoop(10_000), "loop10000")
                    .mimeType("text/x-ebpf")
                    .buildLiteral());
            Value large = context.eval(Source.newBuilder("ebpf", countedLoop(100_000), "loop100000")
                    .mimeType("text/x-ebpf")
                    .buildLiteral());
            for (int i = 0; i < 3; i++) {
                assertEquals(55L, tiny.execute().asLong());
                assertEquals(50_005_000L, small.execute().asLong());
                assertEquals(5_000_050_000L, large.execute().asLong());
            }
        }
        assertTrue(log.codeSize("ebpf-raw:loop10") > 0);
        int smallSize = log.codeSize("ebpf-raw:loop10000");
        int largeSize = log.codeSize("ebpf-raw:loop100000");
        System.out.println("counted loop machine code: " + log.codeSize("ebpf-raw:loop10") + " bytes for 10 trips, "
                + smallSize + " for 10,000, " + largeSize + " for 100,000");
        assertEquals(smallSize, largeSize, "code size depends on the trip count");
        assertTrue(largeSize < 4096, "a 4-instruction loop body compiled to " + largeSize + " bytes");
    }

    /**
     * Branch counts (core's BranchCounts) only guide layout: a jump that always went one way in the interpreter still
     * goes the other way in compiled code, without a deoptimization or a second compilation.
     */
    @Test
    void aJumpNeverTakenBeforeCompilationStillWorksCompiled() {
        Log log = new Log();
        try (Engine engine = log.tracingEngine(
                        "ebpf", "engine.MultiTier", "false", "engine.SingleTierCompilationThreshold", "100");
                Context context = Context.newBuilder("ebpf").engine(engine).build()) {
            // r0 = 1 when the input's first byte is above 100, else 2
            Value program = context.eval(EbpfTestSources.asm("""
                            ldxb %r2, [%r1]
                            mov %r0, 1
                            jgt %r2, 100, out
                            mov %r0, 2
                            out:
                            exit
                            """));
            byte[] high = {(byte) 200};
            for (int i = 0; i < 300; i++) {
                assertEquals(1L, program.execute((Object) high).asLong());
            }
            assertTrue(log.lines.stream().anyMatch(m -> m.contains("opt done")), "nothing was compiled: " + log.lines);
            int before = log.lines.size();
            byte[] low = {7};
            for (int i = 0; i < 300; i++) {
                assertEquals(2L, program.execute((Object) low).asLong());
            }
            java.util.List<String> after = log.lines.subList(before, log.lines.size());
            assertTrue(
                    after.stream().noneMatch(m -> m.contains("opt ")),
                    "compiled code was invalidated or compiled again for the untaken way: " + after);
        }
    }
}
