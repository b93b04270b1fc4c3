package dev.sluice.bpf.formats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sluice.bpf.isa.Insn;
import dev.sluice.bpf.isa.Program;
import dev.sluice.core.error.SluiceException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** ddd (both forms), dd, C and listing on small hand-checked inputs, their errors, and AUTO detection. */
class TableFormatsTest {
    /** tcpdump -ddd -y EN10MB ip (and the same as bpf_asm's comma form). */
    private static final Program IP = Program.of(
            new Insn(0x28, 0, 0, 12),
            new Insn(0x15, 0, 1, 0x800),
            new Insn(0x06, 0, 0, 0x40000),
            new Insn(0x06, 0, 0, 0));

    private static SluiceException error(String text, InputFormat f) {
        return assertThrows(SluiceException.class, () -> TextFormats.parse("t", text, f));
    }

    @Test
    void bpfAsmCommaForm() {
        assertEquals(IP, TextFormats.parse("t", "4,40 0 0 12,21 0 1 2048,6 0 0 262144,6 0 0 0,\n", InputFormat.AUTO));
        assertEquals(IP, TextFormats.parse("t", "4,40 0 0 12,21 0 1 2048,6 0 0 262144,6 0 0 0", InputFormat.DDD));
        assertEquals("4,40 0 0 12,21 0 1 2048,6 0 0 262144,6 0 0 0,\n", DddFormat.printCommaForm(IP));
        Program p = DddFormat.parse("t", "4,\n40 0 0 12,\n21 0 1 2048,\n  6 0 0 262144,6 0 0 0,");
        assertEquals(4, p.line(3));
        assertEquals(3, p.column(2));
        assertEquals(16, p.column(3)); // "  6 0 0 262144," is 15 characters
    }

    /** The examples of docs/formats.md. */
    @Test
    void documentedExamples() {
        assertEquals("    ldh [12]\n    jne #0x800, l3\n    ret #0x40000\nl3: ret #0\n", AsmFormat.print(IP));
        assertEquals("4\n40 0 0 12\n21 0 1 2048\n6 0 0 262144\n6 0 0 0\n", DddFormat.print(IP));
        assertEquals(
                "(000) ldh      [12]\n(001) jeq      #0x800           jt 2\tjf 3\n(002) ret      #262144\n(003) ret      #0\n",
                ListingFormat.print(IP));
        assertEquals(
                "28 00 00 00 0c 00 00 00 15 00 00 01 00 08 00 00 06 00 00 00 00 00 04 00 06 00 00 00 00 00 00 00",
                java.util.HexFormat.ofDelimiter(" ").formatHex(RawFormat.encode(IP, ByteOrder.LITTLE_ENDIAN)));
    }

    @Test
    void tcpdumpDddFormAcceptsNegativeKAndCrLf() {
        assertEquals(Program.of(new Insn(6, 0, 0, -1)), DddFormat.parse("t", "1\r\n6 0 0 -1\r\n"));
        assertEquals(Program.of(new Insn(6, 0, 0, -1)), DddFormat.parse("t", "1\n6 0 0 4294967295\n"));
    }

    @Test
    void dddErrors() {
        assertEquals(
                "t:1:1: the count says 3 instructions but 4 follow",
                error("3\n40 0 0 12\n21 0 1 2048\n6 0 0 1\n6 0 0 0\n", InputFormat.DDD)
                        .getMessage());
        assertEquals(
                "t:2:1: an instruction row has 4 numbers 'code jt jf k', found 3",
                error("1\n6 0 0\n", InputFormat.DDD).getMessage());
        assertEquals(
                "t:2:3: jt 256 is out of range (jt and jf must be 0 to 255)",
                error("1\n6 256 0 0\n", InputFormat.DDD).getMessage());
        assertEquals(
                "t:2:1: code 65536 is out of range (the code must be 0 to 65535)",
                error("1\n65536 0 0 0\n", InputFormat.DDD).getMessage());
        assertEquals(
                "t:2:7: k 4294967296 is out of range (k must fit in 32 bits: -2147483648 to 4294967295)",
                error("1\n6 0 0 4294967296\n", InputFormat.DDD).getMessage());
        assertEquals(
                "t:2:7: malformed number '0x10'",
                error("1\n6 0 0 0x10\n", InputFormat.DDD).getMessage());
        assertEquals(
                "t:1:1: expected the instruction count alone, found 4 numbers",
                error("6 0 0 0\n", InputFormat.DDD).getMessage());
        assertEquals(
                "t:1:1: no instructions found in this ddd program",
                error("0\n", InputFormat.DDD).getMessage());
    }

    @Test
    void ddReadsTcpdumpRowsAndC() {
        String dd =
                "{ 0x28, 0, 0, 0x0000000c },\n{ 0x15, 0, 1, 0x00000800 },\n{ 0x6, 0, 0, 0x00040000 },\n{ 0x6, 0, 0, 0x00000000 },\n";
        assertEquals(dd, DdFormat.print(IP));
        assertEquals(IP, TextFormats.parse("t", dd, InputFormat.AUTO));
        String c = CFormat.print(IP, "ip-filter");
        assertEquals("""
                        /* Classic BPF program, 4 instructions (written by Sluice). */
                        #include <linux/filter.h>

                        struct sock_filter ip_filter[] = {
                        \t{ 0x28, 0, 0, 0x0000000c },
                        \t{ 0x15, 0, 1, 0x00000800 },
                        \t{ 0x6, 0, 0, 0x00040000 },
                        \t{ 0x6, 0, 0, 0x00000000 },
                        };

                        struct sock_fprog ip_filter_prog = {
                        \t.len = 4,
                        \t.filter = ip_filter,
                        };
                        """, c);
        Program back = TextFormats.parse("t.c", c, InputFormat.AUTO);
        assertEquals(IP, back);
        assertEquals(5, back.line(0));
        assertEquals(2, back.column(0));
        assertEquals("filter", CFormat.identifier(null));
        assertEquals("_2x", CFormat.identifier("2x"));
    }

    @Test
    void ddErrors() {
        assertEquals(
                "t:1:1: a { code, jt, jf, k } row has 4 numbers, found 3",
                error("{ 0x6, 0, 0 },", InputFormat.DD).getMessage());
        assertEquals(
                "t:1:1: a { code, jt, jf, k } row has 4 numbers, found 5",
                error("{ 6, 0, 0, 0, 1 },", InputFormat.DD).getMessage());
        assertEquals(
                "t:1:14: expected ',' or '}', found 'x'",
                error("{ 6, 0, 0, 0 x },", InputFormat.DD).getMessage());
        assertEquals(
                "t:2:2: BPF_STMT macros are not read; give numeric rows as tcpdump -dd prints them ({ 0x28, 0, 0, 0x0000000c },)",
                error("struct sock_filter f[] = {\n\tBPF_STMT(BPF_RET|BPF_K, 0),\n};", InputFormat.DD)
                        .getMessage());
        assertEquals(
                "t:1:7: no instructions found in this dd program",
                error("int x;", InputFormat.DD).getMessage());
    }

    @Test
    void listingOfOpcodesTcpdumpDoesNotEmit() {
        Program p = Program.of(
                new Insn(0x16, 0, 0, 0),
                new Insn(0x05, 0, 0, 1),
                new Insn(0xff, 0, 0, 0),
                new Insn(0x20, 0, 0, 0xfffff000 + 48),
                new Insn(0x20, 0, 0, -4096 + 40),
                new Insn(0x94, 0, 0, 3),
                new Insn(0xa4, 0, 0, 0xff),
                new Insn(0x1d, 1, 0, 0));
        assertEquals("""
                        (000) ret     \s
                        (001) ja       3
                        (002) unimp    0xff
                        (003) ld       [vlanp]
                        (004) ld       [xor_x]
                        (005) mod      #3
                        (006) xor      #0xff
                        (007) jeq      x                jt 9\tjf 8
                        """, ListingFormat.print(p));
    }

    @Test
    void detection() {
        assertEquals(InputFormat.DDD, TextFormats.detect("\n 4\n40 0 0 12\n"));
        assertEquals(InputFormat.DDD, TextFormats.detect("4,40 0 0 12,"));
        assertEquals(InputFormat.DD, TextFormats.detect("{ 0x28, 0, 0, 0x0000000c },"));
        assertEquals(InputFormat.DD, TextFormats.detect("/* x */ struct sock_filter f[] = {\n  { 40, 0, 0, 12 },\n};"));
        assertEquals(InputFormat.ASM, TextFormats.detect("ldh [12]\nret #0\n"));
        assertEquals(InputFormat.ASM, TextFormats.detect("; 4\nret #4\n"));
        assertEquals(InputFormat.ASM, TextFormats.detect(""));
        assertEquals(
                "the raw format is binary (8-byte struct sock_filter records), not text",
                error("x", InputFormat.RAW).getMessage());
    }

    @Test
    void writerGivesBytesForEveryFormat() {
        assertArrayEquals(
                RawFormat.encode(IP, ByteOrder.BIG_ENDIAN),
                ProgramWriter.write(IP, OutputFormat.RAW, null, ByteOrder.BIG_ENDIAN));
        assertArrayEquals(
                DddFormat.print(IP).getBytes(StandardCharsets.UTF_8),
                ProgramWriter.write(IP, OutputFormat.DDD, null, ByteOrder.BIG_ENDIAN));
        assertThrows(IllegalArgumentException.class, () -> ProgramWriter.writeText(IP, OutputFormat.RAW, null));
        for (OutputFormat f : OutputFormat.values()) {
            assertEquals(f, OutputFormat.fromId(f.id().toUpperCase()));
        }
        assertThrows(IllegalArgumentException.class, () -> OutputFormat.fromId("hex"));
    }
}
