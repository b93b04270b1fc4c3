package dev.sluice.bpf.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sluice.bpf.formats.AsmFormat;
import dev.sluice.bpf.isa.Profile;
import dev.sluice.bpf.isa.Program;
import dev.sluice.bpf.lower.Lowering;
import dev.sluice.core.seccomp.Arch;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Which {@code jeq #k} compare their A alone ({@link FilterBodyNode#loneCompares}): blinded, those on a common path
 * compare A with the unblinded constant, where a chain of comparisons of one A shares one {@code A ^ key}.
 */
class LoneComparesTest {
    @Test
    void theEthernetTypeChainIsChainedAndEveryOtherComparisonIsLone() {
        // tcpdump -d 'tcp port 80': pc 1 and pc 8 both compare the Ethernet type.
        Program p = AsmFormat.parse("tcp80.asm", """
                ldh [12]
                jeq #0x86dd, l2, l8
                l2: ldb [20]
                jeq #0x6, l4, drop
                l4: ldh [54]
                jeq #0x50, accept, l6
                l6: ldh [56]
                jeq #0x50, accept, drop
                l8: jeq #0x800, l9, drop
                l9: ldb [23]
                jeq #0x6, l11, drop
                l11: ldh [20]
                jset #0x1fff, drop, l13
                l13: ldxb 4*([14]&0xf)
                ldh [x + 14]
                jeq #0x50, accept, l16
                l16: ldh [x + 16]
                jeq #0x50, accept, drop
                accept: ret #262144
                drop: ret #0
                """);
        boolean[] lone = FilterBodyNode.loneCompares(Lowering.lower(p, Profile.SOCKET, Arch.X86_64));
        List<Integer> lonePcs = new ArrayList<>();
        for (int pc = 0; pc < lone.length; pc++) {
            if (lone[pc]) {
                lonePcs.add(pc);
            }
        }
        assertEquals(List.of(3, 5, 7, 10, 15, 17), lonePcs);
    }
}
