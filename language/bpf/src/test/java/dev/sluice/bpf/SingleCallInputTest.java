package dev.sluice.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.bpf.formats.RawFormat;
import dev.sluice.bpf.isa.Insn;
import dev.sluice.bpf.isa.Opcodes;
import dev.sluice.bpf.isa.Program;
import dev.sluice.core.testing.EngineMode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;
import org.graalvm.polyglot.proxy.ProxyArray;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The single call's input: FilterRootNode's compiled code takes host {@code byte[]} only until another kind of input
 * comes (then it deoptimizes and handles every kind). Host arrays first (so the compiling modes compile the host-only
 * code; with immediate compilation the test checks that the single call's root was compiled), then a {@code ByteBuffer}
 * and a proxy array of byte values, then host arrays again: every call must give the verdict of the same bytes.
 */
class SingleCallInputTest {
    /** ld [2]; add #1; ret A: the big-endian word at offset 2, plus one (a packet shorter than 6 bytes gives 0). */
    static byte[] program() {
        return RawFormat.encode(
                Program.of(
                        Insn.stmt(Opcodes.LD | Opcodes.W | Opcodes.ABS, 2),
                        Insn.stmt(Opcodes.ALU | Opcodes.ADD | Opcodes.K, 1),
                        Insn.stmt(Opcodes.RET | Opcodes.A, 0)),
                ByteOrder.nativeOrder());
    }

    static long expected(byte[] packet) {
        return packet.length < 6 ? 0 : (ByteBuffer.wrap(packet, 2, 4).getInt() + 1L) & 0xffffffffL;
    }

    /** Finished compilations of the host-to-guest root of {@code filter.execute} so far. */
    static long singleCallCompilations(EngineMode mode) {
        return mode.compilations().stream()
                .filter(line -> line.contains("Value<BpfFilter>.execute"))
                .count();
    }

    @AfterAll
    static void noEngineWarnings() {
        assertTrue(EngineMode.ENGINE_WARNINGS.isEmpty(), EngineMode.ENGINE_WARNINGS.toString());
    }

    @ParameterizedTest
    @EnumSource(EngineMode.class)
    void everyKindOfInputGivesTheVerdictOfItsBytes(EngineMode mode) {
        java.util.Random rnd = new java.util.Random(16);
        byte[][] packets = new byte[40][];
        for (int i = 0; i < packets.length; i++) {
            packets[i] = new byte[i % 10];
            rnd.nextBytes(packets[i]);
        }
        try (Engine engine = mode.newEngine("bpf");
                Context ctx = mode.contextBuilder("bpf", engine)
                        .option("bpf.Profile", "socket")
                        .build()) {
            Value filter = ctx.eval(Source.newBuilder("bpf", ByteSequence.create(program()), "inputs.bpf")
                    .buildLiteral());
            long compiledBefore = singleCallCompilations(mode);
            // Enough host calls for BACKGROUND's thresholds, so that host-only code is compiled before the others come.
            for (int round = 0; round < (mode == EngineMode.BACKGROUND ? 200 : 3); round++) {
                for (byte[] p : packets) {
                    assertEquals(expected(p), filter.execute(p).asLong(), mode + ": host byte[] of " + p.length);
                }
            }
            if (mode == EngineMode.COMPILED) {
                assertTrue(
                        singleCallCompilations(mode) > compiledBefore,
                        "the single call (Value<BpfFilter>.execute) was not compiled");
            }
            for (byte[] p : packets) {
                assertEquals(
                        expected(p), filter.execute(ByteBuffer.wrap(p)).asLong(), mode + ": ByteBuffer of " + p.length);
                Object[] values = new Object[p.length];
                for (int i = 0; i < p.length; i++) {
                    values[i] = p[i] & 0xff;
                }
                assertEquals(
                        expected(p),
                        filter.execute(ProxyArray.fromArray(values)).asLong(),
                        mode + ": proxy array of " + p.length);
                assertEquals(expected(p), filter.execute(p).asLong(), mode + ": host byte[] of " + p.length + " after");
            }
        }
    }
}
