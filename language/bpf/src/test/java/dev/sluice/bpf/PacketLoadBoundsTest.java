package dev.sluice.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.bpf.formats.RawFormat;
import dev.sluice.bpf.isa.Insn;
import dev.sluice.bpf.isa.Opcodes;
import dev.sluice.bpf.isa.Program;
import dev.sluice.core.testing.EngineMode;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Packet loads at the edge of the captured bytes, where the compiled code takes its shortcuts: a packet long enough for
 * every absolute load runs the program without their bounds checks until the first shorter packet comes (FilterBodyNode
 * speculates on it, then deoptimizes to the checked copy); indirect loads read two or four bytes at once. Every packet
 * length from past the furthest load down to 0 (long packets first, so the unchecked copy is the compiled one when the
 * lengths at the edge arrive), through single calls and the batch, must give the kernel's verdict: a load outside the
 * packet ends the program with 0. The expected values come from a Java model of the program.
 */
class PacketLoadBoundsTest {
    /**
     * ld [20]; ldh [30]: A = word + half; ldb [40]; A += byte; ldx #k; ldh [x+...]; A += half; ld [x+...]; A += word;
     * ret A (+1 so that a successful run never returns 0). The furthest absolute load ends at 41, the indirect ones at
     * 44 and 48.
     */
    static byte[] program() {
        List<Insn> p = new ArrayList<>();
        p.add(Insn.stmt(Opcodes.LD | Opcodes.W | Opcodes.ABS, 20));
        p.add(Insn.stmt(Opcodes.ST, 0));
        p.add(Insn.stmt(Opcodes.LD | Opcodes.H | Opcodes.ABS, 30));
        p.add(Insn.stmt(Opcodes.LDX | Opcodes.MEM, 0));
        p.add(Insn.stmt(Opcodes.ALU | Opcodes.ADD | Opcodes.X, 0));
        p.add(Insn.stmt(Opcodes.ST, 0));
        p.add(Insn.stmt(Opcodes.LD | Opcodes.B | Opcodes.ABS, 40));
        p.add(Insn.stmt(Opcodes.LDX | Opcodes.MEM, 0));
        p.add(Insn.stmt(Opcodes.ALU | Opcodes.ADD | Opcodes.X, 0));
        p.add(Insn.stmt(Opcodes.ST, 0));
        p.add(Insn.stmt(Opcodes.LDX | Opcodes.IMM, 2));
        p.add(Insn.stmt(Opcodes.LD | Opcodes.H | Opcodes.IND, 40));
        p.add(Insn.stmt(Opcodes.LDX | Opcodes.MEM, 0));
        p.add(Insn.stmt(Opcodes.ALU | Opcodes.ADD | Opcodes.X, 0));
        p.add(Insn.stmt(Opcodes.ST, 0));
        p.add(Insn.stmt(Opcodes.LDX | Opcodes.IMM, 4));
        p.add(Insn.stmt(Opcodes.LD | Opcodes.W | Opcodes.IND, 40));
        p.add(Insn.stmt(Opcodes.LDX | Opcodes.MEM, 0));
        p.add(Insn.stmt(Opcodes.ALU | Opcodes.ADD | Opcodes.X, 0));
        p.add(Insn.stmt(Opcodes.ALU | Opcodes.ADD | Opcodes.K, 1));
        p.add(Insn.stmt(Opcodes.RET | Opcodes.A, 0));
        return RawFormat.encode(Program.of(p.toArray(Insn[]::new)), ByteOrder.nativeOrder());
    }

    static int model(byte[] d) {
        if (d.length < 48) {
            return 0; // the last load, ld [x+40] with x = 4, needs 48 bytes; any load that does not fit returns 0
        }
        int a = be(d, 20, 4) + be(d, 30, 2) + be(d, 40, 1) + be(d, 42, 2) + be(d, 44, 4);
        return a + 1;
    }

    static int be(byte[] d, int at, int size) {
        int v = 0;
        for (int i = 0; i < size; i++) {
            v = v << 8 | d[at + i] & 0xff;
        }
        return v;
    }

    /** ldxb 4*([40]&0xf); ldh [x+2]; A += 1; ret A: the header-length load at the edge, then a load it places. */
    static byte[] headerLengthProgram() {
        return RawFormat.encode(
                Program.of(
                        Insn.stmt(Opcodes.LDX | Opcodes.B | Opcodes.MSH, 40),
                        Insn.stmt(Opcodes.LD | Opcodes.H | Opcodes.IND, 2),
                        Insn.stmt(Opcodes.ALU | Opcodes.ADD | Opcodes.K, 1),
                        Insn.stmt(Opcodes.RET | Opcodes.A, 0)),
                ByteOrder.nativeOrder());
    }

    static int headerLengthModel(byte[] d) {
        if (d.length < 41) {
            return 0;
        }
        int x = 4 * (d[40] & 0xf);
        return x + 4 > d.length ? 0 : be(d, x + 2, 2) + 1;
    }

    /** ldx #x; ld [x+k]; A += 1; ret A: x + k wraps around 2^32, as the kernel's 32-bit sum does. */
    static byte[] wrappingProgram(int x, int k) {
        return RawFormat.encode(
                Program.of(
                        Insn.stmt(Opcodes.LDX | Opcodes.IMM, x),
                        Insn.stmt(Opcodes.LD | Opcodes.W | Opcodes.IND, k),
                        Insn.stmt(Opcodes.ALU | Opcodes.ADD | Opcodes.K, 1),
                        Insn.stmt(Opcodes.RET | Opcodes.A, 0)),
                ByteOrder.nativeOrder());
    }

    @AfterAll
    static void noEngineWarnings() {
        assertTrue(EngineMode.ENGINE_WARNINGS.isEmpty(), EngineMode.ENGINE_WARNINGS.toString());
    }

    @ParameterizedTest
    @EnumSource(EngineMode.class)
    void everyLengthAroundTheFurthestLoadGivesTheKernelsVerdict(EngineMode mode) {
        assertEveryLength(mode, program(), PacketLoadBoundsTest::model);
    }

    /** The header length (`ldxb 4*([k]&0xf)`) read at the edge, and an indirect load at the offset it gives. */
    @ParameterizedTest
    @EnumSource(EngineMode.class)
    void headerLengthLoadsAtTheEdge(EngineMode mode) {
        assertEveryLength(mode, headerLengthProgram(), PacketLoadBoundsTest::headerLengthModel);
    }

    /**
     * x + k is a 32-bit sum: 0xfffffff8 + 12 reads the word at 4; 0x7ffffff0 + 0x20 is negative, below every
     * negative range, so the program ends with 0 (never a read before the packet).
     */
    @ParameterizedTest
    @EnumSource(EngineMode.class)
    void indirectOffsetsWrapAsThirtyTwoBitSums(EngineMode mode) {
        assertEveryLength(mode, wrappingProgram(0xfffffff8, 12), d -> d.length < 8 ? 0 : be(d, 4, 4) + 1);
        assertEveryLength(mode, wrappingProgram(0x7ffffff0, 0x20), d -> 0);
    }

    private static void assertEveryLength(
            EngineMode mode, byte[] program, java.util.function.ToIntFunction<byte[]> model) {
        java.util.Random rnd = new java.util.Random(7);
        int lengths = 60;
        byte[][] packets = new byte[lengths][];
        for (int i = 0; i < lengths; i++) {
            packets[i] = new byte[lengths - 1 - i]; // longest first
            rnd.nextBytes(packets[i]);
        }
        // One buffer for the batch, packets back to back, with bytes after each packet that the filter must not read.
        int total = 0;
        for (byte[] p : packets) {
            total += p.length + 8;
        }
        byte[] buffer = new byte[total];
        rnd.nextBytes(buffer);
        int[] offsets = new int[lengths];
        int[] spanLengths = new int[lengths];
        int at = 0;
        for (int i = 0; i < lengths; i++) {
            System.arraycopy(packets[i], 0, buffer, at, packets[i].length);
            offsets[i] = at;
            spanLengths[i] = packets[i].length;
            at += packets[i].length + 8;
        }
        try (Engine engine = mode.newEngine();
                Context ctx = mode.contextBuilder("bpf", engine)
                        .option("bpf.Profile", "socket")
                        .build()) {
            Value filter = ctx.eval(Source.newBuilder("bpf", ByteSequence.create(program), "bounds.bpf")
                    .buildLiteral());
            // Enough rounds for BACKGROUND's thresholds, so the later rounds run compiled code.
            for (int round = 0; round < (mode == EngineMode.BACKGROUND ? 40 : 2); round++) {
                int[] verdicts = new int[lengths];
                filter.invokeMember("runBatch", buffer, offsets, spanLengths, verdicts);
                for (int i = 0; i < lengths; i++) {
                    int expected = model.applyAsInt(packets[i]);
                    assertEquals(
                            expected,
                            (int) filter.execute(packets[i]).asLong(),
                            mode + ": single call, packet of " + packets[i].length + " bytes");
                    assertEquals(expected, verdicts[i], mode + ": batch, packet of " + packets[i].length + " bytes");
                }
            }
        }
    }
}
