package dev.sluice.scpl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.seccomp.Arch;
import dev.sluice.core.seccomp.SeccompData;
import dev.sluice.core.testing.EngineMode;
import dev.sluice.scpl.syscalls.SyscallTable;
import java.util.Map;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Source;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** scpl.Arch is typed: Truffle refuses a bad value when the context is built, naming the option. */
class TypedArchOptionTest {
    /** A policy that names no arch: it targets scpl.Arch. */
    private static final String GETPID_ONLY = "{ default_action = Errno ENOSYS; rules = [ Allow getpid; ] }";

    private static String refusal(String value) {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> Context.newBuilder("scpl")
                        .option("engine.WarnInterpreterOnly", "false")
                        .option("scpl.Arch", value)
                        .build()
                        .close());
        int at = e.getMessage().indexOf("scpl.Arch: ");
        assertTrue(at >= 0, e.getMessage());
        return e.getMessage().substring(at);
    }

    @Test
    void unknownAndTablelessArchesAreRefusedWhenTheContextIsBuilt() {
        assertEquals("scpl.Arch: unknown arch 'vax' (expected one of " + Arch.tokens() + ")", refusal("vax"));
        assertEquals("scpl.Arch: SCPL has no syscall table for s390x", refusal("s390x"));
    }

    @Test
    void theDefaultIsTheHostsArch() {
        try (Engine engine = Engine.newBuilder()
                .option("engine.WarnInterpreterOnly", "false")
                .build()) {
            assertEquals(
                    Arch.host(),
                    engine.getLanguages()
                            .get("scpl")
                            .getOptions()
                            .get("scpl.Arch")
                            .getKey()
                            .getDefaultValue());
        }
    }

    private static long verdict(EngineMode mode, Engine engine, Map<String, String> options, Arch arch, String call) {
        try (Context c = mode.contextBuilder("scpl", engine).options(options).build()) {
            int nr = SyscallTable.forArch(arch).number(call).getAsInt();
            return c.eval(Source.create("scpl", GETPID_ONLY))
                    .execute(SeccompData.encode(arch, nr, 0))
                    .asLong();
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void aGoodArchSetsThePolicysTarget(EngineMode mode) {
        long allow = 0x7fff0000L;
        try (Engine engine = mode.newEngine()) {
            for (String token : new String[] {"aarch64", "arm64", "x86_64", "riscv64"}) {
                Arch arch = Arch.fromToken(token);
                assertEquals(allow, verdict(mode, engine, Map.of("scpl.Arch", token), arch, "getpid"), token);
                assertEquals(
                        0x50000L | 38, // ENOSYS
                        verdict(mode, engine, Map.of("scpl.Arch", token), arch, "getppid"),
                        token);
            }
            // Empty means the host's arch, as before the option was typed.
            assertEquals(allow, verdict(mode, engine, Map.of("scpl.Arch", ""), Arch.host(), "getpid"));
        }
    }
}
