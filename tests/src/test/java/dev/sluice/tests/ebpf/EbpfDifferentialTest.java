package dev.sluice.tests.ebpf;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;

import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Value;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.sluice.tests.EngineMode;
import dev.sluice.tests.kernel.KernelEbpf;

/**
 * Differential testing of the eBPF language against the live kernel: random socket filters and XDP programs that the
 * kernel's verifier accepts, run by {@code BPF_PROG_TEST_RUN} and by Sluice interpreted and compiled (every call
 * target compiled on its first call, a failed compilation throws, and every program's root must report "opt done"),
 * on random packets. Every pair must give the same return value (the kernel reports r0's low 32 bits; Sluice's two
 * modes must agree on all 64) and, for XDP, the same packet afterwards.
 *
 * <p>A socket filter's test run strips the frame's 14-byte Ethernet header before the program runs (see
 * {@code KernelEbpfTest}), so Sluice is given the frame from byte 14: both programs see the same bytes.
 *
 * <p>The seed is printed; rerun with {@code -Dsluice.random.seed=N}. Sizes per program type:
 * {@code sluice.ebpf.programs} [120] x {@code sluice.ebpf.packets} [50] pairs. A larger run:
 *
 * <pre>
 * ./mvnw -B -pl tests -am verify -Dtest=EbpfDifferentialTest -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dsluice.ebpf.programs=1000 -Dsluice.ebpf.packets=100 -Dsluice.random.seed=1
 * </pre>
 */
class EbpfDifferentialTest {
    private static final int MAX_REPORTED = 10;
    private static long seed;

    @BeforeAll
    static void setUp() {
        String reason = KernelEbpf.unavailableReason();
        if (reason != null) {
            System.err.println("SKIPPED EbpfDifferentialTest: " + reason);
        }
        Assumptions.assumeTrue(reason == null, "SKIPPED: " + reason);
        seed = RandomEbpfKernelTest.seed();
        System.err.println("EbpfDifferentialTest: seed " + seed + " (rerun with -Dsluice.random.seed=" + seed + ")");
    }

    /** One run's result: r0, and the packet afterwards (XDP), or the guest error's message. */
    private record Outcome(long r0, byte[] packet, String error) {
        @Override
        public String toString() {
            return error != null ? "error: " + error : Long.toString(r0);
        }
    }

    private static Outcome run(Value program, RandomEbpfPrograms.Flavor flavor, byte[] frame) {
        try {
            SluiceEbpfRunner.FrameRun run = SluiceEbpfRunner.runOnFrame(program, flavor == RandomEbpfPrograms.Flavor.XDP, frame);
            return new Outcome(run.r0(), run.packet(), null);
        } catch (PolyglotException e) {
            if (e.isInternalError() || e.isHostException()) {
                throw e;
            }
            return new Outcome(0, null, e.getMessage());
        }
    }

    private static String sluiceType(RandomEbpfPrograms.Flavor flavor) {
        return flavor == RandomEbpfPrograms.Flavor.XDP ? "xdp" : "socket_filter";
    }

    @ParameterizedTest
    @EnumSource(RandomEbpfPrograms.Flavor.class)
    void randomProgramsAgreeWithTheKernel(RandomEbpfPrograms.Flavor flavor) {
        int programs = Integer.getInteger("sluice.ebpf.programs", 120);
        int packetsPer = Integer.getInteger("sluice.ebpf.packets", 50);
        RandomEbpfPrograms gen = new RandomEbpfPrograms(new Random(seed ^ flavor.progType), flavor);
        List<String> mismatches = new ArrayList<>();
        long pairs = 0;
        int loaded = 0;
        int compiledRoots;
        int refusedByKernel = 0;
        int changedPackets = 0;
        Set<Integer> returnValues = new HashSet<>();
        HexFormat hex = HexFormat.of();
        try (SluiceEbpfRunner interpreted = new SluiceEbpfRunner(EngineMode.INTERPRETED, sluiceType(flavor));
                        SluiceEbpfRunner compiled = new SluiceEbpfRunner(EngineMode.COMPILE_IMMEDIATELY, sluiceType(flavor))) {
            assertNotEquals("Interpreted", compiled.engine().getImplementationName(), "the Graal compiler is not active");
            for (int i = 0; i < programs; i++) {
                RandomEbpfPrograms.Generated p = gen.program(5 + i % 30);
                KernelEbpf.Load load = KernelEbpf.load(flavor.progType, p.code());
                if (!load.ok()) {
                    refusedByKernel++;
                    continue;
                }
                try {
                    Value vi;
                    Value vc;
                    try {
                        vi = interpreted.load(p.code());
                        vc = compiled.load(p.code());
                        loaded++;
                    } catch (PolyglotException e) {
                        report(mismatches, "program " + i + ": the kernel accepts it, Sluice refuses it: " + e.getMessage() + "\n" + p.listing());
                        continue;
                    }
                    for (int j = 0; j < packetsPer; j++) {
                        byte[] frame = gen.packet(p);
                        KernelEbpf.TestRun kernel = KernelEbpf.testRun(load.fd(), frame);
                        Outcome oi = run(vi, flavor, frame);
                        Outcome oc = run(vc, flavor, frame);
                        pairs++;
                        returnValues.add(kernel.retval());
                        boolean agree = oi.error() == null && oc.error() == null && oi.r0() == oc.r0() && (int) oi.r0() == kernel.retval();
                        if (flavor == RandomEbpfPrograms.Flavor.XDP) {
                            agree &= Arrays.equals(oi.packet(), kernel.dataOut()) && Arrays.equals(oc.packet(), kernel.dataOut());
                            changedPackets += Arrays.equals(frame, kernel.dataOut()) ? 0 : 1;
                        }
                        if (!agree) {
                            report(mismatches, String.format("program %d packet %d: kernel %d, interpreted %s, compiled %s%n  packet in (%d bytes) %s%n%s%s", i, j, kernel.retval(), oi, oc,
                                            frame.length, hex.formatHex(frame), flavor == RandomEbpfPrograms.Flavor.XDP
                                                            ? String.format("  kernel out       %s%n  interpreted out  %s%n  compiled out     %s%n", hex.formatHex(kernel.dataOut()),
                                                                            oi.packet() == null ? "-" : hex.formatHex(oi.packet()), oc.packet() == null ? "-" : hex.formatHex(oc.packet()))
                                                            : "",
                                            p.listing()));
                        }
                    }
                } finally {
                    KernelEbpf.close(load.fd());
                }
            }
            compiledRoots = compiled.programRootsCompiled();
        }
        String what = "EbpfDifferentialTest " + flavor;
        System.err.printf("%s: seed %d, %d programs (%d refused by the kernel), %d (program, packet) pairs compared, %d distinct return values, %d packets changed, "
                        + "%d program roots compiled (opt done) for %d programs, %d mismatches%n", what, seed, programs, refusedByKernel, pairs, returnValues.size(),
                        changedPackets, compiledRoots, loaded, mismatches.size());
        if (!mismatches.isEmpty()) {
            StringBuilder sb = new StringBuilder(mismatches.size() + " mismatches (seed " + seed + "), first ones:\n");
            mismatches.stream().filter(s -> !s.isEmpty()).forEach(s -> sb.append(s).append('\n'));
            throw new AssertionError(sb.toString());
        }
        assertTrue(pairs >= (long) programs * packetsPer * 9 / 10, "too few pairs compared: " + pairs);
        assertTrue(returnValues.size() > programs / 2, "the programs should compute varied results: " + returnValues.size() + " distinct return values");
        assertTrue(compiledRoots >= loaded, "compiled mode should compile every program's root: " + compiledRoots + " compilations for " + loaded + " programs");
        if (flavor == RandomEbpfPrograms.Flavor.XDP) {
            assertTrue(changedPackets > pairs / 10, "XDP programs should change packets: " + changedPackets + " of " + pairs);
        }
    }

    private static void report(List<String> mismatches, String text) {
        mismatches.add(mismatches.size() < MAX_REPORTED ? text : "");
    }
}
