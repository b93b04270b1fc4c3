package dev.sluice.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.trust.TrustPolicy;
import java.util.List;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.junit.jupiter.api.Test;

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
        }
    }
}
