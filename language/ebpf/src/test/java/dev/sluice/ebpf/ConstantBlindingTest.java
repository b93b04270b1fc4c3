package dev.sluice.ebpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.testing.EngineMode;
import dev.sluice.core.testing.GraphDumps;
import dev.sluice.ebpf.formats.RawFormat;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Constant blinding of eBPF (ebpf.ConstantBlinding): the immediates an author chose do not appear in compiled code,
 * and blinding changes no result. A child JVM compiles {@link BlindingProbe}'s program with Graal's graph dumping on
 * (core's {@link GraphDumps}); the dumped graphs (after partial evaluation and at the end of compilation) name every
 * constant node's value in decimal. With blinding off each marker is there; with blinding on none is, while the
 * results are the same.
 */
class ConstantBlindingTest {
    @TempDir
    Path dir;

    GraphDumps.Run probe(String blinding) throws Exception {
        return GraphDumps.run(dir.resolve("dump-" + blinding), BlindingProbe.class, BlindingProbe.NAME, blinding);
    }

    /**
     * The dumps without the elements of array constants. A graph names an array the code reads by its contents ({@code
     * long[25]{0, ...}}), but the array is data the code addresses, not immediates in it: blinded programs read some
     * plain immediates that way, as memory operands (FunctionBodyNode's immediateData, docs/guards.md 6.1).
     */
    static String withoutArrayContents(String dumps) {
        return dumps.replaceAll("(int|long)\\[\\d+\\]\\{[^}]*\\}", "array");
    }

    @Test
    void authorImmediatesAreNotConstantsOfCompiledCode() throws Exception {
        GraphDumps.Run off = probe("off");
        GraphDumps.Run on = probe("on");
        assertEquals("blinded=false", off.line("blinded="));
        assertEquals("blinded=true", on.line("blinded="));
        assertFalse(off.line("engine=").contains("engine=Interpreted"), off.output());
        assertEquals(off.line("engine="), on.line("engine="), "blinding changes no result");
        assertTrue(off.programGraphs() > 0 && on.programGraphs() > 0, "the program's roots were compiled and dumped");
        // Each marker as the graphs may spell it: the compiler turns r0 > G into G + 1 <= r0, and an unsigned
        // comparison (Long.compareUnsigned) compares both sides with their sign bits flipped.
        Map<String, List<Long>> markers = new java.util.HashMap<>(Map.of(
                "the ALU xor operand", List.of((long) BlindingProbe.ALU_XOR),
                "the jeq comparand", List.of((long) BlindingProbe.JEQ_COMPARAND),
                "the jgt comparand",
                        List.of(
                                (long) BlindingProbe.JGT_COMPARAND,
                                BlindingProbe.JGT_COMPARAND + 1L,
                                BlindingProbe.JGT_COMPARAND ^ Long.MIN_VALUE),
                "the stored immediate", List.of((long) BlindingProbe.STORED),
                "the mov immediate", List.of((long) BlindingProbe.MOV_IMM),
                "the lddw value", List.of(BlindingProbe.LDDW_VALUE),
                "the constant made of a mov and a xor", List.of((long) (BlindingProbe.CHAIN_A ^ BlindingProbe.CHAIN_B)),
                "the LD_IND offset", List.of((long) BlindingProbe.LEGACY_IND),
                // The load's check as the graphs may spell it: k <= length - 4, or k + 4 <= length.
                "the LD_ABS offset", List.of((long) BlindingProbe.LEGACY_ABS, BlindingProbe.LEGACY_ABS + 4L)));
        // Read as data when blinded (FunctionBodyNode's dataOperands), as the lone jeq's comparand is.
        markers.put("the jset mask", List.of((long) BlindingProbe.JSET_MASK));
        markers.put("the and mask", List.of((long) BlindingProbe.AND_MASK));
        for (Map.Entry<String, List<Long>> m : markers.entrySet()) {
            List<String> spellings = m.getValue().stream().map(String::valueOf).toList();
            assertTrue(
                    spellings.stream().anyMatch(off.dumps()::contains),
                    "unblinded: " + m.getKey() + " is in the compiled graphs");
            for (String decimal : spellings) {
                assertFalse(
                        withoutArrayContents(on.dumps()).contains(decimal),
                        "blinded: " + m.getKey() + " is in no compiled graph");
            }
        }
    }

    /**
     * Random programs (RandomProgramsTest's generator: every ALU, jump, load, store and atomic form, lddw, legacy
     * loads), compiled with blinding on, against the interpreter without it: the same r0 or the same error.
     */
    @Test
    void blindedCompiledRunsEqualUnblindedInterpretedRuns() {
        Random rnd = new Random(20261130);
        int compared = 0;
        try (Engine interpreted = EngineMode.INTERPRETED.newEngine("ebpf", "ebpf-");
                Engine compiled = EngineMode.COMPILED.newEngine("ebpf", "ebpf-")) {
            for (int i = 0; i < 150; i++) {
                byte[] raw = RawFormat.encode(RandomProgramsTest.randomProgram(rnd));
                byte[] memory = new byte[rnd.nextInt(24)];
                rnd.nextBytes(memory);
                String name = "ebpf-blinding-random-" + i;
                String expected;
                try (Context c = unverified(EngineMode.INTERPRETED, interpreted, "off")) {
                    expected = RandomProgramsTest.outcome(c, raw, name, memory);
                }
                try (Context c = unverified(EngineMode.INTERPRETED, interpreted, "on")) {
                    assertEquals(expected, RandomProgramsTest.outcome(c, raw, name, memory), name + " interpreted");
                }
                try (Context c = unverified(EngineMode.COMPILED, compiled, "on")) {
                    assertEquals(expected, RandomProgramsTest.outcome(c, raw, name, memory), name + " compiled");
                }
                if (!expected.startsWith("load error")) {
                    compared++;
                }
            }
        }
        assertTrue(compared > 100, "most random programs load and run: " + compared);
    }

    /**
     * A blinded {@code mov r0, K} keeps {@code K ^ key} in r0 until something reads it or an exit returns it, and the
     * function applies the key once after its exits merge (BlindedR0). Each form, blinded and not, in the interpreter
     * and compiled: 64-bit movs of negative and edge values (sign-extended), a 32-bit mov (zero-extended), verdicts set
     * before a branch to a shared exit (clang's shape), a merge of a blinded r0 with a plain one, an add that reads a
     * blinded r0, a loop around a blinded r0, a local function whose verdict its caller uses, and a legacy packet load
     * that ends the program with 0.
     */
    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void blindedMovsOfR0GiveTheAuthorsVerdicts(EngineMode mode) {
        String tree = String.join(
                "\n",
                "ldxw %r2, [%r1+0]",
                "jgt %r2, 100, big",
                "jgt %r2, 50, mid",
                "mov %r0, -5",
                "exit",
                "mid:",
                "mov %r0, 0x7fffffff",
                "exit",
                "big:",
                "jgt %r2, 200, huge",
                "mov %r0, -1",
                "exit",
                "huge:",
                "mov32 %r0, -7",
                "exit");
        String landedOn =
                String.join("\n", "ldxw %r2, [%r1+0]", "mov %r0, 3", "jgt %r2, 10, out", "mov %r0, 9", "out:", "exit");
        String localCall = String.join(
                "\n",
                "ldxw %r2, [%r1+0]",
                "call local f",
                "add %r0, 1",
                "exit",
                "f:",
                "jgt %r2, 5, g",
                "mov %r0, 40",
                "exit",
                "g:",
                "mov %r0, -2",
                "exit");
        String mixedMerge = String.join(
                "\n", "ldxw %r2, [%r1+0]", "mov %r0, -3", "jgt %r2, 10, out", "mov %r0, %r2", "out:", "exit");
        String readAfter = String.join(
                "\n",
                "ldxw %r2, [%r1+0]",
                "mov %r0, 0x7ffffff0",
                "jgt %r2, 10, skip",
                "add %r0, 0x20",
                "skip:",
                "exit");
        String loop = String.join(
                "\n",
                "ldxw %r2, [%r1+0]",
                "and %r2, 7",
                "mov %r0, 5",
                "loop:",
                "jeq %r2, 0, done",
                "sub %r2, 1",
                "mov %r0, 6",
                "ja loop",
                "done:",
                "exit");
        Map<String, long[][]> cases = new java.util.LinkedHashMap<>();
        cases.put(
                tree,
                new long[][] {{0, -5}, {50, -5}, {51, 0x7fffffff}, {100, 0x7fffffff}, {101, -1}, {201, 0xfffffff9L}});
        cases.put(landedOn, new long[][] {{10, 9}, {11, 3}});
        cases.put(localCall, new long[][] {{5, 41}, {6, -1}});
        cases.put(mixedMerge, new long[][] {{7, 7}, {10, 10}, {11, -3}});
        cases.put(readAfter, new long[][] {{10, 0x80000010L}, {11, 0x7ffffff0}});
        cases.put(loop, new long[][] {{0, 5}, {8, 5}, {3, 6}, {15, 6}});
        try (Engine engine = mode.newEngine("ebpf", "ebpf-")) {
            for (String blinding : List.of("off", "on")) {
                try (Context context = mode.contextBuilder("ebpf", engine)
                        .option("ebpf.ConstantBlinding", blinding)
                        .build()) {
                    for (Map.Entry<String, long[][]> c : cases.entrySet()) {
                        var program = context.eval(EbpfTestSources.asm(c.getKey()));
                        assertEquals(
                                blinding.equals("on"),
                                program.getMember("constantBlinding").asBoolean());
                        for (int round = 0; round < 2; round++) { // compiled mode: the first call compiles
                            for (long[] inputAndVerdict : c.getValue()) {
                                byte[] memory = new byte[8];
                                memory[0] = (byte) inputAndVerdict[0];
                                assertEquals(
                                        inputAndVerdict[1],
                                        program.execute((Object) memory).asLong(),
                                        "blinding " + blinding + ", input " + inputAndVerdict[0] + ":\n" + c.getKey());
                            }
                        }
                    }
                }
                try (Context context = mode.contextBuilder("ebpf", engine)
                        .option("ebpf.ConstantBlinding", blinding)
                        .option("ebpf.ProgramType", "socket_filter")
                        .build()) {
                    var program = context.eval(EbpfTestSources.asm("mov %r6, %r1\nldabsb 100\nmov %r0, 5\nexit"));
                    for (int round = 0; round < 2; round++) {
                        assertEquals(5L, program.execute((Object) new byte[101]).asLong(), "blinding " + blinding);
                        assertEquals(0L, program.execute((Object) new byte[100]).asLong(), "blinding " + blinding);
                    }
                }
            }
        }
        if (mode == EngineMode.COMPILED) {
            assertTrue(EngineMode.compiled("ebpf-raw:Unnamed"), "compiled: " + EngineMode.COMPILATIONS);
            assertTrue(EngineMode.compiled("ebpf-socket_filter:Unnamed"), "compiled: " + EngineMode.COMPILATIONS);
        }
    }

    /**
     * Legacy packet loads read the same bytes, and end the program with 0 at the same offsets, blinded or not: LD_ABS
     * (its offset blinded by a sum, Blinding.OFFSET, or by XOR in the kernel's negative windows) at offsets around the
     * frame's end, far past it, in the SKF_NET_OFF and SKF_LL_OFF windows and below them; LD_IND with the register read
     * from the frame, so that one program reaches every offset, including sums that wrap at 32 bits and negative ones,
     * and registers on both sides of the bound below which a blinded LD_IND takes LD_ABS's check
     * (MemoryGuard.SMALL_INDEX; 0x7fe0000f + 0x7fffffff wraps into SKF_LL_OFF's window, inside the frame, which a
     * bound of 2^31 would miss).
     * Frames seen from the link-layer and from the network header. Unblinded and interpreted is the reference (the
     * kernel differential tests check that one against the kernel); blinded interpreted and compiled must equal it.
     */
    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void legacyLoadsKeepTheirMeaningBlinded(EngineMode mode) {
        int net = -0x100000, ll = -0x200000;
        List<String> programs = new java.util.ArrayList<>();
        for (String size : List.of("b", "h", "w")) {
            for (int k :
                    new int[] {0, 12, 45, 46, 47, 57, 58, 59, 60, 61, 0x7fffffff, net + 2, net + 45, ll + 13, ll - 1, -1
                    }) {
                programs.add("mov %r6, %r1\nldabs" + size + " " + k + "\nexit");
            }
            for (int imm : new int[] {0, 3, -4, 0x7fffffff, net, ll + 14}) {
                programs.add("mov %r6, %r1\nldabsw 0\nmov %r7, %r0\nldind" + size + " %r7, " + imm + "\nexit");
            }
        }
        Random rnd = new Random(2026113001);
        List<byte[]> frames = new java.util.ArrayList<>();
        for (long first : new long[] {
            0,
            1,
            14,
            44,
            45,
            56,
            57,
            58,
            59,
            60,
            0x3fffffffL,
            0x40000000L,
            0x7fe0000fL,
            0x7ffffffcL,
            0xfff00000L,
            0xfffffffcL,
            0xffffffffL
        }) {
            for (int length : new int[] {60, 64}) {
                byte[] frame = new byte[length];
                rnd.nextBytes(frame);
                java.nio.ByteBuffer.wrap(frame).putInt((int) first);
                frames.add(frame);
            }
        }
        for (String socketData : List.of("link", "network")) {
            Map<String, List<Long>> expected = new java.util.HashMap<>();
            try (Engine engine = EngineMode.INTERPRETED.newEngine("ebpf", "ebpf-");
                    Context context = socketFilter(EngineMode.INTERPRETED, engine, "off", socketData)) {
                for (String text : programs) {
                    var program = context.eval(EbpfTestSources.asm(text));
                    expected.put(
                            text,
                            frames.stream()
                                    .map(f -> program.execute((Object) f).asLong())
                                    .toList());
                }
            }
            long zeroes = expected.values().stream()
                    .flatMap(List::stream)
                    .filter(v -> v == 0)
                    .count();
            assertTrue(
                    zeroes > 200 && zeroes < programs.size() * frames.size() - 200,
                    "loads inside and outside the frame: " + zeroes + " zeroes");
            try (Engine engine = mode.newEngine("ebpf", "ebpf-");
                    Context context = socketFilter(mode, engine, "on", socketData)) {
                for (String text : programs) {
                    var program = context.eval(EbpfTestSources.asm(text));
                    assertTrue(program.getMember("constantBlinding").asBoolean());
                    for (int round = 0; round < 2; round++) { // compiled mode: the first call compiles
                        for (int i = 0; i < frames.size(); i++) {
                            assertEquals(
                                    expected.get(text).get(i),
                                    program.execute((Object) frames.get(i)).asLong(),
                                    socketData + " data, frame " + i + ":\n" + text);
                        }
                    }
                }
            }
        }
        if (mode == EngineMode.COMPILED) {
            assertTrue(EngineMode.compiled("ebpf-socket_filter:Unnamed"), "compiled: " + EngineMode.COMPILATIONS);
        }
    }

    private static Context socketFilter(EngineMode mode, Engine engine, String blinding, String socketData) {
        return mode.contextBuilder("ebpf", engine)
                .option("ebpf.ProgramType", "socket_filter")
                .option("ebpf.SocketData", socketData)
                .option("ebpf.ConstantBlinding", blinding)
                .build();
    }

    private static Context unverified(EngineMode mode, Engine engine, String blinding) {
        return mode.contextBuilder("ebpf", engine)
                .option("ebpf.MaxInstructions", "5000")
                .option("ebpf.Verify", "false")
                .option("ebpf.ConstantBlinding", blinding)
                .build();
    }

    /** auto follows ebpf.Unprivileged, as the kernel's bpf_jit_harden=1; on and off force it; programs say which. */
    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void autoBlindsUnprivilegedProgramsAndTheProgramSaysSo(EngineMode mode) {
        String program = "mov %r0, 0x5eed\nadd %r0, 1\nexit";
        List<List<String>> cases = List.of(
                List.of("auto", "false", "false"),
                List.of("auto", "true", "true"),
                List.of("on", "false", "true"),
                List.of("off", "true", "false"));
        try (Engine engine = mode.newEngine("ebpf", "ebpf-")) {
            for (List<String> c : cases) {
                try (Context context = mode.contextBuilder("ebpf", engine)
                        .option("ebpf.ProgramType", "socket_filter")
                        .option("ebpf.ConstantBlinding", c.get(0))
                        .option("ebpf.Unprivileged", c.get(1))
                        .build()) {
                    var p = context.eval(EbpfTestSources.asm(program));
                    assertEquals(
                            Boolean.parseBoolean(c.get(2)),
                            p.getMember("constantBlinding").asBoolean(),
                            c.toString());
                    assertTrue(p.hasMember("constantBlinding"), "listed among the members");
                    byte[] frame = new byte[60];
                    assertEquals(0x5eeeL, p.execute((Object) frame).asLong(), c.toString());
                    assertEquals(0x5eeeL, p.execute((Object) frame).asLong(), c.toString());
                }
            }
        }
    }
}
