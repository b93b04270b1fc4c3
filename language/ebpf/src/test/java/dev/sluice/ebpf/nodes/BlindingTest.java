package dev.sluice.ebpf.nodes;

import static dev.sluice.ebpf.isa.Opcodes.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.ebpf.isa.Insn;
import dev.sluice.ebpf.isa.Program;
import dev.sluice.ebpf.isa.ProgramType;
import dev.sluice.ebpf.lower.LoweredProgram;
import dev.sluice.ebpf.lower.Lowering;
import dev.sluice.ebpf.maps.MapSpec;
import dev.sluice.ebpf.maps.MapType;
import dev.sluice.ebpf.verify.StructuralCheck;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Which immediates are blinded, and that blinding keeps them recoverable: the decisions docs/guards.md section 6.1
 * states, one slot of each form (ConstantBlindingTest shows the effect in compiled code).
 */
class BlindingTest {
    private static final byte P = Blinding.PLAIN, K32 = Blinding.KEY32, K64 = Blinding.KEY64, OFF = Blinding.OFFSET;

    @Test
    void theKernelsBlindedFormsAreBlindedAndTheEnginesStructureIsNot() {
        Program p = Program.of(
                new Insn(ALU64 | ADD | K, 1, 0, 0, 7), // 0: add
                new Insn(ALU | LSH | K, 1, 0, 0, 3), // 1: shift amount
                new Insn(ALU64 | ARSH | K, 1, 0, 0, 2), // 2: shift amount
                new Insn(ALU64 | MOV | K, 2, 0, 0, 0), // 3: mov of 0
                new Insn(ALU | MOV | K, 2, 0, 0, 5), // 4: mov
                new Insn(ALU | END | TO_BE, 2, 0, 0, 16), // 5: END's width
                new Insn(ALU64 | DIV | K, 2, 0, 1, 3), // 6: sdiv
                new Insn(ST | MEM | W, 10, 0, -8, 9), // 7: stored value
                new Insn(STX | ATOMIC | W, 10, 2, -8, ADD), // 8: atomic operation code
                new Insn(LDDW, 3, LDDW_IMM64, 0, 2), // 9: lddw value
                new Insn(0, 0, 0, 0, 1), // 10
                new Insn(LDDW, 4, LDDW_MAP_IDX, 0, 0), // 11: a map's handle
                new Insn(0, 0, 0, 0, 0), // 12
                new Insn(JMP32 | JGT | K, 2, 0, 0, 100), // 13: jump comparand
                new Insn(JMP | JEQ | X, 2, 3, 0, 0), // 14: register comparison
                new Insn(JMP | JA, 0, 0, 0, 0), // 15: jump offset
                new Insn(LD | ABS | H, 0, 0, 0, 12), // 16: legacy load offset
                new Insn(LD | IND | B, 0, 2, 0, 3), // 17: legacy load offset
                new Insn(LD | ABS | B, 0, 0, 0, -0x100000 + 2), // 18: legacy load offset in SKF_NET_OFF's window
                new Insn(LD | IND | B, 0, 2, 0, -4), // 19: legacy load, a negative immediate
                new Insn(ALU64 | MOV | K, 0, 0, 0, 0), // 20: mov of 0
                new Insn(JMP | EXIT, 0, 0, 0, 0)); // 21
        List<MapSpec> maps = List.of(new MapSpec("m", MapType.ARRAY, 4, 8, 1));
        LoweredProgram lowered =
                Lowering.lower(p, ProgramType.SOCKET_FILTER, StructuralCheck.check(p, ProgramType.SOCKET_FILTER, maps));
        assertArrayEquals(
                new byte[] {K32, P, P, P, K32, P, K32, K32, P, K64, P, P, P, K32, P, P, OFF, OFF, K32, K32, P, P},
                Blinding.kinds(lowered));

        Blinding blinding = Blinding.of(lowered);
        long key = blinding.key();
        long[] plain = lowered.immediates();
        long[] stored = blinding.immediates();
        for (int pc = 0; pc < plain.length; pc++) {
            byte kind = blinding.kinds()[pc];
            assertEquals(plain[pc], Blinding.unblind(kind, stored[pc], key), "slot " + pc + " unblinds");
            if (kind == P) {
                assertEquals(plain[pc], stored[pc], "slot " + pc + " is kept as it is");
            } else {
                assertNotEquals(plain[pc], stored[pc], "slot " + pc + " is not kept as the author wrote it");
            }
            if (kind == K32) {
                // Blinded with the key's low half sign-extended: still a sign-extended 32-bit value (an immediate
                // operand of x86 instructions), with no plain half.
                assertEquals((long) (int) stored[pc], stored[pc], "slot " + pc + " stays a sign-extended int");
            }
        }
        // lddw's two halves are both the author's: each differs from the author's half.
        assertNotEquals((int) plain[9], (int) stored[9]);
        assertNotEquals((int) (plain[9] >>> 32), (int) (stored[9] >>> 32));
        assertNotEquals(Blinding.of(lowered).key(), key, "a fresh key per load");
    }
    /**
     * A verified program's pointer moves by an {@code off}-sized immediate stay plain, as a load's {@code off} (the
     * verifier's {@code provenRegion} of the slot); the same add on a scalar, or unverified, is blinded.
     */
    @Test
    void pointerMovesTheVerifierProvedStayPlain() {
        Program p = dev.sluice.ebpf.formats.AsmFormat.read("""
                ldxw %r2, [%r1+0]
                ldxw %r3, [%r1+4]
                mov %r4, %r2
                add %r4, 14
                jgt %r4, %r3, out
                ldxh %r5, [%r2+12]
                add %r5, 14
                mov %r6, %r10
                sub %r6, 8
                out:
                mov %r0, 2
                exit
                """, "moves", 1);
        StructuralCheck.Shape shape = StructuralCheck.check(p, ProgramType.XDP, List.of());
        dev.sluice.ebpf.verify.Verifier.Result verified = dev.sluice.ebpf.verify.Verifier.verify(
                p, ProgramType.XDP, shape, List.of(), dev.sluice.ebpf.verify.Verifier.DEFAULT_LIMIT);
        byte[] kinds = Blinding.kinds(Lowering.lower(p, ProgramType.XDP, shape, true, verified));
        assertEquals(P, kinds[3], "add pkt, 14");
        assertEquals(K32, kinds[6], "add scalar, 14");
        assertEquals(P, kinds[8], "sub fp copy, 8");
        assertEquals(K32, kinds[9], "mov r0, 2");
        byte[] unverified = Blinding.kinds(Lowering.lower(p, ProgramType.XDP, shape));
        assertEquals(K32, unverified[3], "unverified: add pkt, 14");
        assertEquals(K32, unverified[8], "unverified: sub fp copy, 8");
    }

    /**
     * Where r0 stays blinded (BlindedR0): from a blinded 64-bit {@code mov r0, K} through instructions that neither
     * read nor write r0, to an exit and into a merge where every path has it blinded; unblinded before an instruction
     * that reads it (not before one that only overwrites it), and on the edge into a merge with a path that wrote it
     * plainly; a 32-bit mov stores its zero-extended value, a mov of 0 (not blinded) nothing.
     */
    @Test
    void r0StaysBlindedFromABlindedMovUntilSomethingTouchesIt() {
        Program p = Program.of(
                new Insn(LDX | MEM | W, 2, 1, 0, 0), // 0: r2 = [r1]
                new Insn(ALU64 | MOV | K, 0, 0, 0, -5), // 1: r0 blinded
                new Insn(JMP | JGT | K, 2, 0, 2, 10), // 2: to 5; r0 stays blinded on both edges
                new Insn(ALU64 | MOV | K, 0, 0, 0, 7), // 3: r0 blinded
                new Insn(JMP | JA, 0, 0, 0, 0), // 4: to 5
                new Insn(JMP | JGT | K, 2, 0, 2, 20), // 5: both paths into it blinded; to 8
                new Insn(ALU64 | ADD | K, 0, 0, 0, 1), // 6: reads r0: unblinded first
                new Insn(JMP | EXIT, 0, 0, 0, 0), // 7: plain
                new Insn(JMP | JGT | K, 2, 0, 2, 30), // 8: to 11
                new Insn(ALU | MOV | K, 0, 0, 0, 9), // 9: 32-bit: blinded too, zero-extended
                new Insn(JMP | JA, 0, 0, 1, 0), // 10: to 12
                new Insn(ALU64 | MOV | K, 0, 0, 0, 0), // 11: mov of 0: plain
                new Insn(JMP | JGT | K, 2, 0, 2, 40), // 12: to 15
                new Insn(ALU64 | MOV | K, 0, 0, 0, 3), // 13: blinded, but 15 is reached plainly from 12
                new Insn(JMP | JA, 0, 0, 0, 0), // 14: to 15, unblinding r0 on the way
                new Insn(JMP | EXIT, 0, 0, 0, 0)); // 15: plain
        LoweredProgram lowered =
                Lowering.lower(p, ProgramType.RAW, StructuralCheck.check(p, ProgramType.RAW, List.of()));
        Blinding blinding = Blinding.of(lowered);
        BlindedR0 r0 = BlindedR0.of(lowered, blinding);
        assertArrayEquals(slots(16, 2, 3, 4, 5, 6, 8, 9, 10, 11, 14), r0.pendingIn(), "pending when the slot starts");
        assertArrayEquals(slots(16, 1, 2, 3, 4, 5, 8, 9, 10, 13, 14), r0.pendingOut(), "pending after the slot");
        assertArrayEquals(slots(16, 6), r0.unblindBefore(), "unblinded before the slot");
        assertArrayEquals(slots(16, 1, 3, 9, 13), r0.storesBlinded(), "stores r0 XOR the key");
        // What a blinded mov stores is r0's value XOR the key's low half, sign-extended: -5 (64-bit), 9 zero-extended.
        long key32 = (int) blinding.key();
        assertEquals(-5L, r0.blindedValues()[1] ^ key32);
        assertEquals(7L, r0.blindedValues()[3] ^ key32);
        assertEquals(9L, r0.blindedValues()[9] ^ key32);
        assertEquals(3L, r0.blindedValues()[13] ^ key32);
        assertNotEquals(9L, r0.blindedValues()[9], "not the author's value");
        // The 32-bit mov's high half comes from the key's sign: fresh keys until both signs have been checked.
        boolean negativeSeen = false, positiveSeen = false;
        for (int load = 0; load < 200 && !(negativeSeen && positiveSeen); load++) {
            Blinding fresh = Blinding.of(lowered);
            long freshKey32 = (int) fresh.key();
            negativeSeen |= freshKey32 < 0;
            positiveSeen |= freshKey32 >= 0;
            assertEquals(9L, BlindedR0.of(lowered, fresh).blindedValues()[9] ^ freshKey32, "key " + freshKey32);
        }
        assertTrue(negativeSeen && positiveSeen, "both signs of the key's low half were checked");
    }

    private static boolean[] slots(int length, int... set) {
        boolean[] b = new boolean[length];
        for (int pc : set) {
            b[pc] = true;
        }
        return b;
    }
}
