package dev.sluice.bpf.formats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sluice.bpf.isa.Insn;
import dev.sluice.bpf.isa.Program;
import dev.sluice.bpf.runtime.Failure;
import dev.sluice.core.error.FailureKind;
import dev.sluice.core.error.SluiceException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The bpf_asm reader and writer on hand-checked programs, and its located errors. */
class AsmFormatTest {
    private static Program asm(String text) {
        return TextFormats.parse("t.asm", text, InputFormat.ASM);
    }

    private static SluiceException asmError(String text) {
        return assertThrows(SluiceException.class, () -> asm(text));
    }

    @Test
    void everyMnemonicAndAddressingModeEncodesAsWorkedOutByHand() {
        Program p = asm(FormatTestSupport.resource("asm/all-mnemonics.asm"));
        Program expected = DddFormat.parse("all-mnemonics.ddd", FormatTestSupport.resource("asm/all-mnemonics.ddd"));
        assertEquals(83, expected.length());
        for (int i = 0; i < expected.length(); i++) {
            assertEquals(expected.get(i), p.get(i), "insn " + i);
        }
        assertEquals(expected, p);
    }

    @Test
    void allMnemonicsDisassemblesAndReassembles() {
        Program p = asm(FormatTestSupport.resource("asm/all-mnemonics.asm"));
        String text = AsmFormat.print(p);
        assertEquals(p, asm(text), text);
        assertEquals(text, AsmFormat.print(asm(text)));
    }

    /** The seccomp example of the task, as bpf_asm assembles it (bpf_exp.y: one ld/jeq/ret each, offsets relative). */
    @Test
    void seccompArchCheck() {
        Program p = asm("""
                        l0: ld [4]
                        l1: jeq #0xc000003e, l3, l2
                        l2: ret #0
                        l3: ld [0]
                        l4: jeq #59, l5, l6
                        l5: ret #0x00050001
                        l6: ret #0x7fff0000
                        """);
        assertEquals(
                Program.of(
                        new Insn(0x20, 0, 0, 4),
                        new Insn(0x15, 1, 0, 0xc000003e),
                        new Insn(0x06, 0, 0, 0),
                        new Insn(0x20, 0, 0, 0),
                        new Insn(0x15, 0, 1, 59),
                        new Insn(0x06, 0, 0, 0x00050001),
                        new Insn(0x06, 0, 0, 0x7fff0000)),
                p);
        assertEquals(
                "7,32 0 0 4,21 1 0 3221225534,6 0 0 0,32 0 0 0,21 0 1 59,6 0 0 327681,6 0 0 2147418112,\n",
                DddFormat.printCommaForm(p));
        assertEquals(2, p.line(1));
        assertEquals(5, p.column(1));
    }

    /** The disassembler's exact layout: labels on targets only, jne for a jeq whose true branch falls through. */
    @Test
    void printLayout() {
        Program p = asm("""
                        ldh [12]
                        jneq #0x800, drop
                        ldb [23]
                        jeq #6, keep, drop
                        keep: ret #-1
                        drop: ret #0
                        """);
        assertEquals("""
                            ldh [12]
                            jne #0x800, l5
                            ldb [23]
                            jne #6, l5
                            ret #0xffffffff
                        l5: ret #0
                        """, AsmFormat.print(p));
    }

    @Test
    void nonCanonicalInstructionsUseTheRawEscape() {
        Program p = Program.of(
                new Insn(0x07, 1, 0, 0),
                new Insn(0xff, 0, 0, 3),
                new Insn(0x05, 0, 0, 5),
                new Insn(0x16, 0, 0, 9),
                new Insn(0x06, 0, 0, 0));
        String text = AsmFormat.print(p);
        assertEquals("""
                        .insn 0x07, 1, 0, 0x00000000  ; tax with fields the opcode ignores set (kept bit for bit)
                        .insn 0xff, 0, 0, 0x00000003  ; unknown opcode
                        .insn 0x05, 0, 0, 0x00000005  ; ja past the end of the program
                        .insn 0x16, 0, 0, 0x00000009  ; ret with fields the opcode ignores set (kept bit for bit)
                        ret #0
                        """, text);
        assertEquals(p, asm(text));
    }

    @Test
    void numbersInEveryBase() {
        Program p = asm(
                "ld #0x1F\nld #0X1f\nld #31\nld #037\nld #0b11111\nld #-1\nld #+31\nld #0\nld #4294967295\nld #-2147483648\nret #0");
        int[] expected = {31, 31, 31, 31, 31, -1, 31, 0, -1, Integer.MIN_VALUE};
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], p.get(i).k(), "insn " + i);
        }
    }

    /** bpf_asm's lexer reads "+4" as a number, so a leading '+' is accepted wherever a number is. */
    @Test
    void plusSignedNumbers() {
        assertEquals(asm("ld [4]\nldx 4*([14]&0xf)\nret #1"), asm("ld [+4]\nldx +4*([+14]&0xf)\nret #+1"));
    }

    @Test
    void commentsAndLayoutAreFree() {
        Program a = asm("ldh [12] ret #0");
        Program b = asm("/* c */ ldh [12] ; x\r\n# hash\n  RET #0 /* multi\nline */\n");
        assertEquals(a, b);
        assertEquals(3, b.line(1));
    }

    @Test
    void severalLabelsOnOneInstruction() {
        Program p = asm("ja b\na:\nb: ret #1");
        assertEquals(new Insn(0x05, 0, 0, 0), p.get(0));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '"',
            value = {
                "lod [4]\\nret #0|t.asm:1:1: unknown mnemonic 'lod'",
                "jeq #1, l9\\nret #0|t.asm:1:9: undefined label 'l9'",
                "ld [0]\\n\\nl1: ret #0\\nl1: ret #1|t.asm:4:1: duplicate label 'l1' (first defined at line 3)",
                "l0: ld [0]\\njeq #1, l0\\nret #0|t.asm:2:9: jump to 'l0' goes backward (the label is at line 1); classic BPF jumps only forward",
                "ld #4294967296\\nret #0|t.asm:1:5: a constant 4294967296 is out of range (k must fit in 32 bits: -2147483648 to 4294967295)",
                "ld #-2147483649\\nret #0|t.asm:1:5: a constant -2147483649 is out of range (k must fit in 32 bits: -2147483648 to 4294967295)",
                "ld #08\\nret #0|t.asm:1:5: malformed number '08'",
                "ld #0x\\nret #0|t.asm:1:5: malformed number '0x'",
                "ld [4]\\n/* open\\nret #0|t.asm:2:1: unterminated /* comment",
                "ld [4]\\nret #0\\nend:|t.asm:3:1: label 'end' is not followed by an instruction",
                "; only a comment|t.asm:1:17: no instructions found in this asm program",
                "ldh #4\\nret #0|t.asm:1:6: 'ldh' does not take number 4 (expected [k], [x + k] or an ancillary name)",
                "ld 4\\nret #0|t.asm:1:4: 'ld' does not take number 4 (expected #k, len, M[k], [k], [x + k] or an ancillary name)",
                "ldx 2*([14]&0xf)\\nret #0|t.asm:1:5: only 4*([k]&0xf) is a valid ldxb operand, found 2*([k]&0xf)",
                "jeq #1 l1\\nl1: ret #0|t.asm:1:8: expected ',', found 'l1'",
                "ret\\n|t.asm:2:1: 'ret' does not take end of input (expected #k, a or x)",
                "ld [4] // no\\nret #0|t.asm:1:8: unexpected character '/'",
                "ld [4]\\n  @ret #0|t.asm:2:3: unexpected character '@'",
                ".insn 0x10000, 0, 0, 0\\nret #0|t.asm:1:7: the code 0x10000 is out of range (the code must be 0 to 65535)",
                ".insn 6, 256, 0, 0|t.asm:1:10: jt 256 is out of range (jt and jf must be 0 to 255)",
            })
    void locatedErrors(String text, String message) {
        SluiceException e = asmError(text.replace("\\n", "\n"));
        assertEquals(message, e.getMessage());
        assertEquals(FailureKind.Category.SYNTAX, e.failure().category());
    }

    @Test
    void jumpTooFarSuggestsATrampoline() {
        StringBuilder sb = new StringBuilder("jeq #1, far\n");
        for (int i = 0; i < 300; i++) {
            sb.append("ld #1\n");
        }
        sb.append("far: ret #0\n");
        SluiceException e = asmError(sb.toString());
        assertEquals(Failure.ASM_JUMP_TOO_FAR, e.failure());
        assertEquals(
                "t.asm:1:9: jump to 'far' is 300 instructions ahead; jt/jf reach at most 255: insert a 'ja far' trampoline",
                e.getMessage());
        // Exactly 255 still fits, and ja has a 32-bit reach.
        StringBuilder fits = new StringBuilder("jeq #1, far\nja far\n");
        for (int i = 0; i < 254; i++) {
            fits.append("ld #1\n");
        }
        fits.append("far: ret #0\n");
        Program p = asm(fits.toString());
        assertEquals(255, p.get(0).jt());
        assertEquals(254, p.get(1).k());
    }

    @Test
    void errorRenderingShowsTheLineAndACaret() {
        String text = "ld [4]\n\tjeq #1, nowhere\nret #0\n";
        SluiceException e = asmError(text);
        assertEquals(
                "t.asm:2:10: undefined label 'nowhere'\n\tjeq #1, nowhere\n\t        ^",
                ErrorRendering.render(e, text));
        SluiceException unlocated = SluiceException.create(Failure.RAW_LENGTH, 7);
        assertEquals(unlocated.getMessage(), ErrorRendering.render(unlocated, text));
    }
}
