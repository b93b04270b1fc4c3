package dev.sluice.tests.ebpf;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.tests.kernel.KernelEbpf;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The random generator against the live kernel alone: most programs must pass the kernel's verifier (else the
 * differential test would compare little), and the accepted ones must do varied things (several return values, XDP
 * programs that change the packet and ones that take the short path). Prints the acceptance rate and the first
 * refusals with the verifier's last lines. Sizes: {@code sluice.ebpf.generatorPrograms} [300] per flavour.
 */
class RandomEbpfKernelTest {
    @BeforeAll
    static void kernelAvailable() {
        String reason = KernelEbpf.unavailableReason();
        if (reason != null) {
            System.err.println("SKIPPED RandomEbpfKernelTest: " + reason);
        }
        Assumptions.assumeTrue(reason == null, "SKIPPED: " + reason);
    }

    static long seed() {
        String s = System.getProperty("sluice.random.seed");
        return s != null && !s.isEmpty() ? Long.parseLong(s) : new Random().nextLong();
    }

    static String tail(String log, int lines) {
        String[] all = log.strip().split("\n");
        return String.join("\n      ", Arrays.copyOfRange(all, Math.max(0, all.length - lines), all.length));
    }

    @ParameterizedTest
    @EnumSource(RandomEbpfPrograms.Flavor.class)
    void kernelAcceptsMostGeneratedPrograms(RandomEbpfPrograms.Flavor flavor) {
        long seed = seed();
        int programs = Integer.getInteger("sluice.ebpf.generatorPrograms", 300);
        RandomEbpfPrograms gen = new RandomEbpfPrograms(new Random(seed), flavor);
        int accepted = 0;
        int runs = 0;
        int changed = 0;
        Set<Integer> retvals = new HashSet<>();
        StringBuilder refusals = new StringBuilder();
        int shown = 0;
        int withLoop = 0, withLegacyLoad = 0, withAtomic = 0, withV4 = 0;
        for (int i = 0; i < programs; i++) {
            RandomEbpfPrograms.Generated p = gen.program(5 + i % 30);
            withLoop += p.insns().stream().anyMatch(n -> isJump(n) && (short) n.off() < 0) ? 1 : 0;
            withLegacyLoad += p.insns().stream()
                            .anyMatch(n -> (n.opcode() & 0x07) == EbpfAsm.LD && (n.opcode() & 0xe0) != EbpfAsm.IMM)
                    ? 1
                    : 0;
            withAtomic +=
                    p.insns().stream().anyMatch(n -> (n.opcode() & 0xe7) == (EbpfAsm.STX | EbpfAsm.ATOMIC)) ? 1 : 0;
            withV4 += p.insns().stream().anyMatch(RandomEbpfKernelTest::isV4) ? 1 : 0;
            KernelEbpf.Load load = KernelEbpf.load(flavor.progType, p.code());
            if (!load.ok()) {
                if (shown++ < 5) {
                    refusals.append("  program ")
                            .append(i)
                            .append(" (errno ")
                            .append(load.errno())
                            .append("):\n")
                            .append(p.listing())
                            .append("      ")
                            .append(tail(load.log(), 3))
                            .append('\n');
                }
                continue;
            }
            accepted++;
            try {
                for (int j = 0; j < 5; j++) {
                    byte[] packet = gen.packet(p);
                    KernelEbpf.TestRun run = KernelEbpf.testRun(load.fd(), packet);
                    runs++;
                    retvals.add(run.retval());
                    if (flavor == RandomEbpfPrograms.Flavor.XDP && !Arrays.equals(packet, run.dataOut())) {
                        changed++;
                    }
                }
            } finally {
                KernelEbpf.close(load.fd());
            }
        }
        double rate = 100.0 * accepted / programs;
        System.err.printf(
                "RandomEbpfKernelTest %s: programs with a loop %d, legacy packet loads %d, atomics %d, v4 instructions %d%n",
                flavor, withLoop, withLegacyLoad, withAtomic, withV4);
        System.err.printf(
                "RandomEbpfKernelTest %s: seed %d, the kernel accepted %d of %d programs (%.1f%%); %d runs, %d distinct return values, %d changed packets%n",
                flavor, seed, accepted, programs, rate, runs, retvals.size(), changed);
        if (refusals.length() > 0) {
            System.err.print("first refusals:\n" + refusals);
        }
        assertTrue(rate >= 90, "acceptance " + rate + "% (seed " + seed + "), first refusals:\n" + refusals);
        assertTrue(
                withLoop > programs / 20 && withAtomic > programs / 20 && withV4 > programs / 20,
                "the generator should often emit loops, atomics and v4 instructions");
        assertTrue(
                flavor != RandomEbpfPrograms.Flavor.SOCKET_FILTER || withLegacyLoad > programs / 5,
                "socket filters should often use legacy packet loads");
        assertTrue(retvals.size() >= 10, "only " + retvals.size() + " distinct return values");
        if (flavor == RandomEbpfPrograms.Flavor.XDP) {
            assertTrue(changed > runs / 10, "only " + changed + " of " + runs + " XDP runs changed the packet");
        }
    }

    private static boolean isJump(EbpfAsm.Insn n) {
        int cls = n.opcode() & 0x07;
        int op = n.opcode() & 0xf0;
        return (cls == EbpfAsm.JMP || cls == EbpfAsm.JMP32) && op != EbpfAsm.CALL && op != EbpfAsm.EXIT;
    }

    /** Signed division and modulo, sign-extending moves and loads, and BSWAP: the instructions of ISA v4. */
    private static boolean isV4(EbpfAsm.Insn n) {
        int cls = n.opcode() & 0x07;
        int op = n.opcode() & 0xf0;
        if (cls == EbpfAsm.ALU || cls == EbpfAsm.ALU64) {
            return ((op == EbpfAsm.DIV || op == EbpfAsm.MOD) && n.off() == 1)
                    || (op == EbpfAsm.MOV && n.off() != 0)
                    || (cls == EbpfAsm.ALU64 && op == EbpfAsm.END);
        }
        return cls == EbpfAsm.LDX && (n.opcode() & 0xe0) == EbpfAsm.MEMSX;
    }
}
