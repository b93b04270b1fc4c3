package dev.sluice.bpf.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sluice.bpf.NativeOrderTest;
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
        // tcpdump's 'tcp port 80': pc 1 and pc 8 both compare the Ethernet type.
        Program p = AsmFormat.parse("tcp80.asm", NativeOrderTest.TCP_PORT_80);
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
