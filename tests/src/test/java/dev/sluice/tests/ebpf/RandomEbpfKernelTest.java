package dev.sluice.tests.ebpf;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.sluice.tests.kernel.KernelEbpf;

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
        for (int i = 0; i < programs; i++) {
            RandomEbpfPrograms.Generated p = gen.program(5 + i % 30);
            KernelEbpf.Load load = KernelEbpf.load(flavor.progType, p.code());
            if (!load.ok()) {
                if (shown++ < 5) {
                    refusals.append("  program ").append(i).append(" (errno ").append(load.errno()).append("):\n").append(p.listing())
                                    .append("      ").append(tail(load.log(), 3)).append('\n');
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
        System.err.printf("RandomEbpfKernelTest %s: seed %d, the kernel accepted %d of %d programs (%.1f%%); %d runs, %d distinct return values, %d changed packets%n",
                        flavor, seed, accepted, programs, rate, runs, retvals.size(), changed);
        if (refusals.length() > 0) {
            System.err.print("first refusals:\n" + refusals);
        }
        assertTrue(rate >= 90, "acceptance " + rate + "% (seed " + seed + "), first refusals:\n" + refusals);
        assertTrue(retvals.size() >= 10, "only " + retvals.size() + " distinct return values");
        if (flavor == RandomEbpfPrograms.Flavor.XDP) {
            assertTrue(changed > runs / 10, "only " + changed + " of " + runs + " XDP runs changed the packet");
        }
    }
}
