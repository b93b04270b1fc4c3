package dev.sluice.bpf.formats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sluice.bpf.isa.Insn;
import dev.sluice.bpf.isa.Program;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.Set;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Jitk's Lemma 3 for every format: printing then parsing gives the same instructions bit for bit
 * ({@link Program#equals} compares all four fields of every instruction), and printed text is a fixed point.
 */
class FormatRoundTripProperties {
    @Provide
    Arbitrary<Program> valid() {
        return RandomPrograms.valid();
    }

    @Provide
    Arbitrary<Program> anyFields() {
        return RandomPrograms.anyFields();
    }

    /** The generator reaches every whitelisted opcode, jumps of both kinds and reach, and ancillary loads. */
    @Example
    void generatorCoversTheWhitelist() {
        Set<Integer> seen = new HashSet<>();
        boolean[] features = new boolean[3]; // jt/jf > 0, ja with k > 0, ancillary k on a load
        RandomPrograms.valid().sampleStream().limit(300).forEach(p -> {
            for (int i = 0; i < p.length(); i++) {
                Insn in = p.get(i);
                seen.add(in.code());
                features[0] |= in.jt() > 0 && in.jf() > 0;
                features[1] |= in.code() == 0x05 && in.k() > 0;
                features[2] |= in.code() == 0x20 && dev.sluice.bpf.isa.Ancillary.fromK(in.k()) != null;
            }
        });
        for (int c : RandomPrograms.KNOWN_CODES) {
            assertEquals(true, seen.contains(c), String.format("opcode 0x%02x never generated", c));
        }
        assertEquals(49, RandomPrograms.KNOWN_CODES.length); // 21 ALU, 13 loads, 2 stores, 2 misc, 2 ret, 9 jumps
        assertEquals(true, features[0] && features[1] && features[2]);
    }

    @Property(tries = 300)
    void rawRoundTripsInBothByteOrders(@ForAll("anyFields") Program p) {
        for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
            byte[] bytes = ProgramWriter.write(p, OutputFormat.RAW, null, order);
            assertEquals(p, RawFormat.decode(bytes, order));
            assertArrayEquals(bytes, RawFormat.encode(RawFormat.decode(bytes, order), order));
        }
    }

    @Property(tries = 500)
    void asmRoundTrips(@ForAll("valid") Program p) {
        String text = ProgramWriter.writeText(p, OutputFormat.ASM, null);
        Program back = TextFormats.parse("p.asm", text, InputFormat.ASM);
        assertEquals(p, back, text);
        assertEquals(text, ProgramWriter.writeText(back, OutputFormat.ASM, null));
    }

    /** Valid programs are spelled entirely in bpf_asm syntax: no .insn escape. */
    @Property(tries = 300)
    void validProgramsNeedNoRawEscape(@ForAll("valid") Program p) {
        String text = AsmFormat.print(p);
        assertEquals(-1, text.indexOf(".insn"), text);
    }

    @Property(tries = 500)
    void asmRoundTripsAnyFields(@ForAll("anyFields") Program p) {
        String text = AsmFormat.print(p);
        Program back = AsmFormat.parse("p.asm", text);
        assertEquals(p, back, text);
        assertEquals(text, AsmFormat.print(back));
    }

    @Property(tries = 300)
    void dddRoundTrips(@ForAll("anyFields") Program p) {
        String text = ProgramWriter.writeText(p, OutputFormat.DDD, null);
        Program back = TextFormats.parse("p.ddd", text, InputFormat.DDD);
        assertEquals(p, back);
        assertEquals(text, DddFormat.print(back));
        for (int i = 0; i < p.length(); i++) {
            assertEquals(i + 2, back.line(i), "the row of insn " + i + " is line " + (i + 2));
            assertEquals(1, back.column(i));
        }
    }

    @Property(tries = 300)
    void bpfAsmCommaFormRoundTrips(@ForAll("anyFields") Program p) {
        String text = DddFormat.printCommaForm(p);
        assertEquals(p, TextFormats.parse("p.txt", text, InputFormat.DDD));
        assertEquals(p, TextFormats.parse("p.txt", text, InputFormat.AUTO));
        assertEquals(text, DddFormat.printCommaForm(DddFormat.parse("p.txt", text)));
    }

    @Property(tries = 300)
    void ddRoundTrips(@ForAll("anyFields") Program p) {
        String text = ProgramWriter.writeText(p, OutputFormat.DD, null);
        Program back = TextFormats.parse("p.dd", text, InputFormat.DD);
        assertEquals(p, back);
        assertEquals(text, DdFormat.print(back));
    }

    @Property(tries = 200)
    void cOutputReadsBackAsDd(@ForAll("anyFields") Program p) {
        String text = ProgramWriter.writeText(p, OutputFormat.C, "my-filter");
        assertEquals(p, TextFormats.parse("p.c", text, InputFormat.DD));
        assertEquals(p, TextFormats.parse("p.c", text, InputFormat.AUTO));
    }

    /** AUTO recognizes each text format Sluice writes, so no flag is needed to read output back. */
    @Property(tries = 300)
    void autoDetectsEveryWrittenTextFormat(@ForAll("valid") Program p) {
        assertEquals(InputFormat.ASM, TextFormats.detect(AsmFormat.print(p)));
        assertEquals(InputFormat.DDD, TextFormats.detect(DddFormat.print(p)));
        assertEquals(InputFormat.DDD, TextFormats.detect(DddFormat.printCommaForm(p)));
        assertEquals(InputFormat.DD, TextFormats.detect(DdFormat.print(p)));
        assertEquals(InputFormat.DD, TextFormats.detect(CFormat.print(p, "f")));
        for (OutputFormat f :
                new OutputFormat[] {OutputFormat.ASM, OutputFormat.DDD, OutputFormat.DD, OutputFormat.C}) {
            assertEquals(p, TextFormats.parse("p", ProgramWriter.writeText(p, f, "f"), InputFormat.AUTO), f.id());
        }
    }

    /** asm positions: each instruction is on its own printed line, after the label (if any). */
    @Property(tries = 200)
    void asmPositionsPointAtTheMnemonic(@ForAll("valid") Program p) {
        String text = AsmFormat.print(p);
        Program back = AsmFormat.parse("p.asm", text);
        String[] lines = text.split("\n");
        for (int i = 0; i < p.length(); i++) {
            assertEquals(i + 1, back.line(i));
            String rest = lines[i].substring(back.column(i) - 1);
            Insn in = p.get(i);
            char first = rest.charAt(0);
            assertEquals(
                    true,
                    Character.isLetter(first) || first == '.',
                    "column of insn " + i + " in '" + lines[i] + "' " + in);
        }
    }
}
