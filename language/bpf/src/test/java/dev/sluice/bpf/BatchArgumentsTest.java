package dev.sluice.bpf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.testing.EngineMode;
import java.util.Arrays;
import java.util.Random;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The batch entries' host arrays ({@code runBatch}'s offsets, lengths and verdicts, {@code runRecords}' verdicts) are
 * checked once, before the loop, which then reads and writes them without Java's per-element checks
 * ({@code BatchRootNode}): arrays that do not fit are refused with a clear error and nothing is written; arrays that
 * fit give every input's verdict, and the returned count is the number of nonzero verdicts, computed without a branch
 * (so verdicts with the sign bit set, {@code 0x80000000} above all, must count).
 */
class BatchArgumentsTest {
    private static final String FIRST_WORD = "ld [0]\nret a\n";
    /** First words of the inputs: zero, small, the sign bit alone, all ones, and others. */
    private static final int[] WORDS = {0, 1, 0x80000000, 0xffffffff, 0x7fffffff, 0x100, 0, 0x80000001};

    @AfterAll
    static void noEngineWarnings() {
        assertTrue(EngineMode.ENGINE_WARNINGS.isEmpty(), EngineMode.ENGINE_WARNINGS.toString());
    }

    private static Value filter(Context ctx) {
        return ctx.eval(Source.newBuilder("bpf", FIRST_WORD, "first-word.asm")
                .mimeType("text/x-bpf")
                .buildLiteral());
    }

    private static void putWord(byte[] data, int at, int word) {
        data[at] = (byte) (word >>> 24);
        data[at + 1] = (byte) (word >>> 16);
        data[at + 2] = (byte) (word >>> 8);
        data[at + 3] = (byte) word;
    }

    @ParameterizedTest
    @EnumSource(EngineMode.class)
    void theCountIsTheNumberOfNonzeroVerdicts(EngineMode mode) {
        int n = 500;
        Random rnd = new Random(11);
        int[] expected = new int[n];
        byte[] records = new byte[4 * n];
        // Spans of 4 to 11 bytes with gaps between them, each starting with its word.
        byte[] spans = new byte[12 * n];
        int[] offsets = new int[n];
        int[] lengths = new int[n];
        long nonzero = 0;
        for (int i = 0, at = 0; i < n; i++) {
            expected[i] = WORDS[rnd.nextInt(WORDS.length)];
            nonzero += expected[i] != 0 ? 1 : 0;
            putWord(records, 4 * i, expected[i]);
            offsets[i] = at;
            lengths[i] = 4 + rnd.nextInt(8);
            putWord(spans, at, expected[i]);
            at += lengths[i] + 1;
        }
        try (Engine engine = mode.newEngine();
                Context ctx = mode.contextBuilder("bpf", engine)
                        .option("bpf.Profile", "socket")
                        .build()) {
            Value f = filter(ctx);
            // Enough rounds for BACKGROUND's thresholds, so that the later rounds run compiled code.
            for (int round = 0; round < (mode == EngineMode.BACKGROUND ? 40 : 2); round++) {
                int[] verdicts = new int[n + 3];
                Arrays.fill(verdicts, -7);
                assertEquals(
                        nonzero,
                        f.invokeMember("runBatch", spans, offsets, lengths, verdicts)
                                .asLong(),
                        mode + "");
                assertArrayEquals(expected, Arrays.copyOf(verdicts, n), mode + ": runBatch verdicts");
                assertArrayEquals(new int[] {-7, -7, -7}, Arrays.copyOfRange(verdicts, n, n + 3), "past the batch");
                assertEquals(
                        nonzero,
                        f.invokeMember("runBatch", spans, offsets, lengths).asLong(),
                        mode + "");

                int[] recordVerdicts = new int[n];
                assertEquals(
                        nonzero,
                        f.invokeMember("runRecords", records, 4, recordVerdicts).asLong(),
                        mode + "");
                assertArrayEquals(expected, recordVerdicts, mode + ": runRecords verdicts");
                assertEquals(nonzero, f.invokeMember("runRecords", records, 4).asLong(), mode + "");
            }
        }
    }

    /**
     * Every kind of exit, by the input's first word: {@code ret #k} with k zero and nonzero (the sign bit alone too),
     * {@code ret a} nonzero and zero, and the runs the kernel ends with 0 (division by zero, a load outside the
     * packet).
     */
    private static final String EXITS = String.join(
            "\n",
            "        ld [0]",
            "        jeq #0, zero",
            "        jeq #1, divide",
            "        jeq #2, outside",
            "        jeq #3, sign",
            "        jeq #4, returnA",
            "        jeq #6, returnA",
            "        jgt #0x80000000, zero",
            "        ret #0x40000",
            "zero:   ret #0",
            "sign:   ret #0x80000000",
            "returnA: ld [0]",
            "        sub #6",
            "        ret a",
            "divide: ldx #0",
            "        div x",
            "        ret #7",
            "outside: ld [100]",
            "        ret #9",
            "");

    /** The first words of the inputs and the verdict of each through {@link #EXITS}. */
    private static final int[][] EXIT_CASES = {
        {0, 0}, {1, 0}, {2, 0}, {3, 0x80000000}, {4, -2}, {6, 0}, {5, 0x40000}, {0x80000001, 0}, {0x7fffffff, 0x40000}
    };

    /**
     * A batch body counts its accepted inputs at its exits (ProgramBodyNode.countsAccepted), each kind of exit its own
     * way: the count must be the number of nonzero verdicts whichever exits the inputs take, blinded or not, in the
     * interpreter and in compiled code.
     */
    @ParameterizedTest
    @EnumSource(EngineMode.class)
    void everyKindOfExitCounts(EngineMode mode) {
        int n = 400;
        Random rnd = new Random(5);
        int[] expected = new int[n];
        byte[] records = new byte[8 * n];
        long nonzero = 0;
        for (int i = 0; i < n; i++) {
            int[] c = EXIT_CASES[rnd.nextInt(EXIT_CASES.length)];
            putWord(records, 8 * i, c[0]);
            expected[i] = c[1];
            nonzero += c[1] != 0 ? 1 : 0;
        }
        int[] offsets = new int[n];
        int[] lengths = new int[n];
        for (int i = 0; i < n; i++) {
            offsets[i] = 8 * i;
            lengths[i] = 8;
        }
        for (String blinding : new String[] {"on", "off"}) {
            try (Engine engine = mode.newEngine();
                    Context ctx = mode.contextBuilder("bpf", engine)
                            .option("bpf.Profile", "socket")
                            .option("bpf.ConstantBlinding", blinding)
                            .build()) {
                Value f = ctx.eval(Source.newBuilder("bpf", EXITS, "exits.asm")
                        .mimeType("text/x-bpf")
                        .buildLiteral());
                for (int round = 0; round < (mode == EngineMode.BACKGROUND ? 40 : 2); round++) {
                    String what = mode + ", blinding " + blinding + ", round " + round;
                    int[] verdicts = new int[n];
                    assertEquals(
                            nonzero,
                            f.invokeMember("runBatch", records, offsets, lengths, verdicts)
                                    .asLong(),
                            what);
                    assertArrayEquals(expected, verdicts, what + ": runBatch verdicts");
                    assertEquals(
                            nonzero,
                            f.invokeMember("runBatch", records, offsets, lengths)
                                    .asLong(),
                            what);
                    assertEquals(
                            nonzero, f.invokeMember("runRecords", records, 8).asLong(), what);
                }
            }
        }
    }

    @Test
    void arraysThatDoNotFitAreRefusedAndNothingIsWritten() {
        byte[] data = new byte[64];
        putWord(data, 0, 5);
        try (Context ctx =
                Context.newBuilder("bpf").option("bpf.Profile", "socket").build()) {
            Value f = filter(ctx);
            String spansRule = "offsets and lengths must be int[] of equal length, verdicts at least as long";
            int[] verdicts = {-7, -7, -7};
            assertRefused(spansRule, () -> f.invokeMember("runBatch", data, new int[4], new int[3], verdicts));
            assertRefused(spansRule, () -> f.invokeMember("runBatch", data, new int[3], new int[4], verdicts));
            assertRefused(spansRule, () -> f.invokeMember("runBatch", data, new int[4], new int[4], verdicts));
            assertArrayEquals(new int[] {-7, -7, -7}, verdicts);

            int[] three = {-7, -7, -7};
            assertRefused(
                    "verdicts has room for 3 of 4 records", () -> f.invokeMember("runRecords", new byte[16], 4, three));
            assertArrayEquals(new int[] {-7, -7, -7}, three);

            // A span outside the data stops the batch at that span: the verdicts before it are written, none after.
            int[] four = {-7, -7, -7, -7};
            assertRefused(
                    "span 2 (offset 62, length 4) is not a valid input",
                    () -> f.invokeMember("runBatch", data, new int[] {0, 0, 62, 0}, new int[] {4, 4, 4, 4}, four));
            assertArrayEquals(new int[] {5, 5, -7, -7}, four);
            assertRefused(
                    "span 1 (offset -1, length 4) is not a valid input",
                    () -> f.invokeMember("runBatch", data, new int[] {0, -1}, new int[] {4, 4}));
            assertRefused(
                    "span 0 (offset 0, length -4) is not a valid input",
                    () -> f.invokeMember("runBatch", data, new int[] {0}, new int[] {-4}));
        }
    }

    private static void assertRefused(String message, Runnable call) {
        PolyglotException e = assertThrows(PolyglotException.class, call::run);
        assertTrue(e.isGuestException(), e.toString());
        assertFalse(e.isInternalError(), e.toString());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }
}
