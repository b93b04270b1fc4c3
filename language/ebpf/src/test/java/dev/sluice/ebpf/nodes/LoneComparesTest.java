package dev.sluice.ebpf.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.sluice.ebpf.formats.AsmFormat;
import dev.sluice.ebpf.isa.Program;
import dev.sluice.ebpf.isa.ProgramType;
import dev.sluice.ebpf.lower.LoweredProgram;
import dev.sluice.ebpf.lower.Lowering;
import dev.sluice.ebpf.verify.StructuralCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Which blinded {@code jeq}/{@code jne} with an immediate test their register alone
 * ({@link FunctionBodyNode#loneCompares}): on a common path those compare the register with the unblinded immediate,
 * where tests of one register in a row share one XOR of it.
 */
class LoneComparesTest {
    private static List<Integer> lone(String asm, ProgramType type) {
        Program p = AsmFormat.read(asm, "lone", 1);
        LoweredProgram lowered = Lowering.lower(p, type, StructuralCheck.check(p, type, List.of()));
        boolean[] lone = FunctionBodyNode.loneCompares(lowered, Blinding.kinds(lowered));
        List<Integer> pcs = new ArrayList<>();
        for (int pc = 0; pc < lone.length; pc++) {
            if (lone[pc]) {
                pcs.add(pc);
            }
        }
        return pcs;
    }

    @Test
    void theSocketFiltersTestsAreEachAlone() throws Exception {
        // jne 0x800 (2), jne 6 (4), jeq 80 (12), jne 80 (14); not jset (6): only equality tests have the other form.
        String asm = Files.readString(Path.of("../../examples/ebpf/socket-tcp-port-80.s"));
        assertEquals(List.of(2, 4, 12, 14), lone(asm, ProgramType.SOCKET_FILTER));
    }

    @Test
    void testsOfOneRegisterInARowAreChainedAndOthersAreNot() {
        String asm = """
                ldxw %r2, [%r1+0]
                ldxw %r3, [%r1+4]
                jeq %r2, 1, a
                jne %r2, 2, b
                jeq %r3, 3, b
                jeq32 %r3, 4, a
                jeq %r2, %r3, a
                jeq %r2, 5, a
                a:
                mov %r0, 1
                exit
                b:
                mov %r0, 2
                exit
                """;
        // 2-3: r2 twice in a row; 4-5: r3 in a row, 64- then 32-bit; 6 compares registers (never blinded);
        // 7 follows a test of r2 with a register, not with an immediate: alone.
        assertEquals(List.of(7), lone(asm, ProgramType.RAW));
    }

    private static boolean[] dataOperands(String file, ProgramType type) throws Exception {
        Program p = AsmFormat.read(Files.readString(Path.of("../../examples/ebpf/" + file)), file, 1);
        // Without fuel, as the verifier's proof that every run ends leaves them (fuelled functions keep the key form).
        LoweredProgram lowered = Lowering.lower(p, type, StructuralCheck.check(p, type, List.of()), false);
        byte[] kinds = Blinding.kinds(lowered);
        return FunctionBodyNode.dataOperands(
                lowered, kinds, FunctionBodyNode.loneCompares(lowered, kinds), 0, lowered.length());
    }

    @Test
    void immediatesAreReadAsDataOnlyWhereThatHoldsFewerRegisters() throws Exception {
        // The socket filter's six slots (the four lone tests, jset at 6, and at 8) are read as data; XDP's one lone
        // jne keeps the key form, a per-batch value (a data array's base would be a register of its own).
        boolean[] socket = dataOperands("socket-tcp-port-80.s", ProgramType.SOCKET_FILTER);
        List<Integer> pcs = new ArrayList<>();
        for (int pc = 0; pc < socket.length; pc++) {
            if (socket[pc]) {
                pcs.add(pc);
            }
        }
        assertEquals(List.of(2, 4, 6, 8, 12, 14), pcs);
        assertNull(dataOperands("xdp-ipv4.s", ProgramType.XDP));
    }
}
