package dev.sluice.ebpf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.testing.EngineMode;
import dev.sluice.ebpf.formats.AsmFormat;
import dev.sluice.ebpf.isa.Program;
import dev.sluice.ebpf.isa.ProgramType;
import dev.sluice.ebpf.maps.MapSpec;
import dev.sluice.ebpf.maps.MapType;
import dev.sluice.ebpf.runtime.Memory;
import dev.sluice.ebpf.verify.StructuralCheck;
import dev.sluice.ebpf.verify.Verifier;
import java.util.List;
import java.util.Random;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What the verifier proves, the compiled code does not check: loads and stores proven inside a stack, the packet or a
 * map value are lowered without their run-time guard. Checked three ways: which accesses the verifier reports proven
 * (exactly those), that a verified program computes what the same program does under every guard (ebpf.Verify=false),
 * and that its compiled code is smaller, the guards' compares and deoptimization exits being gone.
 */
class ProvenAccessTest {
    /**
     * XDP: after the data_end check, reads and writes of the packet, the stack and a map value; r0 folds them all.
     * Slots: 0-1 ctx loads, 5 packet load, 6 stack store, 8 packet store, 9 stack load, 10 st on the stack, 11-12 lddw,
     * 13 stack store of the key, 17 map value load, 19 map value store.
     */
    static final String PROGRAM = """
                    ldxw %r2, [%r1+0]
                    ldxw %r3, [%r1+4]
                    mov %r4, %r2
                    add %r4, 14
                    jgt %r4, %r3, short
                    ldxh %r5, [%r2+12]
                    stxdw [%r10-8], %r5
                    ldxb %r6, [%r2+0]
                    stxb [%r2+13], %r6
                    ldxdw %r7, [%r10-8]
                    stw [%r10-16], 0
                    lddw %r1, map_fd 0
                    stxw [%r10-12], %r6
                    mov %r2, %r10
                    add %r2, -12
                    call 1
                    jeq %r0, 0, nothing
                    ldxdw %r8, [%r0+0]
                    add %r8, %r7
                    stxdw [%r0+0], %r8
                    mov %r0, %r8
                    exit
                    nothing:
                    mov %r0, %r7
                    exit
                    short:
                    mov %r0, 1
                    exit
                    """;

    static final String MAPS = "totals:array:4:8:256";

    @Test
    void theVerifierReportsExactlyTheAccessesItProved() {
        Program p = AsmFormat.read(PROGRAM, "proven", 1);
        List<MapSpec> maps = List.of(new MapSpec("totals", MapType.ARRAY, 4, 8, 256));
        StructuralCheck.Shape shape = StructuralCheck.check(p, ProgramType.XDP, maps);
        Verifier.Result r = Verifier.verify(p, ProgramType.XDP, shape, maps, Verifier.DEFAULT_LIMIT);
        int[] expected = new int[p.length()];
        expected[3] = Memory.PACKET; // add r4, 14: a packet pointer moved by an off-sized immediate
        expected[4] = Memory.PACKET; // jgt r4, r3: packet against its end, decided on the offsets
        expected[5] = Memory.PACKET; // ldxh [r2+12]
        expected[6] = Memory.STACK0; // stxdw [r10-8]
        expected[7] = Memory.PACKET; // ldxb [r2+0]
        expected[8] = Memory.PACKET; // stxb [r2+13]
        expected[9] = Memory.STACK0; // ldxdw [r10-8]
        expected[10] = Memory.STACK0; // stw [r10-16]
        expected[13] = Memory.STACK0; // stxw [r10-12]
        expected[15] = Memory.STACK0; // add r2, -12: the frame pointer's copy moved
        expected[18] = Memory.MAP_VALUES; // ldxdw [r0+0]
        expected[20] = Memory.MAP_VALUES; // stxdw [r0+0]
        int[] actual = new int[p.length()];
        for (int pc = 0; pc < p.length(); pc++) {
            actual[pc] = r.provenRegion(pc);
        }
        // The context loads (slots 0 and 1) stay guarded: the context is not one of the proven regions.
        assertArrayEquals(expected, actual);
        assertEquals(26, r.processed(), "compiledCodeWithoutTheGuardsIsSmaller relies on this to keep the fuel meter");
    }

    /**
     * Which register jumps compare a packet pointer with the packet's end in one region, decided on the offsets: either
     * order, strict or not, signed or not; not JSET (true on the equal high halves whatever the offsets), not a packet
     * pointer against itself, not a pointer whose offset may be negative, not a jump reached once with other kinds.
     */
    @Test
    void packetComparisonsAreProvenOnlyWhereTheOffsetsDecide() {
        Program p = AsmFormat.read("""
                ldxw %r2, [%r1+0]
                ldxw %r3, [%r1+4]
                mov %r4, %r2
                add %r4, 14
                jgt %r4, %r3, out
                jle %r3, %r4, out
                jsge %r4, %r3, out
                jset %r4, %r3, out
                jeq %r4, %r2, out
                mov %r5, %r2
                add %r5, -4
                jgt %r5, %r3, out
                ldxb %r6, [%r2+0]
                mov %r7, %r3
                jeq %r6, 0, join
                mov %r7, 64
                mov %r4, 0
                join:
                jlt %r4, %r7, out
                out:
                mov %r0, 2
                exit
                """, "comparisons", 1);
        StructuralCheck.Shape shape = StructuralCheck.check(p, ProgramType.XDP, List.of());
        Verifier.Result r = Verifier.verify(p, ProgramType.XDP, shape, List.of(), Verifier.DEFAULT_LIMIT);
        assertEquals(Memory.PACKET, r.provenRegion(4), "jgt pkt, end");
        assertEquals(Memory.PACKET, r.provenRegion(5), "jle end, pkt");
        assertEquals(Memory.PACKET, r.provenRegion(6), "jsge pkt, end");
        assertEquals(0, r.provenRegion(7), "jset pkt, end");
        assertEquals(0, r.provenRegion(8), "jeq pkt, pkt");
        assertEquals(0, r.provenRegion(11), "jgt pkt-4, end");
        assertEquals(0, r.provenRegion(17), "jlt reached with pkt, end and with 0, 64");
    }

    /**
     * Which adds and subs of an immediate move a packet or stack pointer by an {@code off}-sized value on every path
     * (constant blinding leaves those immediates plain): not a scalar's, not a 32-bit one's (refused on a pointer, so
     * tried on a scalar), not one beyond a signed 16-bit value, not one reached once with a scalar.
     */
    @Test
    void pointerMovesAreProvenOnlyForOffSizedImmediatesOnEveryPath() {
        Program p = AsmFormat.read("""
                ldxw %r2, [%r1+0]
                ldxw %r3, [%r1+4]
                mov %r4, %r2
                add %r4, 32767
                sub %r4, 32768
                mov %r5, %r10
                sub %r5, 16
                mov %r6, 5
                add %r6, 1
                add32 %r6, 1
                ldxw %r7, [%r1+12]
                mov %r8, %r2
                jeq %r7, 0, join
                mov %r8, 0
                join:
                add %r8, 2
                mov %r0, 2
                exit
                """, "moves", 1);
        StructuralCheck.Shape shape = StructuralCheck.check(p, ProgramType.XDP, List.of());
        Verifier.Result r = Verifier.verify(p, ProgramType.XDP, shape, List.of(), Verifier.DEFAULT_LIMIT);
        assertEquals(Memory.PACKET, r.provenRegion(3), "add pkt, 32767");
        assertEquals(0, r.provenRegion(4), "sub pkt, 32768");
        assertEquals(Memory.STACK0, r.provenRegion(6), "sub fp copy, 16");
        assertEquals(0, r.provenRegion(8), "add scalar, 1");
        assertEquals(0, r.provenRegion(9), "add32 scalar, 1");
        assertEquals(0, r.provenRegion(15), "add reached with pkt and with 0");
    }

    private static byte[] frame(Random rnd) {
        byte[] f = new byte[rnd.nextInt(4) == 0 ? rnd.nextInt(14) : 14 + rnd.nextInt(50)];
        rnd.nextBytes(f);
        return f;
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void verifiedRunsEqualGuardedRuns(EngineMode mode) {
        Random rnd = new Random(11);
        try (Engine engine = mode.newEngine("ebpf", "ebpf-");
                Context verified = mode.contextBuilder("ebpf", engine)
                        .option("ebpf.ProgramType", "xdp")
                        .option("ebpf.Maps", MAPS)
                        .build();
                Context guarded = mode.contextBuilder("ebpf", engine)
                        .option("ebpf.ProgramType", "xdp")
                        .option("ebpf.Maps", MAPS)
                        .option("ebpf.Verify", "false")
                        .build()) {
            Value v = verified.eval(EbpfTestSources.asm(PROGRAM));
            Value g = guarded.eval(EbpfTestSources.asm(PROGRAM));
            for (int i = 0; i < 300; i++) {
                byte[] f = frame(rnd);
                byte[] a = f.clone(), b = f.clone();
                assertEquals(
                        g.invokeMember("runInPlace", (Object) b).asLong(),
                        v.invokeMember("runInPlace", (Object) a).asLong(),
                        "frame " + i);
                assertArrayEquals(b, a, "the packet after frame " + i);
            }
            for (int key = 0; key < 256; key++) {
                assertEquals(
                        g.getMember("maps")
                                .getMember("totals")
                                .getHashValue(key)
                                .asLong(),
                        v.getMember("maps")
                                .getMember("totals")
                                .getHashValue(key)
                                .asLong(),
                        "totals[" + key + "]");
            }
        }
    }

    /**
     * Three compilations of the same program: verified (no guards on the proven accesses, and no fuel meter: the
     * verifier bounded every run), verified but metered ({@code ebpf.MaxInstructions=25}, below the 26 instructions the
     * verifier processed over all paths, so the meter stays, while no single run executes more than 23), and under
     * every guard ({@code ebpf.Verify=false}). The metered pair differs only in the memory guards. (Measured: 2168,
     * 2168 and 2723 bytes; the meter of this loop-free program costs no code.)
     */
    @Test
    void compiledCodeWithoutTheGuardsIsSmaller() {
        CompilationIsRealTest.Log log = new CompilationIsRealTest.Log();
        try (Engine engine = CompilationIsRealTest.compilingEngine(log);
                Context verified = Context.newBuilder("ebpf")
                        .engine(engine)
                        .option("ebpf.ProgramType", "xdp")
                        .option("ebpf.Maps", MAPS)
                        .build();
                Context metered = Context.newBuilder("ebpf")
                        .engine(engine)
                        .option("ebpf.ProgramType", "xdp")
                        .option("ebpf.Maps", MAPS)
                        .option("ebpf.MaxInstructions", "25")
                        .build();
                Context guarded = Context.newBuilder("ebpf")
                        .engine(engine)
                        .option("ebpf.ProgramType", "xdp")
                        .option("ebpf.Maps", MAPS)
                        .option("ebpf.Verify", "false")
                        .build()) {
            Value v = verified.eval(Source.newBuilder("ebpf", PROGRAM, "verified")
                    .mimeType("text/x-ebpf")
                    .buildLiteral());
            Value m = metered.eval(Source.newBuilder("ebpf", PROGRAM, "metered")
                    .mimeType("text/x-ebpf")
                    .buildLiteral());
            Value g = guarded.eval(Source.newBuilder("ebpf", PROGRAM, "guarded")
                    .mimeType("text/x-ebpf")
                    .buildLiteral());
            for (int i = 0; i < 3; i++) {
                byte[] f = new byte[64];
                f[0] = (byte) i;
                long expected = g.invokeMember("runInPlace", (Object) f.clone()).asLong();
                assertEquals(
                        expected,
                        v.invokeMember("runInPlace", (Object) f.clone()).asLong());
                assertEquals(
                        expected,
                        m.invokeMember("runInPlace", (Object) f.clone()).asLong());
            }
        }
        int verifiedSize = log.codeSize("ebpf-xdp:verified-runInPlace");
        int meteredSize = log.codeSize("ebpf-xdp:metered-runInPlace");
        int guardedSize = log.codeSize("ebpf-xdp:guarded-runInPlace");
        System.out.println("proven accesses: compiled code " + verifiedSize + " bytes verified, " + meteredSize
                + " verified with the fuel meter, " + guardedSize + " under every guard");
        assertTrue(
                meteredSize < guardedSize,
                "the memory guards: verified and metered " + meteredSize + " bytes, guarded " + guardedSize);
        assertTrue(verifiedSize < guardedSize, "verified " + verifiedSize + " bytes, guarded " + guardedSize);
    }
}
