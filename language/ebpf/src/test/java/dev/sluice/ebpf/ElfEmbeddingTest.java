package dev.sluice.ebpf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code context.eval("ebpf", elfObject)}: clang's output (src/test/c, compiled by the build) gives an object with
 * the programs by section name and the maps they share; the programs run with the program type of their section.
 */
class ElfEmbeddingTest {
    static byte[] object(String name) throws IOException {
        Path dir = Path.of(System.getProperty("sluice.ebpf.objects", "target/bpf-objects"));
        boolean present = Files.isRegularFile(dir.resolve(name + ".o"));
        if (!present) {
            System.err.println("SKIPPED ElfEmbeddingTest: no compiled C test program " + dir.resolve(name + ".o") + " (clang missing?)");
        }
        Assumptions.assumeTrue(present, "SKIPPED: no compiled C test program " + name + ".o (clang missing?)");
        return Files.readAllBytes(dir.resolve(name + ".o"));
    }

    static Value eval(Context c, byte[] elf, String name) {
        return c.eval(Source.newBuilder("ebpf", ByteSequence.create(elf), name).buildLiteral());
    }

    @ParameterizedTest
    @EnumSource(EngineMode.class)
    void mapCounterObjectCountsIntoItsMaps(EngineMode mode) throws IOException {
        byte[] elf = object("map_counter");
        try (Engine engine = mode.newEngine(); Context c = mode.contextBuilder(engine).build()) {
            Value object = eval(c, elf, "map_counter.o");
            assertEquals("GPL", object.getMember("license").asString());
            Value xdp = object.getMember("programs").getMember("xdp");
            assertEquals("xdp", xdp.getMember("type").asString());
            for (int i = 0; i < 10; i++) {
                assertEquals(2L, xdp.execute(new byte[]{(byte) i, 0, 0, 0, 0}).asLong(), "XDP_PASS");
            }
            Value byClass = object.getMember("maps").getMember("packets_by_class");
            assertEquals(3L, byClass.getHashValue(0).asLong()); // first bytes 0, 4, 8
            assertEquals(3L, byClass.getHashValue(1).asLong()); // 1, 5, 9
            assertEquals(2L, byClass.getHashValue(2).asLong());
            Value byLength = object.getMember("maps").getMember("bytes_by_length");
            assertEquals(1L, byLength.getHashSize());
            assertEquals(50L, byLength.getHashValue(5).asLong(), "ten packets of five bytes");
        }
    }

    @ParameterizedTest
    @EnumSource(EngineMode.class)
    void xdpSwapMacRewritesThePacket(EngineMode mode) throws IOException {
        byte[] elf = object("xdp_swap_mac");
        try (Engine engine = mode.newEngine(); Context c = mode.contextBuilder(engine).build()) {
            Value xdp = eval(c, elf, "xdp_swap_mac.o").getMember("programs").getMember("xdp");
            for (int i = 0; i < 3; i++) {
                byte[] packet = {1, 2, 3, 4, 5, 6, 11, 12, 13, 14, 15, 16, 8, 0, 42};
                assertEquals(3L, xdp.invokeMember("runInPlace", packet).asLong(), "XDP_TX");
                assertArrayEquals(new byte[]{11, 12, 13, 14, 15, 16, 1, 2, 3, 4, 5, 6, 8, 0, 42}, packet);
                assertEquals(2L, xdp.execute(new byte[10]).asLong(), "short frames pass");
            }
        }
    }

    @Test
    void aBrokenObjectIsASyntaxError() {
        byte[] broken = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0};
        try (Context c = Context.create("ebpf")) {
            PolyglotException e = assertThrows(PolyglotException.class, () -> eval(c, broken, "broken.o"));
            assertTrue(e.isSyntaxError() && !e.isInternalError(), e::toString);
            assertFalse(e.getMessage().isEmpty());
            assertTrue(e.getMessage().contains("broken.o"), e.getMessage());
        }
    }
}
