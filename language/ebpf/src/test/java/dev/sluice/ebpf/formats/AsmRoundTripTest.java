package dev.sluice.ebpf.formats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.ebpf.isa.Program;
import org.junit.jupiter.api.Test;

/** The assembler's writer: what it writes reads back as the same slots, whatever the jump targets. */
class AsmRoundTripTest {
    private static Program roundTrip(String text) {
        Program p = AsmFormat.read(text, "t.s", 1);
        String written = AsmFormat.write(p);
        assertEquals(p, AsmFormat.read(written, "written.s", 1), written);
        return p;
    }

    @Test
    void aTargetAtAnInstructionIsALabel() {
        Program p = roundTrip("jne %r1, 5, +1\nmov %r0, 1\nexit\n");
        assertTrue(AsmFormat.write(p).contains("L2:\n"), AsmFormat.write(p));
    }

    /**
     * Found by the ebpf-asm campaign: a jump into the second slot of an lddw got a label, but no label line can go
     * there, and the text read back as "undefined label". Such a target (the structural check refuses it later)
     * stays relative.
     */
    @Test
    void aTargetInsideAnLddwStaysRelative() {
        Program p = roundTrip("jne %r3, 5, +1\nlddw %r0, 1\nexit\n");
        String written = AsmFormat.write(p);
        assertTrue(written.startsWith("jne %r3, 5, +1\n"), written);
        assertFalse(written.contains("L2"), written);
    }

    @Test
    void aTargetOutsideTheProgramStaysRelative() {
        Program p = roundTrip("ja -3\nexit\n");
        assertTrue(AsmFormat.write(p).startsWith("ja -3\n"), AsmFormat.write(p));
    }
}
