package dev.sluice.ebpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.interop.CallerInlining;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.junit.jupiter.api.Test;

/**
 * An eBPF program longer than {@link CallerInlining#INSTRUCTION_LIMIT} instructions is never explored for inlining into
 * the host's call root (exploring means partially evaluating it, as long as compiling it); a shorter one still is.
 * Read from compiler.TraceInlining: the host root's call tree shows the program {@code BailedOut} or {@code Inlined}.
 */
class LongProgramNotInlinedTest {
    /** r0 = 0, then {@code adds} times r0 += 1, then exit: adds + 2 instructions, returning {@code adds}. */
    static String additions(int adds) {
        return "mov %r0, 0\n" + "add %r0, 1\n".repeat(adds) + "exit\n";
    }

    @Test
    void programOverTheLimitIsNotExplored() {
        int adds = CallerInlining.INSTRUCTION_LIMIT; // 1026 instructions
        CompilationIsRealTest.Log log = run("long", adds);
        assertTrue(
                log.has("BailedOut", "ebpf-raw:long"), "the host root must not expand the program; log: " + log.lines);
        assertFalse(log.has("Inlined ", "ebpf-raw:long", "|call diff"), "must not be inlined; log: " + log.lines);
    }

    @Test
    void programUnderTheLimitIsInlined() {
        int adds = CallerInlining.INSTRUCTION_LIMIT - 10; // 1016 instructions
        CompilationIsRealTest.Log log = run("short", adds);
        assertTrue(log.has("Inlined ", "ebpf-raw:short", "|call diff"), "must be inlined; log: " + log.lines);
        assertFalse(log.has("BailedOut", "ebpf-raw:short"), "log: " + log.lines);
    }

    /**
     * A short main calling a long local function: the long function is not explored for inlining into the main
     * program's compilation. Both are called until warm first (a function never called is not worth exploring either),
     * then compiled at a call-count threshold.
     */
    @Test
    void longLocalFunctionIsNotExploredByItsCaller() {
        int adds = CallerInlining.INSTRUCTION_LIMIT;
        // r2 from the input keeps the sum from folding into a constant.
        String asm =
                "ldxdw %r2, [%r1]\ncall local f\nexit\nf:\nmov %r0, 0\n" + "add %r0, %r2\n".repeat(adds) + "exit\n";
        CompilationIsRealTest.Log log = new CompilationIsRealTest.Log();
        try (Engine engine = Engine.newBuilder("ebpf")
                        .allowExperimentalOptions(true)
                        .option("engine.MultiTier", "false")
                        .option("engine.SingleTierCompilationThreshold", "20")
                        .option("engine.BackgroundCompilation", "false")
                        .option("engine.CompilationFailureAction", "Throw")
                        .option("engine.TraceCompilation", "true")
                        .option("compiler.TraceInlining", "true")
                        .logHandler(log)
                        .build();
                Context context = Context.newBuilder("ebpf")
                        .engine(engine)
                        .option("ebpf.Verify", "false")
                        .build()) {
            Value program = context.eval(Source.newBuilder("ebpf", asm, "caller")
                    .mimeType("text/x-ebpf")
                    .buildLiteral());
            byte[] input = java.nio.ByteBuffer.allocate(8)
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                    .putLong(3)
                    .array();
            for (int i = 0; i < 60; i++) {
                assertEquals(3L * adds, program.execute(input).asLong());
            }
        }
        assertTrue(log.has("BailedOut", "ebpf-raw:caller@"), "the function must not be expanded; " + log.lines);
        assertFalse(log.has("Inlined ", "ebpf-raw:caller@", "|call diff"), "nor inlined; " + log.lines);
    }

    private static Engine engine(CompilationIsRealTest.Log log) {
        return Engine.newBuilder("ebpf")
                .allowExperimentalOptions(true)
                .option("engine.CompileImmediately", "true")
                .option("engine.BackgroundCompilation", "false")
                .option("engine.MultiTier", "false")
                .option("engine.CompilationFailureAction", "Throw")
                .option("engine.TraceCompilation", "true")
                .option("compiler.TraceInlining", "true")
                .logHandler(log)
                .build();
    }

    private static CompilationIsRealTest.Log run(String name, int adds) {
        CompilationIsRealTest.Log log = new CompilationIsRealTest.Log();
        try (Engine engine = engine(log);
                Context context = Context.newBuilder("ebpf").engine(engine).build()) {
            Value program = context.eval(Source.newBuilder("ebpf", additions(adds), name)
                    .mimeType("text/x-ebpf")
                    .buildLiteral());
            for (int i = 0; i < 3; i++) {
                assertEquals(adds, program.execute().asLong());
            }
        }
        assertTrue(log.codeSize("ebpf-raw:" + name) > 0);
        return log;
    }
}
