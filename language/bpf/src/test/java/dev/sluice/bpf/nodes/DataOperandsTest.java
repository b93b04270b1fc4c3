package dev.sluice.bpf.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sluice.bpf.NativeOrderTest;
import dev.sluice.bpf.formats.AsmFormat;
import dev.sluice.bpf.isa.Profile;
import dev.sluice.bpf.isa.Program;
import dev.sluice.bpf.lower.LoweredProgram;
import dev.sluice.bpf.lower.Lowering;
import dev.sluice.core.seccomp.Arch;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Which blinded constants compiled code reads as data ({@link DataOperands}): every {@code jeq}, {@code jset} and
 * {@code and} but the chains Graal makes a switch of and the "or" tails it evaluates without branches.
 */
class DataOperandsTest {
    private static LoweredProgram lower(String asm) {
        Program p = AsmFormat.parse("data.asm", asm);
        return Lowering.lower(p, Profile.SOCKET, Arch.X86_64);
    }

    private static List<Integer> pcs(boolean[] flags) {
        List<Integer> set = new ArrayList<>();
        for (int pc = 0; pc < flags.length; pc++) {
            if (flags[pc]) {
                set.add(pc);
            }
        }
        return set;
    }

    @Test
    void tcpPort80ReadsEveryComparandAsDataButTheSecondPortOfTheIpv6Path() {
        LoweredProgram p = lower(NativeOrderTest.TCP_PORT_80);
        // pc 5 (the IPv6 source port) jumps into the accepting ret; its false edge loads the destination port at a
        // constant offset and pc 7 jumps into the same ret: an or tail. On the IPv4 path the ports load at x + 14
        // and x + 16, computed reads, so pc 15 and 17 form no tail.
        assertEquals(List.of(6, 7), pcs(DataOperands.orTails(p)));
        assertEquals(List.of(1, 3, 5, 8, 10, 12, 15, 17), pcs(DataOperands.of(p)));
    }

    @Test
    void longChainsAndMaskedTailsKeepTheKeyForm() {
        // A host list in small: four addresses for the source, then two networks (mask, compare) for source and
        // destination, all into one accepting ret.
        LoweredProgram p = lower("""
                ld [26]
                jeq #0x0a000001, accept, l2
                l2: jeq #0x0a000002, accept, l3
                l3: jeq #0x0a000003, accept, l4
                l4: jeq #0x0a000004, accept, l5
                l5: ld [26]
                and #0xffff0000
                jeq #0xc0a80000, accept, l8
                l8: ld [30]
                and #0xffff0000
                jeq #0xc0a80000, accept, l11
                l11: jset #0x1, drop, l12
                l12: ld [30]
                and #0xff000000
                jeq #0x0a000000, accept, drop
                accept: ret #262144
                drop: ret #0
                """);
        int[] chains = DataOperands.chainSizes(p);
        assertEquals(
                List.of(4, 4, 4, 4, 1, 1, 1),
                List.of(chains[1], chains[2], chains[3], chains[4], chains[7], chains[10], chains[14]));
        // Each jump of the chain is the tail of the one before (nothing between them); pc 4 jumps into accept and
        // its false edge reaches pc 7, into accept too: pc 5-7 are a tail, and so are pc 8-10 after pc 7. The jset at
        // pc 11 jumps into drop, so the last network (12-14) is no tail of pc 10, and
        // nothing after the jset jumps into drop.
        assertEquals(List.of(2, 3, 4, 5, 6, 7, 8, 9, 10), pcs(DataOperands.orTails(p)));
        // The chain of four keeps its immediates (a switch); the tails keep the key form; the jset and the last
        // network read their operands as data.
        assertEquals(List.of(11, 13, 14), pcs(DataOperands.of(p)));
    }
}
