package dev.sluice.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.bpf.formats.RawFormat;
import dev.sluice.bpf.isa.Insn;
import dev.sluice.bpf.isa.Opcodes;
import dev.sluice.bpf.isa.Program;
import dev.sluice.core.testing.CapturedLog;
import dev.sluice.core.testing.EngineMode;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;
import org.junit.jupiter.api.Test;

/**
 * A program made of many if/else diamonds whose arms leave different values in A must compile: with the registers in
 * Java locals, MERGE_EXPLODE copied each instruction once per path reaching it, and already 256 instructions (51
 * diamonds) failed with "too many loop explosion iterations", leaving the filter interpreted for good. Compilation
 * failures throw here, and the compiled result is checked against a Java model of the program.
 */
class DiamondChainCompilesTest {
    static final int BLOCKS = 120; // 601 instructions

    /** Per block: ldh [k]; add x; jgt #0x7fff, jt 0, jf 1; xor #i; tax. Then ret a. */
    static byte[] program() {
        return program(BLOCKS);
    }

    /** {@code blocks} diamond blocks and a {@code ret a}: 5 * blocks + 1 instructions. */
    static byte[] program(int blocks) {
        List<Insn> insns = new ArrayList<>();
        for (int i = 0; i < blocks; i++) {
            insns.add(Insn.stmt(Opcodes.LD | Opcodes.H | Opcodes.ABS, (i % 29) * 2));
            insns.add(Insn.stmt(Opcodes.ALU | Opcodes.ADD | Opcodes.X, 0));
            insns.add(Insn.jump(Opcodes.JMP | Opcodes.JGT | Opcodes.K, 0x7fff, 0, 1));
            insns.add(Insn.stmt(Opcodes.ALU | Opcodes.XOR | Opcodes.K, i));
            insns.add(Insn.stmt(Opcodes.MISC | Opcodes.TAX, 0));
        }
        insns.add(Insn.stmt(Opcodes.RET | Opcodes.A, 0));
        return RawFormat.encode(Program.of(insns.toArray(Insn[]::new)), ByteOrder.nativeOrder());
    }

    static long model(byte[] p) {
        return model(p, BLOCKS);
    }

    static long model(byte[] p, int blocks) {
        int a = 0;
        int x = 0;
        for (int i = 0; i < blocks; i++) {
            int k = (i % 29) * 2;
            a = (p[k] & 0xff) << 8 | p[k + 1] & 0xff;
            a += x;
            if (Integer.compareUnsigned(a, 0x7fff) > 0) {
                a ^= i;
            }
            x = a;
        }
        return a & 0xffffffffL;
    }

    @Test
    void longChainOfDiamondsCompilesAndComputesTheModel() throws Exception {
        CapturedLog handler = new CapturedLog();
        List<String> log = handler.lines;
        try (Engine engine = Engine.newBuilder("bpf")
                        .allowExperimentalOptions(true)
                        .options(EngineMode.COMPILED.options)
                        .options(Map.of("engine.MultiTier", "false", "engine.TraceCompilation", "true"))
                        .logHandler(handler)
                        .build();
                Context context = Context.newBuilder("bpf")
                        .engine(engine)
                        .option("bpf.Profile", "socket")
                        .build()) {
            Value filter = context.eval(Source.newBuilder("bpf", ByteSequence.create(program()), "diamonds.bpf")
                    .build());
            SplittableRandom rnd = new SplittableRandom(7);
            for (int n = 0; n < 20; n++) {
                byte[] packet = new byte[60];
                rnd.nextBytes(packet);
                assertEquals(model(packet), filter.execute(packet).asLong(), "packet " + n);
            }
        }
        assertTrue(
                log.stream().anyMatch(m -> m.contains("opt done") && m.contains("bpf-socket")),
                "expected the filter root to compile, log: " + log);
    }
}
