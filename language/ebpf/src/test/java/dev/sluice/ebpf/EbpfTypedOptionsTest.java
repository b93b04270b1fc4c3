package dev.sluice.ebpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.guard.ConstantBlinding;
import dev.sluice.core.guard.OverBudgetAction;
import dev.sluice.core.testing.EngineMode;
import dev.sluice.ebpf.formats.InputFormat;
import dev.sluice.ebpf.isa.ProgramType;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * ebpf.ProgramType, ebpf.SocketData, ebpf.InputFormat, ebpf.OverBudgetAction, ebpf.Maps, ebpf.SecretBytes and
 * ebpf.ConstantBlinding are
 * typed: Truffle refuses a bad value when the context is built, with the message naming the option, and a good value
 * still decides how programs load and run.
 */
class EbpfTypedOptionsTest {
    private static String refusal(String key, String value) {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> Context.newBuilder("ebpf")
                        .option("engine.WarnInterpreterOnly", "false")
                        .option(key, value)
                        .build()
                        .close());
        int at = e.getMessage().indexOf(key + ": ");
        assertTrue(at >= 0, e.getMessage());
        return e.getMessage().substring(at);
    }

    @Test
    void badValuesAreRefusedWhenTheContextIsBuilt() {
        assertEquals(
                "ebpf.ProgramType: unknown program type 'tc' (known: raw, socket_filter, xdp)",
                refusal("ebpf.ProgramType", "tc"));
        assertEquals("ebpf.SocketData: 'ip' is not link or network", refusal("ebpf.SocketData", "ip"));
        assertEquals("ebpf.InputFormat: 'dd' is not auto, raw, asm or elf", refusal("ebpf.InputFormat", "dd"));
        assertEquals(
                "ebpf.OverBudgetAction: 'panic' is not error or verdict:<n>",
                refusal("ebpf.OverBudgetAction", "panic"));
        assertEquals(
                "ebpf.OverBudgetAction: 'verdict:KILL_PROCESS': the verdict must be a number",
                refusal("ebpf.OverBudgetAction", "verdict:KILL_PROCESS"));
        assertEquals(
                "ebpf.Maps: 'm:array:4' is not name:type:keySize:valueSize:maxEntries",
                refusal("ebpf.Maps", "m:array:4"));
        assertEquals(
                "ebpf.Maps: 'm:array:4:x:1': sizes and max entries must be numbers",
                refusal("ebpf.Maps", "m:array:4:x:1"));
        assertEquals(
                "ebpf.SecretBytes: '9-3' is not a byte offset or range a-b within 0-65535",
                refusal("ebpf.SecretBytes", "0-7, 9-3"));
        assertEquals("ebpf.ConstantBlinding: 'yes' is not auto, on or off", refusal("ebpf.ConstantBlinding", "yes"));
    }

    @Test
    void theDescriptorsCarryTheTypedDefaults() {
        try (Engine engine = Engine.newBuilder()
                .option("engine.WarnInterpreterOnly", "false")
                .build()) {
            var options = engine.getLanguages().get("ebpf").getOptions();
            assertEquals(
                    ProgramType.RAW, options.get("ebpf.ProgramType").getKey().getDefaultValue());
            assertEquals(
                    SocketData.LINK, options.get("ebpf.SocketData").getKey().getDefaultValue());
            assertEquals(
                    InputFormat.AUTO, options.get("ebpf.InputFormat").getKey().getDefaultValue());
            assertEquals(
                    OverBudgetAction.ERROR,
                    options.get("ebpf.OverBudgetAction").getKey().getDefaultValue());
            assertEquals(List.of(), options.get("ebpf.Maps").getKey().getDefaultValue());
            assertEquals(new BitSet(), options.get("ebpf.SecretBytes").getKey().getDefaultValue());
            assertEquals(
                    ConstantBlinding.AUTO,
                    options.get("ebpf.ConstantBlinding").getKey().getDefaultValue());
        }
    }

    private static Context context(EngineMode mode, Engine engine, Map<String, String> options) {
        return mode.contextBuilder("ebpf", engine).options(options).build();
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void goodValuesStillDecideHowProgramsLoadAndRun(EngineMode mode) {
        byte[] frame = new byte[60];
        // r1 = __sk_buff for socket_filter; its len (offset 0) is the frame's length, 14 less from the network header.
        String skbLen = "ldxw %r0, [%r1+0]\nexit";
        try (Engine engine = mode.newEngine()) {
            try (Context c = context(mode, engine, Map.of("ebpf.ProgramType", "socket_filter"))) {
                Value p = c.eval(EbpfTestSources.asm(skbLen));
                assertEquals("socket_filter", p.getMember("type").asString());
                assertEquals(60L, p.execute((Object) frame).asLong());
            }
            try (Context c =
                    context(mode, engine, Map.of("ebpf.ProgramType", "SOCKET_FILTER", "ebpf.SocketData", "network"))) {
                assertEquals(
                        46L,
                        c.eval(EbpfTestSources.asm(skbLen))
                                .execute((Object) frame)
                                .asLong());
            }
            try (Context c = context(mode, engine, Map.of("ebpf.ProgramType", "xdp"))) {
                Value p = c.eval(EbpfTestSources.asm("mov %r0, 2\nexit"));
                assertEquals("xdp", p.getMember("type").asString());
                assertEquals(2L, p.execute((Object) frame).asLong());
            }
            // Raw reads bytes: asm text is refused; asm reads text.
            try (Context c = context(mode, engine, Map.of("ebpf.InputFormat", "raw"))) {
                PolyglotException e =
                        assertThrows(PolyglotException.class, () -> c.eval(EbpfTestSources.asm("mov %r0, 2\nexit")));
                assertTrue(e.getMessage().contains("the raw format is binary"), e.getMessage());
            }
            try (Context c = context(mode, engine, Map.of("ebpf.InputFormat", "asm"))) {
                assertEquals(
                        3L,
                        c.eval(EbpfTestSources.asm("mov %r0, 3\nexit"))
                                .execute((Object) frame)
                                .asLong());
            }
            // elf: bytes without the ELF magic are refused as an object, not read as raw instructions.
            try (Context c = context(mode, engine, Map.of("ebpf.InputFormat", "elf"))) {
                byte[] exit = {(byte) 0x95, 0, 0, 0, 0, 0, 0, 0};
                assertThrows(
                        PolyglotException.class,
                        () -> c.eval(Source.newBuilder("ebpf", ByteSequence.create(exit), "exit.o")
                                .buildLiteral()));
            }
            String loop = "mov %r0, 0\nloop:\nadd %r0, 1\nja loop\n";
            try (Context c = context(
                    mode,
                    engine,
                    Map.of(
                            "ebpf.Verify", "false",
                            "ebpf.MaxInstructions", "100",
                            "ebpf.OverBudgetAction", "verdict:0x10"))) {
                assertEquals(
                        16L,
                        c.eval(EbpfTestSources.asm(loop))
                                .execute((Object) frame)
                                .asLong());
            }
            try (Context c = context(mode, engine, Map.of("ebpf.Maps", " m:array:4:8:2 , h:hash:8:8:16"))) {
                Value maps = c.eval(EbpfTestSources.asm("mov %r0, 0\nexit")).getMember("maps");
                assertEquals(2L, maps.getMember("m").getHashSize());
                assertTrue(maps.hasMember("h"));
            }
            // A branch on byte 0: refused when byte 0 is secret, accepted (and run) when only byte 8 is.
            String branchOnByte0 = "ldxb %r0, [%r1+0]\njeq %r0, 0, done\nmov %r0, 1\ndone:\nexit";
            try (Context c = context(mode, engine, Map.of("ebpf.ConstantTime", "true", "ebpf.SecretBytes", "0-3,8"))) {
                assertThrows(PolyglotException.class, () -> c.eval(EbpfTestSources.asm(branchOnByte0)));
            }
            try (Context c = context(mode, engine, Map.of("ebpf.ConstantTime", "true", "ebpf.SecretBytes", "8"))) {
                assertEquals(
                        0L,
                        c.eval(EbpfTestSources.asm(branchOnByte0))
                                .execute((Object) frame)
                                .asLong());
            }
        }
    }
}
