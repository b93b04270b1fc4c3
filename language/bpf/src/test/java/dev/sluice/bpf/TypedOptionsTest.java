package dev.sluice.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.guard.ConstantBlinding;
import dev.sluice.core.guard.OverBudgetAction;
import dev.sluice.core.seccomp.Arch;
import dev.sluice.core.seccomp.SeccompAction;
import dev.sluice.core.seccomp.SeccompData;
import dev.sluice.core.testing.EngineMode;
import dev.sluice.core.trust.TrustPolicy;
import java.util.List;
import java.util.Map;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Option values are typed and validated by Truffle when the context is built, with a message naming the option. */
class TypedOptionsTest {
    private static String refusal(String key, String value) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> {
            try (Context c = Context.newBuilder("bpf")
                    .option("engine.WarnInterpreterOnly", "false")
                    .option(key, value)
                    .build()) {
                c.initialize("bpf");
            }
        });
        return e.getMessage();
    }

    @Test
    void badEnumValuesAreRefusedWhenTheContextIsBuilt() {
        assertTrue(
                refusal("bpf.ConstantBlinding", "sometimes")
                        .contains("bpf.ConstantBlinding: 'sometimes' is not auto, on or off"),
                refusal("bpf.ConstantBlinding", "sometimes"));
        assertTrue(
                refusal("bpf.Profile", "xdp")
                        .contains("bpf.Profile: unknown profile 'xdp' (expected seccomp or socket)"),
                refusal("bpf.Profile", "xdp"));
        assertTrue(
                refusal("bpf.InputFormat", "elf").contains("bpf.InputFormat: unknown input format 'elf'"),
                refusal("bpf.InputFormat", "elf"));
    }

    @Test
    void badArchesAndOverBudgetActionsAreRefusedWhenTheContextIsBuilt() {
        assertEquals(
                "bpf.Arch: unknown arch 'vax' (expected one of " + Arch.tokens() + ")",
                optionMessage(refusal("bpf.Arch", "vax")));
        assertEquals(
                "bpf.OverBudgetAction: 'allow' is not error or verdict:<n>",
                optionMessage(refusal("bpf.OverBudgetAction", "allow")));
        assertEquals(
                "bpf.OverBudgetAction: 'verdict:-1': the verdict must be a 32-bit unsigned number or a seccomp action name",
                optionMessage(refusal("bpf.OverBudgetAction", "verdict:-1")));
    }

    /** The part of Truffle's message that is ours: from the option's name on. */
    private static String optionMessage(String message) {
        int at = message.indexOf("bpf.");
        assertTrue(at >= 0, message);
        return message.substring(at);
    }

    /** ld [0]; ret a: the syscall number as the arch's byte order reads it. */
    private static final String RETURN_NR = "ld [0]\nret a\n";

    private static long run(EngineMode mode, Engine engine, Map<String, String> options, byte[] input) {
        try (Context c = mode.contextBuilder("bpf", engine).options(options).build()) {
            Value filter = c.eval(Source.newBuilder("bpf", RETURN_NR, "nr.asm")
                    .mimeType(BpfLanguage.MIME_TEXT_SECCOMP)
                    .buildLiteral());
            return filter.execute(input).asLong();
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void goodArchesAndOverBudgetActionsStillWork(EngineMode mode) {
        try (Engine engine = mode.newEngine()) {
            byte[] nr1LittleEndian = SeccompData.encode(Arch.X86_64, 1, 0);
            assertEquals(1L, run(mode, engine, Map.of("bpf.Arch", "amd64"), nr1LittleEndian));
            assertEquals(0x01000000L, run(mode, engine, Map.of("bpf.Arch", "s390x"), nr1LittleEndian));
            // Empty still means the host's arch, as it did when the option was a string.
            assertEquals(
                    Arch.host().bigEndian() ? 0x01000000L : 1L,
                    run(mode, engine, Map.of("bpf.Arch", ""), nr1LittleEndian));
            Map<String, String> overBudget = Map.of(
                    "bpf.Arch",
                    "x86_64",
                    "bpf.MaxInstructions",
                    "1",
                    "bpf.OverBudgetAction",
                    " verdict: kill_process ");
            assertEquals(
                    SeccompAction.KILL_PROCESS.value & 0xffffffffL, run(mode, engine, overBudget, nr1LittleEndian));
            assertEquals(
                    42L,
                    run(
                            mode,
                            engine,
                            Map.of("bpf.MaxInstructions", "1", "bpf.OverBudgetAction", "verdict:42"),
                            nr1LittleEndian));
        }
    }

    @Test
    void keyAndSignatureListsDropEmptyItems() {
        assertEquals(List.of("a.pub", "dir/b.pub"), TrustPolicy.KEY_PATHS.convert(":a.pub:: dir/b.pub :"));
        assertEquals(List.of("c2lnMQ==", "c2lnMg=="), TrustPolicy.SIGNATURES.convert("c2lnMQ==, ,c2lnMg==,"));
        assertEquals(List.of(), TrustPolicy.KEY_PATHS.convert(""));
    }

    @Test
    void theDescriptorsCarryTheTypedDefaults() {
        try (Engine engine = Engine.newBuilder()
                .option("engine.WarnInterpreterOnly", "false")
                .build()) {
            var options = engine.getLanguages().get("bpf").getOptions();
            assertEquals(
                    dev.sluice.bpf.isa.Profile.SECCOMP,
                    options.get("bpf.Profile").getKey().getDefaultValue());
            assertEquals(
                    ConstantBlinding.AUTO,
                    options.get("bpf.ConstantBlinding").getKey().getDefaultValue());
            assertEquals(List.of(), options.get("bpf.TrustedKeys").getKey().getDefaultValue());
            assertEquals(Arch.host(), options.get("bpf.Arch").getKey().getDefaultValue());
            assertEquals(
                    OverBudgetAction.ERROR,
                    options.get("bpf.OverBudgetAction").getKey().getDefaultValue());
        }
    }
}
