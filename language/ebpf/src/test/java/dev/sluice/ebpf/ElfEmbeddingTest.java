package dev.sluice.ebpf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.testing.EngineMode;
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
            System.err.println("SKIPPED ElfEmbeddingTest: no compiled C test program " + dir.resolve(name + ".o")
                    + " (clang missing?)");
        }
        Assumptions.assumeTrue(present, "SKIPPED: no compiled C test program " + name + ".o (clang missing?)");
        return Files.readAllBytes(dir.resolve(name + ".o"));
    }

    static Value eval(Context c, byte[] elf, String name) {
        return c.eval(Source.newBuilder("ebpf", ByteSequence.create(elf), name).buildLiteral());
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void mapCounterObjectCountsIntoItsMaps(EngineMode mode) throws IOException {
        byte[] elf = object("map_counter");
        try (Engine engine = mode.newEngine("ebpf", "ebpf-");
                Context c = mode.contextBuilder("ebpf", engine).build()) {
            Value object = eval(c, elf, "map_counter.o");
            assertEquals("GPL", object.getMember("license").asString());
            Value xdp = object.getMember("programs").getMember("xdp");
            assertEquals("xdp", xdp.getMember("type").asString());
            for (int i = 0; i < 10; i++) {
                assertEquals(2L, xdp.execute(new byte[] {(byte) i, 0, 0, 0, 0}).asLong(), "XDP_PASS");
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
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void xdpSwapMacRewritesThePacket(EngineMode mode) throws IOException {
        byte[] elf = object("xdp_swap_mac");
        try (Engine engine = mode.newEngine("ebpf", "ebpf-");
                Context c = mode.contextBuilder("ebpf", engine).build()) {
            Value xdp = eval(c, elf, "xdp_swap_mac.o").getMember("programs").getMember("xdp");
            for (int i = 0; i < 3; i++) {
                byte[] packet = {1, 2, 3, 4, 5, 6, 11, 12, 13, 14, 15, 16, 8, 0, 42};
                assertEquals(3L, xdp.invokeMember("runInPlace", packet).asLong(), "XDP_TX");
                assertArrayEquals(new byte[] {11, 12, 13, 14, 15, 16, 1, 2, 3, 4, 5, 6, 8, 0, 42}, packet);
                assertEquals(2L, xdp.execute(new byte[10]).asLong(), "short frames pass");
            }
        }
    }

    /** global_data.c's weights[16] in .rodata. */
    private static final int[] WEIGHTS = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3};

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void globalVariablesLiveInTheirSectionMaps(EngineMode mode) throws IOException {
        byte[] elf = object("global_data");
        try (Engine engine = mode.newEngine("ebpf", "ebpf-");
                Context c = mode.contextBuilder("ebpf", engine)
                        .option("ebpf.SocketData", "network")
                        .build()) {
            Value object = eval(c, elf, "global_data.o");
            Value weigh = object.getMember("programs").getMember("socket");
            long total = 1000;
            for (int n = 1; n <= 40; n++) {
                byte[] frame = new byte[14 + 20 + n];
                frame[14] = (byte) (n * 37);
                total += frame.length - 14;
                long expected = WEIGHTS[frame[14] & 15] * 3L + (n & 7);
                assertEquals(expected, weigh.execute((Object) frame).asLong(), "packet " + n);
            }
            Value maps = object.getMember("maps");
            assertEquals(40L, maps.getMember(".bss").getHashValue(0).asLong(), "packets (.bss) counts every run");
            Value data = maps.getMember(".data").getHashValue(0);
            assertEquals(12L, data.getArraySize());
            long bytesTotal = 0;
            for (int i = 7; i >= 0; i--) {
                bytesTotal = bytesTotal << 8 | (data.getArrayElement(i).asLong() & 0xff);
            }
            assertEquals(total, bytesTotal, "bytes_total (.data) started at 1000");
            assertEquals(60L, data.getArrayElement(8).asLong(), "last_length (.data)");
            assertEquals(3L, maps.getMember(".rodata").getHashValue(0).asLong(), "scale (.rodata) is unchanged");
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void aStringLiteralIsTraceFormat(EngineMode mode) throws IOException {
        byte[] elf = object("global_strings");
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (Engine engine = mode.newEngine("ebpf", "ebpf-");
                Context c = mode.contextBuilder("ebpf", engine).out(out).build()) {
            Value xdp = eval(c, elf, "global_strings.o").getMember("programs").getMember("xdp");
            assertEquals(2L, xdp.execute(new byte[60]).asLong(), "XDP_PASS");
            assertEquals(1L, xdp.execute(new byte[101]).asLong(), "XDP_DROP");
        }
        assertEquals("length 60\nlength 101\n", out.toString(java.nio.charset.StandardCharsets.ISO_8859_1));
    }

    @Test
    void aStoreIntoRodataIsRefusedByTheVerifier() throws IOException {
        byte[] elf = object("rodata_write");
        try (Context c = Context.create("ebpf")) {
            PolyglotException e = assertThrows(PolyglotException.class, () -> eval(c, elf, "rodata_write.o"));
            assertTrue(e.isSyntaxError() && !e.isInternalError(), e::toString);
            assertTrue(e.getMessage().contains("write into map forbidden, value_size=4 off=0 size=4"), e.getMessage());
            assertTrue(e.getMessage().contains("rodata_write.o"), e.getMessage());
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void unverifiedTheRunTimeGuardRefusesTheStore(EngineMode mode) throws IOException {
        byte[] elf = object("rodata_write");
        try (Engine engine = mode.newEngine("ebpf", "ebpf-");
                Context c = mode.contextBuilder("ebpf", engine)
                        .option("ebpf.Verify", "false")
                        .build()) {
            Value object = eval(c, elf, "rodata_write.o");
            Value xdp = object.getMember("programs").getMember("xdp");
            for (int i = 0; i < 3; i++) {
                PolyglotException e = assertThrows(PolyglotException.class, () -> xdp.execute(new byte[20]));
                assertTrue(e.isGuestException() && !e.isInternalError(), e::toString);
                assertTrue(e.getMessage().contains("write of 4 bytes to read-only value 0 of map"), e.getMessage());
            }
            assertEquals(
                    10L,
                    object.getMember("maps")
                            .getMember(".rodata")
                            .getHashValue(0)
                            .asLong(),
                    "limit is still 10");
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
