package dev.sluice.ebpf.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.ebpf.formats.AsmFormat;
import dev.sluice.ebpf.isa.Program;
import dev.sluice.ebpf.isa.ProgramType;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The verifier's work on the largest programs: for loop-free code with early exits (the shape of packet parsers) the
 * instructions it processes grow linearly with the program; a counted loop costs its trips. The times are printed,
 * not asserted (docs/ebpf-verifier.md records them).
 */
class VerifierScaleTest {
    /** An XDP program of {@code slots} slots: 64 bytes checked against data_end, then blocks that read and branch out. */
    static String parser(int slots) {
        StringBuilder b = new StringBuilder("""
                        ldxw %r2, [%r1+0]
                        ldxw %r3, [%r1+4]
                        mov %r4, %r2
                        add %r4, 64
                        jgt %r4, %r3, out
                        mov %r0, 0
                        """);
        int used = 6;
        for (int k = 0; used + 4 + 3 <= slots; k++, used += 4) {
            b.append("ldxb %r5, [%r2+").append(k % 64).append("]\n");
            b.append("add %r0, %r5\n");
            b.append("and %r0, 0xffff\n");
            b.append("jgt %r5, ").append(200 + k % 50).append(", out\n");
        }
        b.append("and %r0, 3\nexit\nout:\nmov %r0, 1\nexit\n");
        return b.toString();
    }

    static Verifier.Result verify(String asm, ProgramType type) {
        Program p = AsmFormat.read(asm, "scale", 1);
        return Verifier.verify(p, type, StructuralCheck.check(p, type), List.of(), Verifier.DEFAULT_LIMIT);
    }

    @Test
    void loopFreeCodeIsVerifiedInLinearWork() {
        for (int slots : new int[] {1024, 4096, 16384}) {
            String asm = parser(slots);
            Program p = AsmFormat.read(asm, "scale", 1);
            Verifier.Result r = verify(asm, ProgramType.XDP);
            // every instruction once on the main path, plus the two of 'out' for each branch to it
            assertTrue(
                    r.processed() <= 2L * p.length(), slots + " slots: " + r.processed() + " instructions processed");
            StructuralCheck.Shape shape = StructuralCheck.check(p, ProgramType.XDP);
            long best = Long.MAX_VALUE;
            for (int run = 0; run < 5; run++) {
                long t0 = System.nanoTime();
                Verifier.verify(p, ProgramType.XDP, shape, List.of(), Verifier.DEFAULT_LIMIT);
                best = Math.min(best, System.nanoTime() - t0);
            }
            System.out.printf(
                    "verifier scale: %d slots, %d instructions processed, %d states stored, best of 5 (the verifier alone, after parsing and the structural checks): %.2f ms%n",
                    p.length(), r.processed(), r.statesStored(), best / 1e6);
        }
    }

    @Test
    void aCountedLoopCostsItsTrips() {
        String loop = "mov %r0, 0\nmov %r1, 0\nloop:\nadd %r0, %r1\nadd %r1, 1\njlt %r1, 5000, loop\nexit\n";
        Verifier.Result r = verify(loop, ProgramType.RAW);
        assertEquals(2 + 3 * 5000 + 1, r.processed(), "each trip's three instructions, once");
        Program p = AsmFormat.read(loop, "loop", 1);
        StructuralCheck.Shape shape = StructuralCheck.check(p, ProgramType.RAW);
        long t0 = System.nanoTime();
        Verifier.verify(p, ProgramType.RAW, shape, List.of(), Verifier.DEFAULT_LIMIT);
        System.out.printf(
                "verifier scale: a 5000-trip loop, %d instructions processed, %.2f ms%n",
                r.processed(), (System.nanoTime() - t0) / 1e6);
    }
}
