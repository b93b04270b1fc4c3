package dev.sluice.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.bpf.formats.RawFormat;
import dev.sluice.bpf.isa.Insn;
import dev.sluice.bpf.isa.Opcodes;
import dev.sluice.bpf.isa.Program;
import dev.sluice.core.testing.CapturedLog;
import java.util.List;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.junit.jupiter.api.Test;

/**
 * Proof that guest code runs compiled by Graal, not in the fallback interpreter. This test does not skip: without the
 * compiler jar on the upgrade module path the engine is "Interpreted" and the assertions fail.
 */
class CompilationIsRealTest {
    static byte[] tcpPort80() {
        // tcpdump -ddd -y EN10MB 'tcp port 80' is longer; this is a small filter of the same shape.
        return RawFormat.encode(
                Program.of(
                        Insn.stmt(Opcodes.LD | Opcodes.H | Opcodes.ABS, 12),
                        Insn.jump(Opcodes.JMP | Opcodes.JEQ | Opcodes.K, 0x0800, 0, 3),
                        Insn.stmt(Opcodes.LD | Opcodes.B | Opcodes.ABS, 23),
                        Insn.jump(Opcodes.JMP | Opcodes.JEQ | Opcodes.K, 6, 0, 1),
                        Insn.stmt(Opcodes.RET | Opcodes.K, 0x40000),
                        Insn.stmt(Opcodes.RET | Opcodes.K, 0)),
                java.nio.ByteOrder.nativeOrder());
    }

    private static Context socketContext(Engine engine) {
        return Context.newBuilder("bpf")
                .engine(engine)
                .option("bpf.Profile", "socket")
                .build();
    }

    @Test
    void filterRootIsCompiledByGraal() throws Exception {
        CapturedLog handler = new CapturedLog();
        List<String> log = handler.lines;
        try (Engine engine = handler.tracingEngine("bpf", "engine.CompileImmediately", "true");
                Context context = socketContext(engine)) {
            assertNotEquals(
                    "Interpreted",
                    engine.getImplementationName(),
                    "Graal compiler is not active; check --upgrade-module-path");
            Value filter = context.eval(
                    Source.newBuilder("bpf", org.graalvm.polyglot.io.ByteSequence.create(tcpPort80()), "tcp.bpf")
                            .build());
            byte[] packet = new byte[64];
            packet[12] = 0x08;
            packet[23] = 6;
            for (int i = 0; i < 50; i++) {
                assertEquals(0x40000L, filter.execute(packet).asLong());
            }
            packet[23] = 17;
            assertEquals(0L, filter.execute(packet).asLong());
        }
        assertTrue(
                log.stream().anyMatch(m -> m.contains("opt done") && m.contains("bpf-socket")),
                "expected an 'opt done' compilation log line for the filter root, got: " + log);
    }

    /**
     * Branch counts (core's BranchCounts) only guide layout: a jump that always went one way in the interpreter still
     * goes the other way in compiled code, without a deoptimization or a second compilation.
     */
    @Test
    void aJumpNeverTakenBeforeCompilationStillWorksCompiled() throws Exception {
        CapturedLog handler = new CapturedLog();
        List<String> log = handler.lines;
        try (Engine engine = handler.tracingEngine(
                        "bpf", "engine.MultiTier", "false", "engine.SingleTierCompilationThreshold", "100");
                Context context = socketContext(engine)) {
            Value filter = context.eval(
                    Source.newBuilder("bpf", org.graalvm.polyglot.io.ByteSequence.create(tcpPort80()), "tcp.bpf")
                            .build());
            byte[] tcp = new byte[64];
            tcp[12] = 0x08;
            tcp[23] = 6;
            for (int i = 0; i < 300; i++) {
                assertEquals(0x40000L, filter.execute(tcp).asLong());
            }
            // The host's call root inlines the filter's root, so that is the compilation.
            assertTrue(log.stream().anyMatch(m -> m.contains("opt done")), "nothing was compiled: " + log);
            int before = log.size();
            byte[] arp = new byte[64];
            arp[12] = 0x08;
            arp[13] = 0x06;
            byte[] udp = tcp.clone();
            udp[23] = 17;
            for (int i = 0; i < 300; i++) {
                assertEquals(0L, filter.execute(arp).asLong());
                assertEquals(0L, filter.execute(udp).asLong());
            }
            List<String> after = log.subList(before, log.size());
            assertTrue(
                    after.stream().noneMatch(m -> m.contains("opt ")),
                    "compiled code was invalidated or compiled again for the untaken ways: " + after);
        }
    }
}
