package dev.sluice.tests.jit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.testing.EngineMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Keeps docs/guards.md section 7 ("W^X") true: on Linux x86-64 HotSpot maps its code cache writable and executable
 * at once, and Graal installs compiled filters there. If a JDK ever maps it W^X on Linux, this test fails and the
 * document must be updated.
 */
class CodeCacheMappingsTest {
    @Test
    void theCodeCacheHoldingCompiledFiltersIsWritableAndExecutable() throws Exception {
        Assumptions.assumeTrue(
                System.getProperty("os.name").equals("Linux")
                        && System.getProperty("os.arch").equals("amd64"),
                "SKIPPED: the W^X statement in docs/guards.md is about Linux x86-64 only");
        try (Engine engine = EngineMode.COMPILED.newEngine("bpf");
                Context context = Context.newBuilder("bpf").engine(engine).build()) {
            Value filter = context.eval(
                    Source.newBuilder("bpf", "ld [0]\njeq #0x5eed, ok, drop\nok: ret #1\ndrop: ret #0\n", "probe.asm")
                            .mimeType("text/x-bpf-socket")
                            .build());
            byte[] packet = {0, 0, 0x5e, (byte) 0xed};
            assertEquals(1L, filter.execute((Object) packet).asLong());
            assertNotEquals(
                    "Interpreted", engine.getImplementationName(), "the filter must have been compiled by Graal");
        }
        List<String> rwx = Files.readAllLines(Path.of("/proc/self/maps")).stream()
                .filter(l -> l.split("\\s+")[1].equals("rwxp"))
                .toList();
        assertTrue(
                !rwx.isEmpty(),
                "no rwx mapping in /proc/self/maps: HotSpot's code cache is W^X here; update docs/guards.md section 7");
    }
}
