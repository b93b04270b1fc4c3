package dev.sluice.ebpf;

import static dev.sluice.ebpf.isa.Opcodes.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.testing.EngineMode;
import dev.sluice.ebpf.formats.RawFormat;
import dev.sluice.ebpf.isa.Insn;
import dev.sluice.ebpf.isa.Program;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;
import org.junit.jupiter.api.Test;

/**
 * Random programs, most of them accepted by the structural checks, many with out-of-bounds, uninitialised or
 * misaligned accesses and with loops: every run ends in r0 or in a defined guest error (never a host exception or an
 * internal error), and the compiled code gives exactly what the interpreter gives. Unverified ({@code ebpf.Verify=false}):
 * these exercise the run-time guards; {@code VerifierSoundnessTest} runs what the verifier accepts.
 */
class RandomProgramsTest {
    private static final int[] ALU_OPS = {ADD, SUB, MUL, DIV, OR, AND, LSH, RSH, NEG, MOD, XOR, MOV, ARSH, END};
    private static final int[] JUMP_OPS = {JA, JEQ, JGT, JGE, JSET, JNE, JSGT, JSGE, JLT, JLE, JSLT, JSLE};
    private static final int[] SIZES = {W, H, B, DW};
    private static final int[] ATOMICS = {
        ADD, OR, AND, XOR, ADD | FETCH, OR | FETCH, AND | FETCH, XOR | FETCH, XCHG, CMPXCHG
    };

    static Program randomProgram(Random rnd) {
        int n = 2 + rnd.nextInt(30);
        List<Insn> slots = new ArrayList<>();
        while (slots.size() < n - 1) {
            int pc = slots.size();
            int dst = rnd.nextInt(10);
            int src = rnd.nextInt(11);
            int off = rnd.nextInt(4) == 0 ? rnd.nextInt(1200) - 600 : rnd.nextInt(32) - 16;
            int imm = rnd.nextInt(3) == 0 ? rnd.nextInt() : rnd.nextInt(64) - 8;
            switch (rnd.nextInt(10)) {
                case 0, 1, 2 -> {
                    int op = ALU_OPS[rnd.nextInt(ALU_OPS.length)];
                    int cls = rnd.nextBoolean() ? ALU64 : ALU;
                    if (op == END) {
                        slots.add(new Insn(
                                cls | END | (cls == ALU && rnd.nextBoolean() ? TO_BE : TO_LE),
                                dst,
                                0,
                                0,
                                16 << rnd.nextInt(3)));
                    } else if (op == NEG) {
                        slots.add(new Insn(cls | NEG, dst, 0, 0, 0));
                    } else if (rnd.nextBoolean()) {
                        int o = (op == DIV || op == MOD) ? rnd.nextInt(2) : 0;
                        slots.add(new Insn(cls | op | K, dst, 0, o, imm));
                    } else {
                        int o = (op == DIV || op == MOD)
                                ? rnd.nextInt(2)
                                : op == MOV && rnd.nextInt(3) == 0 ? 8 << rnd.nextInt(cls == ALU64 ? 3 : 2) : 0;
                        slots.add(new Insn(cls | op | X, dst, src, o, 0));
                    }
                }
                case 3, 4 -> {
                    int op = JUMP_OPS[rnd.nextInt(JUMP_OPS.length)];
                    int target = rnd.nextInt(n);
                    int rel = target - (pc + 1);
                    int cls = rnd.nextBoolean() ? JMP : JMP32;
                    if (op == JA) {
                        slots.add(cls == JMP ? new Insn(JMP | JA, 0, 0, rel, 0) : new Insn(JMP32 | JA, 0, 0, 0, rel));
                    } else if (rnd.nextBoolean()) {
                        slots.add(new Insn(cls | op | K, dst, 0, rel, imm));
                    } else {
                        slots.add(new Insn(cls | op | X, dst, src, rel, 0));
                    }
                }
                case 5 ->
                    slots.add(new Insn(
                            LDX | (rnd.nextInt(4) == 0 ? MEMSX : MEM) | SIZES[rnd.nextInt(3)],
                            dst,
                            rnd.nextBoolean() ? 10 : src,
                            off,
                            0));
                case 6 ->
                    slots.add(new Insn(STX | MEM | SIZES[rnd.nextInt(4)], rnd.nextBoolean() ? 10 : dst, src, off, 0));
                case 7 ->
                    slots.add(new Insn(ST | MEM | SIZES[rnd.nextInt(4)], rnd.nextBoolean() ? 10 : 1, 0, off, imm));
                case 8 ->
                    slots.add(new Insn(
                            STX | ATOMIC | (rnd.nextBoolean() ? W : DW),
                            rnd.nextBoolean() ? 10 : 1,
                            src,
                            off & ~3,
                            ATOMICS[rnd.nextInt(ATOMICS.length)]));
                default -> {
                    if (pc + 2 < n) {
                        long v = rnd.nextBoolean()
                                ? rnd.nextLong()
                                : (long) (3 + rnd.nextInt(2)) << 32 | rnd.nextInt(600);
                        slots.add(new Insn(LDDW, dst, 0, 0, (int) v));
                        slots.add(new Insn(0, 0, 0, 0, (int) (v >>> 32)));
                    } else {
                        slots.add(new Insn(LD | ABS | SIZES[rnd.nextInt(3)], 0, 0, 0, rnd.nextInt(24)));
                    }
                }
            }
        }
        slots.add(new Insn(JMP | EXIT, 0, 0, 0, 0));
        return Program.of(slots);
    }

    /** "load error", "r0=...", or "error: message"; fails the test on anything that is not a defined outcome. */
    static String outcome(Context context, byte[] raw, String name, byte[] memory) {
        Value program;
        try {
            program = context.eval(
                    Source.newBuilder("ebpf", ByteSequence.create(raw), name).buildLiteral());
        } catch (PolyglotException e) {
            assertTrue(e.isSyntaxError() && !e.isInternalError(), () -> name + ": load failed with " + e);
            return "load error: " + e.getMessage();
        }
        String first = run(program, name, memory);
        // In compiled mode the first call compiled the program and the second runs the compiled code.
        String second = run(program, name, memory);
        assertEquals(first, second, name + ": a second run of the same input differs");
        return first;
    }

    private static String run(Value program, String name, byte[] memory) {
        try {
            return "r0=" + Long.toHexString(program.execute(memory).asLong());
        } catch (PolyglotException e) {
            assertTrue(
                    e.isGuestException() && !e.isInternalError() && !e.isSyntaxError(),
                    () -> name + ": run failed with " + e);
            return "error: " + e.getMessage();
        }
    }

    /** A refusal's rule: its first three words after the instruction, register numbers and values left out. */
    static String rule(String message) {
        String[] words = message.replaceFirst("^insn \\d+: ", "")
                .replaceAll("\\bR\\d+", "R")
                .replaceAll("-?\\d+", "N")
                .split(" ");
        return String.join(" ", java.util.Arrays.copyOf(words, Math.min(3, words.length)));
    }

    /** Programs run interpreted; the first {@link #COMPILED_PROGRAMS} also compiled, each a Graal compilation. */
    static final int PROGRAMS = 3000, COMPILED_PROGRAMS = 120;

    @Test
    void randomProgramsEndDefinedAndCompiledEqualsInterpreted() {
        Random rnd = new Random(20261129);
        int loaded = 0, errors = 0, values = 0, verified = 0;
        java.util.Map<String, Integer> refusals = new java.util.TreeMap<>();
        try (Engine interpreted = EngineMode.INTERPRETED.newEngine("ebpf", "ebpf-");
                Engine compiled = EngineMode.COMPILED.newEngine("ebpf", "ebpf-")) {
            for (int i = 0; i < PROGRAMS; i++) {
                byte[] raw = RawFormat.encode(randomProgram(rnd));
                byte[] memory = new byte[rnd.nextInt(24)];
                rnd.nextBytes(memory);
                String name = "ebpf-random-" + i;
                String expected;
                String actual;
                try (Context c = EngineMode.INTERPRETED
                        .contextBuilder("ebpf", interpreted)
                        .option("ebpf.MaxInstructions", "5000")
                        .option("ebpf.Verify", "false")
                        .build()) {
                    expected = outcome(c, raw, name, memory);
                }
                // The verifier on the same program: a verdict (accepted, or a located load-time error), never a host
                // exception or an internal error. (What it accepts is run by VerifierSoundnessTest in the tests
                // module.)
                try (Context c = EngineMode.INTERPRETED
                        .contextBuilder("ebpf", interpreted)
                        .option("ebpf.VerifierLimit", "100000")
                        .build()) {
                    c.eval(Source.newBuilder("ebpf", ByteSequence.create(raw), name + "-verified")
                            .buildLiteral());
                    verified++;
                } catch (PolyglotException e) {
                    assertTrue(
                            e.isSyntaxError() && !e.isInternalError() && !e.isHostException(),
                            () -> name + ": the verifier failed with " + e);
                    refusals.merge(rule(e.getMessage()), 1, Integer::sum);
                }
                if (i < COMPILED_PROGRAMS) {
                    try (Context c = EngineMode.COMPILED
                            .contextBuilder("ebpf", compiled)
                            .option("ebpf.MaxInstructions", "5000")
                            .option("ebpf.Verify", "false")
                            .build()) {
                        actual = outcome(c, raw, name, memory);
                    }
                    assertEquals(
                            expected,
                            actual,
                            name + " " + java.util.HexFormat.of().formatHex(raw) + " on "
                                    + java.util.HexFormat.of().formatHex(memory));
                }
                if (!expected.startsWith("load error")) {
                    loaded++;
                    if (expected.startsWith("error")) {
                        errors++;
                    } else {
                        values++;
                    }
                }
            }
        }
        // The generator must exercise both outcomes of the guards, not only programs the checks reject.
        assertTrue(
                loaded >= PROGRAMS / 2 && errors >= PROGRAMS / 10 && values >= PROGRAMS / 20,
                "loaded " + loaded + ", guest errors " + errors + ", values " + values);
        System.out.println("random programs: " + PROGRAMS + " (" + COMPILED_PROGRAMS + " also compiled), loaded "
                + loaded + ", ended in a guest error " + errors + ", returned a value " + values);
        System.out.println("random programs through the verifier: " + verified
                + " verified; refusals by the first word of the rule: " + refusals);
        assertTrue(
                verified > 0 && refusals.size() >= 5,
                "the verifier should accept some random programs and refuse others for varied reasons");
    }
}
