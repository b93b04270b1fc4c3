package dev.sluice.bpf.guards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.bpf.isa.Insn;
import dev.sluice.bpf.isa.Opcodes;
import dev.sluice.bpf.isa.Program;
import dev.sluice.core.error.CoreFailure;
import dev.sluice.core.testing.EngineMode;
import java.util.Map;
import java.util.Random;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Budgets: the exact stopping instruction, the declared action, the counters, and no change to verdicts within budget. */
class BudgetTest {
    static Value load(Context c, Program p) {
        return c.eval(Source.newBuilder("bpf", ByteSequence.create(GuardPrograms.raw(p)), "p.bpf")
                .buildLiteral());
    }

    static Context context(Engine engine, Map<String, String> options) {
        return Context.newBuilder("bpf").engine(engine).options(options).build();
    }

    /** ld [0]; jeq #1, then 1 more instruction, else 4 more: the path length depends on the input. */
    static Program branchy() {
        return Program.of(
                Insn.stmt(Opcodes.LD | Opcodes.W | Opcodes.ABS, 0), // 0
                Insn.jump(Opcodes.JMP | Opcodes.JEQ | Opcodes.K, 1, 0, 1), // 1
                Insn.stmt(Opcodes.RET | Opcodes.K, 0x7fff0000), // 2: path of 3
                Insn.stmt(Opcodes.ALU | Opcodes.ADD | Opcodes.K, 1), // 3
                Insn.stmt(Opcodes.ALU | Opcodes.ADD | Opcodes.K, 1), // 4
                Insn.stmt(Opcodes.ALU | Opcodes.ADD | Opcodes.K, 1), // 5
                Insn.stmt(Opcodes.RET | Opcodes.A, 0)); // 6: path of 6
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void stopsAtTheExactInstruction(EngineMode mode) {
        try (Engine engine = mode.newEngine();
                Context c = context(engine, Map.of("bpf.MaxInstructions", "4", "bpf.BudgetCounters", "true"))) {
            Value f = load(c, branchy());
            for (int i = 0; i < 20; i++) { // compiled: the first call compiles
                assertEquals(
                        0x7fff0000L,
                        f.execute(GuardPrograms.seccompData(1)).asLong(),
                        "a 3-instruction path is within 4");
                PolyglotException e =
                        assertThrows(PolyglotException.class, () -> f.execute(GuardPrograms.seccompData(2)));
                // The path is 0, 1, 3, 4, 5, 6: the fifth instruction, insn 5, is the one over the budget.
                assertEquals(
                        CoreFailure.INSTRUCTION_BUDGET_EXCEEDED.message(5, 4, "bpf.MaxInstructions"), e.getMessage());
                assertTrue(e.isGuestException());
                assertFalse(e.isSyntaxError());
            }
            assertEquals(40L, f.getMember("invocations").asLong());
            assertEquals(20L * 3 + 20L * 4, f.getMember("instructionsExecuted").asLong());
            assertEquals(20L, f.getMember("overBudget").asLong());
        }
        try (Engine engine = mode.newEngine();
                Context c = context(
                        engine, Map.of("bpf.MaxInstructions", "6", "bpf.OverBudgetAction", "verdict:KILL_PROCESS"))) {
            Value f = load(c, branchy());
            for (int i = 0; i < 20; i++) {
                assertEquals(
                        0x7fff0000L, f.execute(GuardPrograms.seccompData(1)).asLong());
                assertEquals(5L, f.execute(GuardPrograms.seccompData(2)).asLong(), "a 6-instruction path is within 6");
            }
        }
        try (Engine engine = mode.newEngine();
                Context c = context(
                        engine,
                        Map.of(
                                "bpf.MaxInstructions",
                                "5",
                                "bpf.OverBudgetAction",
                                "verdict:KILL_PROCESS",
                                "bpf.BudgetCounters",
                                "true"))) {
            Value f = load(c, branchy());
            for (int i = 0; i < 20; i++) {
                assertEquals(
                        0x80000000L,
                        f.execute(GuardPrograms.seccompData(2)).asLong(),
                        "stopped at insn 6: the declared verdict");
            }
            assertEquals(20L, f.getMember("overBudget").asLong());
            assertEquals(100L, f.getMember("instructionsExecuted").asLong());
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void verdictsWithinBudgetAreUnchanged(EngineMode mode) {
        Random rnd = new Random(0x5EED);
        int programs = mode == EngineMode.INTERPRETED ? 60 : 6;
        int exactChecks = mode == EngineMode.INTERPRETED ? 6 : 2;
        int inputs = 64;
        byte[] records = new byte[64 * inputs];
        rnd.nextBytes(records);
        try (Engine engine = mode.newEngine();
                Context plain = context(engine, Map.of());
                Context counting =
                        context(engine, Map.of("bpf.MaxInstructions", "4096", "bpf.BudgetCounters", "true"));
                Context tight = context(engine, Map.of("bpf.MaxInstructions", "4096"))) {
            for (int p = 0; p < programs; p++) {
                Program program = GuardPrograms.random(rnd, 2 + rnd.nextInt(60));
                int[] expected = new int[inputs];
                int[] got = new int[inputs];
                load(plain, program).invokeMember("runRecords", records, 64, expected);
                Value f = load(counting, program);
                f.invokeMember("runRecords", records, 64, got);
                assertEquals(java.util.Arrays.toString(expected), java.util.Arrays.toString(got), "program " + p);
                assertEquals(0L, f.getMember("overBudget").asLong());
                assertEquals((long) inputs, f.getMember("invocations").asLong());
                // Each input alone: its instruction count as the budget still gives the same verdict; one less stops
                // it.
                if (p < exactChecks) {
                    for (int i = 0; i < 4; i++) {
                        byte[] one = java.util.Arrays.copyOfRange(records, 64 * i, 64 * i + 64);
                        long before = f.getMember("instructionsExecuted").asLong();
                        f.execute(one);
                        int used = (int) (f.getMember("instructionsExecuted").asLong() - before);
                        assertTrue(used >= 1 && used <= program.length());
                        try (Context exact = context(engine, Map.of("bpf.MaxInstructions", Integer.toString(used)));
                                Context less = context(
                                        engine,
                                        Map.of(
                                                "bpf.MaxInstructions",
                                                Integer.toString(Math.max(1, used - 1)),
                                                "bpf.OverBudgetAction",
                                                "verdict:0xdeadbeef"))) {
                            assertEquals(
                                    expected[i] & 0xffffffffL,
                                    load(exact, program).execute(one).asLong());
                            if (used > 1) {
                                Value g = load(less, program);
                                assertEquals(0xdeadbeefL, g.execute(one).asLong());
                                assertEquals(1L, g.getMember("overBudget").asLong());
                            }
                        }
                    }
                }
            }
            // Without counters and with a limit above every path, nothing is counted (the check is elided).
            Value elided = load(tight, GuardPrograms.tagged(1, 0));
            elided.execute(GuardPrograms.seccompData(1));
            assertEquals(0L, elided.getMember("instructionsExecuted").asLong());
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED"})
    void cumulativeBudgetsOverAWindow(EngineMode mode) throws Exception {
        Program five = GuardPrograms.tagged(1, 0); // 5 instructions on every path
        // 1 invocation per second over 5 s: 5 invocations, then the declared verdict.
        try (Engine engine = mode.newEngine();
                Context c = context(
                        engine,
                        Map.of(
                                "bpf.BudgetInvocationsPerSecond",
                                "1",
                                "bpf.BudgetWindowMillis",
                                "5000",
                                "bpf.OverBudgetAction",
                                "verdict:7"))) {
            Value f = load(c, five);
            for (int i = 0; i < 5; i++) {
                assertEquals(
                        1L << 16 | 3, f.execute(GuardPrograms.seccompData(3)).asLong());
            }
            assertEquals(7L, f.execute(GuardPrograms.seccompData(3)).asLong());
            assertEquals(7L, f.execute(GuardPrograms.seccompData(3)).asLong());
            assertEquals(5L, f.getMember("invocations").asLong());
            assertEquals(2L, f.getMember("overBudget").asLong());
            assertEquals(25L, f.getMember("instructionsExecuted").asLong());
        }
        // 7 instructions per window: the second run stops at insn 2, the third at insn 0.
        try (Engine engine = mode.newEngine();
                Context c = context(
                        engine, Map.of("bpf.BudgetInstructionsPerSecond", "1", "bpf.BudgetWindowMillis", "7000"))) {
            Value f = load(c, five);
            assertEquals(1L << 16 | 3, f.execute(GuardPrograms.seccompData(3)).asLong());
            PolyglotException e = assertThrows(PolyglotException.class, () -> f.execute(GuardPrograms.seccompData(3)));
            assertEquals(
                    CoreFailure.INSTRUCTION_BUDGET_EXCEEDED.message(
                            2, 2, "bpf.BudgetInstructionsPerSecond: 7 per 7000 ms"),
                    e.getMessage());
            e = assertThrows(PolyglotException.class, () -> f.execute(GuardPrograms.seccompData(3)));
            assertEquals(
                    CoreFailure.INSTRUCTION_BUDGET_EXCEEDED.message(
                            0, 0, "bpf.BudgetInstructionsPerSecond: 7 per 7000 ms"),
                    e.getMessage());
            assertEquals(7L, f.getMember("instructionsExecuted").asLong());
        }
        // The window refills: 3 invocations per 300 ms.
        try (Engine engine = mode.newEngine();
                Context c = context(
                        engine, Map.of("bpf.BudgetInvocationsPerSecond", "10", "bpf.BudgetWindowMillis", "300"))) {
            Value f = load(c, five);
            for (int i = 0; i < 3; i++) {
                f.execute(GuardPrograms.seccompData(3));
            }
            assertThrows(PolyglotException.class, () -> f.execute(GuardPrograms.seccompData(3)));
            Thread.sleep(400);
            for (int i = 0; i < 3; i++) {
                f.execute(GuardPrograms.seccompData(3));
            }
            PolyglotException e = assertThrows(PolyglotException.class, () -> f.execute(GuardPrograms.seccompData(3)));
            assertEquals(
                    CoreFailure.INVOCATION_BUDGET_EXCEEDED.message(3, 300, "bpf.BudgetInvocationsPerSecond"),
                    e.getMessage());
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED"})
    void badOptionsAreClearErrors(EngineMode mode) {
        // Typed option: Truffle refuses the value when the context is built, before any program loads.
        try (Engine engine = mode.newEngine()) {
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class,
                    () -> context(engine, Map.of("bpf.OverBudgetAction", "verdict:lots"))
                            .close());
            assertTrue(
                    e.getMessage()
                            .contains(
                                    "bpf.OverBudgetAction: 'verdict:lots': the verdict must be a 32-bit unsigned number or a seccomp action name"),
                    e.getMessage());
        }
    }

    /**
     * A batch counts each of its inputs as a call of its own would (the batch roots tally a counting budget in the
     * batch and settle it once): with the counters alone, with a window, with the declared verdict, and when the
     * budget's error ends a batch midway (the inputs before it and the one stopped are counted, none after).
     */
    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void batchesCountAsSingleCalls(EngineMode mode) {
        Random rnd = new Random(0xBA7C4);
        int inputs = 48;
        byte[] records = new byte[64 * inputs];
        int[] offsets = new int[inputs];
        int[] lengths = new int[inputs];
        long shortPaths = 0;
        int firstLong = -1;
        for (int i = 0; i < inputs; i++) {
            boolean shortPath = i < 5 || rnd.nextBoolean(); // branchy(): nr 1 runs 3 instructions, nr 2 runs 6
            System.arraycopy(GuardPrograms.seccompData(shortPath ? 1 : 2), 0, records, 64 * i, 64);
            offsets[i] = 64 * i;
            lengths[i] = 64;
            shortPaths += shortPath ? 1 : 0;
            if (!shortPath && firstLong < 0) {
                firstLong = i;
            }
        }
        long longPaths = inputs - shortPaths;
        long perBatch = 3 * shortPaths + 6 * longPaths;
        for (Map<String, String> options : java.util.List.of(
                Map.of("bpf.MaxInstructions", "4096", "bpf.BudgetCounters", "true"),
                Map.of("bpf.BudgetInvocationsPerSecond", "1000000000"))) {
            try (Engine engine = mode.newEngine();
                    Context c = context(engine, options)) {
                Value f = load(c, branchy());
                int[] verdicts = new int[inputs];
                f.invokeMember("runRecords", records, 64, verdicts);
                f.invokeMember("runBatch", records, offsets, lengths, verdicts);
                f.invokeMember("runRecords", records, 64);
                assertEquals(3L * inputs, f.getMember("invocations").asLong(), options.toString());
                assertEquals(3 * perBatch, f.getMember("instructionsExecuted").asLong(), options.toString());
                f.execute(GuardPrograms.seccompData(2));
                assertEquals(3L * inputs + 1, f.getMember("invocations").asLong(), options.toString());
                assertEquals(
                        3 * perBatch + 6, f.getMember("instructionsExecuted").asLong(), options.toString());
            }
        }
        // Over budget with the declared verdict: the stopped inputs are charged the limit, 5.
        try (Engine engine = mode.newEngine();
                Context c = context(
                        engine,
                        Map.of(
                                "bpf.MaxInstructions",
                                "5",
                                "bpf.OverBudgetAction",
                                "verdict:KILL_PROCESS",
                                "bpf.BudgetCounters",
                                "true"))) {
            Value f = load(c, branchy());
            int[] verdicts = new int[inputs];
            assertEquals(
                    (long) inputs,
                    f.invokeMember("runRecords", records, 64, verdicts).asLong());
            assertEquals((long) inputs, f.getMember("invocations").asLong());
            assertEquals(
                    3 * shortPaths + 5 * longPaths,
                    f.getMember("instructionsExecuted").asLong());
            assertEquals(longPaths, f.getMember("overBudget").asLong());
        }
        // Over budget with an error: the batch ends at the first long path.
        try (Engine engine = mode.newEngine();
                Context c = context(engine, Map.of("bpf.MaxInstructions", "5", "bpf.BudgetCounters", "true"))) {
            Value f = load(c, branchy());
            for (int round = 1; round <= 3; round++) {
                PolyglotException e = assertThrows(
                        PolyglotException.class, () -> f.invokeMember("runBatch", records, offsets, lengths));
                assertEquals(
                        CoreFailure.INSTRUCTION_BUDGET_EXCEEDED.message(6, 5, "bpf.MaxInstructions"), e.getMessage());
                assertEquals(
                        round * (firstLong + 1L), f.getMember("invocations").asLong());
                assertEquals(
                        round * (3L * firstLong + 5),
                        f.getMember("instructionsExecuted").asLong());
                assertEquals((long) round, f.getMember("overBudget").asLong());
            }
        }
        // A span refused before its run ends the batch without counting it: the inputs before it count.
        try (Engine engine = mode.newEngine();
                Context c = context(engine, Map.of("bpf.MaxInstructions", "4096", "bpf.BudgetCounters", "true"))) {
            Value f = load(c, branchy());
            int[] badLengths = lengths.clone();
            badLengths[7] = 63;
            PolyglotException e = assertThrows(
                    PolyglotException.class, () -> f.invokeMember("runBatch", records, offsets, badLengths));
            assertTrue(e.getMessage().contains("span 7"), e.getMessage());
            assertEquals(7L, f.getMember("invocations").asLong());
        }
    }

    /**
     * One {@code ret} reached by two jumps from different depths and by a fall-through: compiled, each jump into it gets
     * its own copy (FilterBodyNode's exitEdge), and every path must still be charged exactly its own length, with and
     * without blinding, one call at a time and in a batch, and a path one over the limit stops at the shared exit.
     */
    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void sharedExitsChargeEachPathItsOwnLength(EngineMode mode) {
        Program sharedExit = Program.of(
                Insn.stmt(Opcodes.LD | Opcodes.W | Opcodes.ABS, 0), // 0
                Insn.jump(Opcodes.JMP | Opcodes.JEQ | Opcodes.K, 1, 3, 0), // 1: nr 1 -> 5 (3 instructions)
                Insn.stmt(Opcodes.ALU | Opcodes.ADD | Opcodes.K, 1), // 2
                Insn.jump(Opcodes.JMP | Opcodes.JGT | Opcodes.K, 2, 1, 0), // 3: nr 2 -> 5 (5 instructions)
                Insn.stmt(Opcodes.ALU | Opcodes.ADD | Opcodes.K, 1), // 4: nr 0 falls through (6 instructions)
                Insn.stmt(Opcodes.RET | Opcodes.K, 0x7fff0000)); // 5
        int[] nrs = {1, 2, 0};
        long[] lengths = {3, 5, 6};
        byte[] records = new byte[64 * nrs.length];
        for (int i = 0; i < nrs.length; i++) {
            System.arraycopy(GuardPrograms.seccompData(nrs[i]), 0, records, 64 * i, 64);
        }
        for (String blinding : new String[] {"on", "off"}) {
            try (Engine engine = mode.newEngine();
                    Context c = context(
                            engine,
                            Map.of(
                                    "bpf.MaxInstructions",
                                    "4096",
                                    "bpf.BudgetCounters",
                                    "true",
                                    "bpf.ConstantBlinding",
                                    blinding))) {
                Value f = load(c, sharedExit);
                long expected = 0;
                for (int round = 0; round < 20; round++) { // compiled: the first calls compile
                    for (int i = 0; i < nrs.length; i++) {
                        long before = f.getMember("instructionsExecuted").asLong();
                        assertEquals(
                                0x7fff0000L,
                                f.execute(GuardPrograms.seccompData(nrs[i])).asLong());
                        assertEquals(
                                lengths[i],
                                f.getMember("instructionsExecuted").asLong() - before,
                                "nr " + nrs[i] + ", blinding " + blinding + ", round " + round);
                        expected += lengths[i];
                    }
                    f.invokeMember("runRecords", records, 64);
                    expected += java.util.Arrays.stream(lengths).sum(); // the batch runs each path once
                }
                assertEquals(expected, f.getMember("instructionsExecuted").asLong(), "blinding " + blinding);
            }
            try (Engine engine = mode.newEngine();
                    Context c = context(engine, Map.of("bpf.MaxInstructions", "5", "bpf.ConstantBlinding", blinding))) {
                Value f = load(c, sharedExit);
                for (int round = 0; round < 20; round++) {
                    assertEquals(
                            0x7fff0000L, f.execute(GuardPrograms.seccompData(2)).asLong(), "5 of 5");
                    PolyglotException e =
                            assertThrows(PolyglotException.class, () -> f.execute(GuardPrograms.seccompData(0)));
                    assertEquals(
                            CoreFailure.INSTRUCTION_BUDGET_EXCEEDED.message(5, 5, "bpf.MaxInstructions"),
                            e.getMessage());
                }
            }
        }
    }
}
