package dev.sluice.ebpf.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.error.SluiceException;
import dev.sluice.ebpf.formats.AsmFormat;
import dev.sluice.ebpf.isa.Program;
import dev.sluice.ebpf.isa.ProgramType;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A state's copies share their stack arrays until one of them writes (copy-on-write): a write through one frame must
 * never show through another, whether the other is the second branch of a fork or a state stored for pruning.
 */
class StateCopyTest {
    @Test
    void aWriteThroughACopyOrItsOriginalIsSeenByThatFrameAlone() {
        State.Frame original = new State.Frame(-1, 0);
        original.setStackByte(504, State.SPILL);
        original.setSpill(63, Reg.constant(1));
        original.setSecretBytes(0, 4, true);

        State.Frame copy = original.copy();
        State.Frame copyOfCopy = copy.copy();
        original.setStackByte(504, State.MISC);
        original.setSpill(63, Reg.constant(2));
        original.setSecretBytes(0, 4, false);
        copy.setStackByte(0, State.MISC);
        copy.setSpill(0, Reg.constant(3));
        copy.setSecretBytes(10, 11, true);

        assertEquals(State.MISC, original.stackByte(504));
        assertEquals(Reg.constant(2), original.spill(63));
        assertFalse(original.secretByte(0));
        assertEquals(State.INVALID, original.stackByte(0), "the copy's write");
        assertNull(original.spill(0), "the copy's write");
        assertFalse(original.secretByte(10), "the copy's write");

        assertEquals(State.SPILL, copy.stackByte(504), "the original's write");
        assertEquals(Reg.constant(1), copy.spill(63), "the original's write");
        assertTrue(copy.secretByte(0), "the original's write");
        assertEquals(State.MISC, copy.stackByte(0));
        assertEquals(Reg.constant(3), copy.spill(0));
        assertTrue(copy.secretByte(10));

        for (int b = 0; b < 512; b++) {
            assertEquals(b == 504 ? State.SPILL : State.INVALID, copyOfCopy.stackByte(b), "byte " + b);
            assertEquals(b < 4, copyOfCopy.secretByte(b), "secret byte " + b);
        }
        assertEquals(Reg.constant(1), copyOfCopy.spill(63));
        assertNull(copyOfCopy.spill(0));
    }

    @Test
    void registersAreNeverShared() {
        State state = new State(new State.Frame[] {new State.Frame(-1, 0)});
        state.set(3, Reg.constant(7));
        State copy = state.copy();
        state.set(3, Reg.constant(8));
        state.top().secretRegs[3] = true;
        assertEquals(Reg.constant(7), copy.reg(3));
        assertFalse(copy.top().secretRegs[3]);
        assertSame(Reg.NOT_INIT, copy.reg(4));
    }

    private static Verifier.Result verify(String asm) {
        Program p = AsmFormat.read(asm, "cow", 1);
        return Verifier.verify(
                p, ProgramType.RAW, StructuralCheck.check(p, ProgramType.RAW), List.of(), Verifier.DEFAULT_LIMIT);
    }

    private static String refusal(String asm) {
        return assertThrows(SluiceException.class, () -> verify(asm)).getMessage();
    }

    // The verifier explores the fall-through of a conditional jump first and the jump later, from the state the
    // jump had: what the fall-through path writes must not be in it.

    @Test
    void bytesTheFallThroughWritesAreNotInitialisedOnTheJump() {
        String asm = """
                mov %r0, 0
                jgt %r2, 10, jump
                stb [%r10-1], 1
                ldxb %r0, [%r10-1]
                exit
                jump:
                ldxb %r0, [%r10-1]
                exit
                """;
        assertEquals(
                "insn 5: invalid read from stack R10 off -1+0 size 1 (fp0): the byte is not initialised", refusal(asm));
    }

    @Test
    void aSpillTheFallThroughOverwritesKeepsItsValueOnTheJump() {
        // On the jump, fp-8 holds 0, so the refused load is dead there; the fall-through's 100 would reach it.
        String asm = """
                stdw [%r10-8], 0
                jgt %r2, 10, jump
                stdw [%r10-8], 100
                mov %r0, 0
                exit
                jump:
                ldxdw %r3, [%r10-8]
                jeq %r3, 0, fine
                ldxdw %r0, [%r10-16]
                exit
                fine:
                mov %r0, 0
                exit
                """;
        verify(asm);
        // The same program with the jump's path writing 100 itself is refused there: the load is live.
        assertEquals(
                "insn 8: invalid read from stack R10 off -16+0 size 8 (fp0): the byte is not initialised",
                refusal(asm.replace("jump:\n", "jump:\nstdw [%r10-8], 100\n")));
    }

    @Test
    void aStoredStateIsNotChangedByThePathThatGoesOnFromIt() {
        // The fall-through reaches 'join' first with r2 = 1 and fp-8 = 1: its state is stored there, and its
        // continuation (fp-8 read as 1 and overwritten with 100 before the next jump copies the state) is explored to
        // the end. The jump reaches 'join' with r2 = 1 and fp-8 = 100: the stored state must still say 1, or it would
        // subsume the jump's and prune the path that reaches the bad load.
        String asm = """
                mov %r0, 0
                stdw [%r10-8], 1
                jgt %r2, 10, jump
                mov %r2, 1
                ja join
                jump:
                mov %r2, 1
                stdw [%r10-8], 100
                join:
                ldxdw %r2, [%r10-8]
                stdw [%r10-8], 100
                jeq %r2, 1, fine
                ldxdw %r0, [%r10-16]
                exit
                fine:
                exit
                """;
        assertEquals(
                "insn 10: invalid read from stack R10 off -16+0 size 8 (fp0): the byte is not initialised",
                refusal(asm));
        // Without the jump's own write the two states at 'join' are the same: the second is pruned, and it is fine.
        Verifier.Result pruned = verify(asm.replace("stdw [%r10-8], 100\njoin:", "join:"));
        // The fall-through's 9 instructions, then the jump's one: it ends at 'join', subsumed by the stored state.
        assertEquals(10, pruned.processed(), "the jump's path pruned at 'join'");
    }
}
