package dev.sluice.bpf.guards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.bpf.isa.Insn;
import dev.sluice.bpf.isa.Opcodes;
import dev.sluice.bpf.isa.Program;
import dev.sluice.core.testing.EngineMode;
import dev.sluice.core.testing.GraphDumps;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

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
        return probe(blinding, "false");
    }

    ProbeRun probe(String blinding, String constantTime) throws Exception {
        return probe(blinding, constantTime, "seccomp");
    }

    ProbeRun probe(String blinding, String constantTime, String profile) throws Exception {
        GraphDumps.Run run = GraphDumps.run(
                dir.resolve("dump-" + blinding + "-" + constantTime + "-" + profile),
                BlindingProbe.class,
                "bpf-" + profile,
                blinding,
                constantTime,
                profile);
        return new ProbeRun(run.line("engine="), withoutArrayContents(run.dumps()), run.programGraphs());
    }

    /**
     * The dumps without the elements of {@code int[]} constants. A graph names an array the code reads by its contents
     * ({@code int[11]{0, ...}}), but the array is data the code addresses, not immediates in it: blinded programs read
     * some plain constants that way, as memory operands (FilterBodyNode's constantData, docs/guards.md).
     */
    static String withoutArrayContents(String dumps) {
        return dumps.replaceAll("int\\[\\d+\\]\\{[^}]*\\}", "int[]");
    }

    record ProbeRun(String output, String dumps, int filterGraphs) {}

    /**
     * Seccomp programs keep every blinded constant as {@code k ^ key}; socket filters read their {@code jeq}, {@code
     * jset} and {@code and} constants as data (FilterBodyNode's dataOperands): both keep them out of the code.
     */
    @ParameterizedTest
    @ValueSource(strings = {"seccomp", "socket"})
    void authorConstantsAreNotImmediatesOfCompiledCode(String profile) throws Exception {
        String constant = Integer.toString(BlindingProbe.AUTHOR_CONSTANT);
        String comparand = Integer.toString(BlindingProbe.AUTHOR_CONSTANT ^ 7);
        ProbeRun off = probe("off", "false", profile);
        ProbeRun on = probe("on", "false", profile);
        assertFalse(off.output().contains("engine=Interpreted"), off.output());
        assertEquals(off.output(), on.output(), "blinding changes no verdict");
        assertTrue(off.filterGraphs() > 0 && on.filterGraphs() > 0, "the filter root was compiled and dumped");
        assertTrue(
                off.dumps().contains(constant) && off.dumps().contains(comparand),
                "unblinded: the author constants are in the compiled graphs");
        assertFalse(on.dumps().contains(constant), "blinded: the author constant is not in any compiled graph");
        assertFalse(on.dumps().contains(comparand), "blinded: the jump comparand is not in any compiled graph");
        // The jset and and operands, read as data when blinded (DataOperands).
        for (int mask : new int[] {BlindingProbe.TEST_MASK, BlindingProbe.KEEP_MASK}) {
            String value = Integer.toString(mask);
            assertTrue(off.dumps().contains(value), "unblinded: the mask " + value + " is compiled in");
            assertFalse(on.dumps().contains(value), "blinded: the mask " + value + " is not");
        }
        // Graal may compile A > k as A >= k + 1, so either value counts as the comparand.
        for (int ordered : new int[] {BlindingProbe.ABOVE, BlindingProbe.AT_LEAST}) {
            String value = Integer.toString(ordered), next = Integer.toString(ordered + 1);
            assertTrue(
                    off.dumps().contains(value) || off.dumps().contains(next),
                    "unblinded: the jgt/jge comparand " + value + " is compiled in");
            assertFalse(
                    on.dumps().contains(value) || on.dumps().contains(next),
                    "blinded: the jgt/jge comparand " + value + " is not");
        }
    }

    /** Constant-time programs (bpf.ConstantTime, the predicated body) are blinded the same way. */
    @Test
    void constantTimeProgramsKeepAuthorConstantsOutOfCompiledCodeToo() throws Exception {
        ProbeRun off = probe("off", "true");
        ProbeRun on = probe("on", "true");
        assertFalse(off.output().contains("engine=Interpreted"), off.output());
        assertEquals(off.output(), on.output(), "blinding changes no verdict");
        assertEquals(probe("off").output(), off.output(), "the constant-time body computes what the other does");
        assertTrue(off.filterGraphs() > 0 && on.filterGraphs() > 0, "the filter root was compiled and dumped");
        // The unblinded graphs show the author constant; Graal may fold the others away there (nr ^ C == C ^ 7 is
        // nr == 7) or compile A > k as A >= k + 1. Blinded, none of them nor k + 1 appears.
        assertTrue(
                off.dumps().contains(Integer.toString(BlindingProbe.AUTHOR_CONSTANT)), "unblinded: C is compiled in");
        for (int constant : new int[] {
            BlindingProbe.AUTHOR_CONSTANT,
            BlindingProbe.AUTHOR_CONSTANT ^ 7,
            BlindingProbe.ABOVE,
            BlindingProbe.AT_LEAST,
            BlindingProbe.TEST_MASK,
            BlindingProbe.KEEP_MASK
        }) {
            for (String value : new String[] {Integer.toString(constant), Integer.toString(constant + 1)}) {
                assertFalse(on.dumps().contains(value), "blinded: " + value + " is not");
            }
        }
    }

    static Stream<Arguments> modesAndBodies() {
        return Stream.of(EngineMode.INTERPRETED, EngineMode.COMPILED)
                .flatMap(mode -> Stream.of(Arguments.of(mode, false), Arguments.of(mode, true)));
    }

    /** Random programs, blinded and not, give the same verdicts, in both bodies (bpf.ConstantTime false and true). */
    @ParameterizedTest
    @MethodSource("modesAndBodies")
    void blindingChangesNoVerdict(EngineMode mode, boolean constantTime) {
        java.util.Random rnd = new java.util.Random(42);
        byte[] records = new byte[64 * 32];
        rnd.nextBytes(records);
        try (Engine engine = mode.newEngine();
                Context off = context(engine, "off", constantTime);
                Context on = context(engine, "on", constantTime)) {
            int programs = mode == EngineMode.INTERPRETED ? 80 : 8;
            for (int i = 0; i < programs; i++) {
                byte[] p = GuardPrograms.raw(GuardPrograms.random(rnd, 2 + rnd.nextInt(50)));
                Value plain = load(off, p);
                Value blinded = load(on, p);
                assertFalse(plain.getMember("constantBlinding").asBoolean(), "program " + i);
                assertTrue(blinded.getMember("constantBlinding").asBoolean(), "program " + i);
                int[] a = new int[32];
                int[] b = new int[32];
                plain.invokeMember("runRecords", records, 64, a);
                blinded.invokeMember("runRecords", records, 64, b);
                assertEquals(Arrays.toString(a), Arrays.toString(b), "program " + i);
                for (int r = 0; r < 4; r++) {
                    byte[] record = Arrays.copyOfRange(records, 64 * r, 64 * r + 64);
                    assertEquals(
                            plain.execute(record).asLong(),
                            blinded.execute(record).asLong(),
                            "program " + i);
                }
            }
            assertNotEquals(
                    off.getBindings("bpf").getMember("measurement").asString(),
                    on.getBindings("bpf").getMember("measurement").asString(),
                    "the blinding option is measured");
        }
    }

    private static Context context(Engine engine, String blinding, boolean constantTime) {
        return Context.newBuilder("bpf")
                .engine(engine)
                .allowExperimentalOptions(true)
                .option("bpf.ConstantTime", Boolean.toString(constantTime))
                .option("bpf.ConstantBlinding", blinding)
                .build();
    }

    /**
     * Blinded {@code jgt #k} and {@code jge #k} compare {@code A + key} with {@code k + key} in 64 bits: at the edges of
     * the unsigned range (A and k at 0, 2^31 and 2^32 - 1, and each beside k) they take the unblinded jumps.
     */
    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void orderedJumpsKeepTheirMeaningAtTheEdgesOfTheRange(EngineMode mode) {
        int[] edges = {0, 1, 0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe, 0xffffffff, 0x5EED1234};
        // Pairs (jgt's k, jge's k): one k (the comparands' spread is 0, so the key is narrowed to signed 32-bit sums),
        // and pairs spread over more than 2^30 (the key read unsigned, sums up to 2^33).
        List<int[]> pairs = new ArrayList<>();
        for (int k : edges) {
            pairs.add(new int[] {k, k});
        }
        pairs.add(new int[] {0, 0xffffffff});
        pairs.add(new int[] {0xffffffff, 0});
        pairs.add(new int[] {0x10, 0xC0000000});
        pairs.add(new int[] {0x40000000, 0}); // spread exactly 2^30: still narrow
        try (Engine engine = mode.newEngine();
                Context off = context(engine, "off", false);
                Context on = context(engine, "on", false)) {
            for (int[] pair : pairs) {
                int gt = pair[0], ge = pair[1];
                // 1 when A > gt, else 2 when A >= ge, else 3 (unsigned).
                byte[] p = GuardPrograms.raw(Program.of(
                        Insn.stmt(Opcodes.LD | Opcodes.W | Opcodes.ABS, 0),
                        Insn.jump(Opcodes.JMP | Opcodes.JGT | Opcodes.K, gt, 0, 1),
                        Insn.stmt(Opcodes.RET | Opcodes.K, 1),
                        Insn.jump(Opcodes.JMP | Opcodes.JGE | Opcodes.K, ge, 0, 1),
                        Insn.stmt(Opcodes.RET | Opcodes.K, 2),
                        Insn.stmt(Opcodes.RET | Opcodes.K, 3)));
                int[] as = {0, 1, 0x7fffffff, 0x80000000, 0xffffffff, gt - 1, gt, gt + 1, ge - 1, ge, ge + 1};
                ByteBuffer records = ByteBuffer.allocate(64 * as.length).order(ByteOrder.LITTLE_ENDIAN);
                int[] expected = new int[as.length];
                for (int i = 0; i < as.length; i++) {
                    records.putInt(64 * i, as[i]); // seccomp_data.nr, what ld [0] loads
                    expected[i] = Integer.compareUnsigned(as[i], gt) > 0
                            ? 1
                            : Integer.compareUnsigned(as[i], ge) >= 0 ? 2 : 3;
                }
                Value plain = load(off, p);
                Value blinded = load(on, p);
                int rounds = mode == EngineMode.COMPILED ? 3 : 1; // compiled after the first batch
                for (int r = 0; r < rounds; r++) {
                    int[] a = new int[as.length];
                    int[] b = new int[as.length];
                    plain.invokeMember("runRecords", records.array(), 64, a);
                    blinded.invokeMember("runRecords", records.array(), 64, b);
                    String at = "jgt " + Integer.toHexString(gt) + ", jge " + Integer.toHexString(ge) + " round " + r;
                    assertEquals(Arrays.toString(expected), Arrays.toString(a), "unblinded " + at);
                    assertEquals(Arrays.toString(expected), Arrays.toString(b), "blinded " + at);
                }
            }
        }
    }

    static Value load(Context c, byte[] p) {
        return c.eval(Source.newBuilder("bpf", ByteSequence.create(p), "p.bpf").buildLiteral());
    }
}
