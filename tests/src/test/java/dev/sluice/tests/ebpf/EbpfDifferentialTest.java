package dev.sluice.tests.ebpf;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.testing.EngineMode;
import dev.sluice.tests.kernel.KernelEbpf;
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
            SluiceEbpfRunner.FrameRun run =
                    SluiceEbpfRunner.runOnFrame(program, flavor == RandomEbpfPrograms.Flavor.XDP, frame);
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
        List<String> kernelDeadCode = new ArrayList<>();
        long pairs = 0;
        int loaded = 0;
        int compiledRoots;
        int refusedByKernel = 0;
        int changedPackets = 0;
        Set<Integer> returnValues = new HashSet<>();
        HexFormat hex = HexFormat.of();
        try (SluiceEbpfRunner interpreted = new SluiceEbpfRunner(EngineMode.INTERPRETED, sluiceType(flavor));
                SluiceEbpfRunner compiled = new SluiceEbpfRunner(EngineMode.COMPILED, sluiceType(flavor))) {
            assertNotEquals(
                    "Interpreted", compiled.engine().getImplementationName(), "the Graal compiler is not active");
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
                        report(
                                mismatches,
                                "program " + i + ": the kernel accepts it, Sluice refuses it: " + e.getMessage() + "\n"
                                        + p.listing());
                        continue;
                    }
                    for (int j = 0; j < packetsPer; j++) {
                        byte[] frame = gen.packet(p);
                        KernelEbpf.TestRun kernel = KernelEbpf.testRun(load.fd(), frame);
                        Outcome oi = run(vi, flavor, frame);
                        Outcome oc = run(vc, flavor, frame);
                        pairs++;
                        returnValues.add(kernel.retval());
                        boolean agree = oi.error() == null
                                && oc.error() == null
                                && oi.r0() == oc.r0()
                                && (int) oi.r0() == kernel.retval();
                        if (flavor == RandomEbpfPrograms.Flavor.XDP) {
                            agree &= Arrays.equals(oi.packet(), kernel.dataOut())
                                    && Arrays.equals(oc.packet(), kernel.dataOut());
                            changedPackets += Arrays.equals(frame, kernel.dataOut()) ? 0 : 1;
                        }
                        if (!agree && oi.error() == null && oi.r0() == oc.r0()) {
                            String dead = deadToTheKernel(p.code(), flavor, frame);
                            if (dead != null) {
                                kernelDeadCode.add("program " + i + " packet " + j + ": " + dead);
                                continue;
                            }
                        }
                        if (!agree) {
                            report(
                                    mismatches,
                                    String.format(
                                            "program %d packet %d: kernel %d, interpreted %s, compiled %s%n  packet in (%d bytes) %s%n%s%s",
                                            i,
                                            j,
                                            kernel.retval(),
                                            oi,
                                            oc,
                                            frame.length,
                                            hex.formatHex(frame),
                                            flavor == RandomEbpfPrograms.Flavor.XDP
                                                    ? String.format(
                                                            "  kernel out       %s%n  interpreted out  %s%n  compiled out     %s%n",
                                                            hex.formatHex(kernel.dataOut()),
                                                            oi.packet() == null ? "-" : hex.formatHex(oi.packet()),
                                                            oc.packet() == null ? "-" : hex.formatHex(oc.packet()))
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
        System.err.printf(
                "%s: seed %d, %d programs (%d refused by the kernel), %d (program, packet) pairs compared, %d distinct return values, %d packets changed, "
                        + "%d program roots compiled (opt done) for %d programs, %d mismatches%n",
                what,
                seed,
                programs,
                refusedByKernel,
                pairs,
                returnValues.size(),
                changedPackets,
                compiledRoots,
                loaded,
                mismatches.size());
        if (!kernelDeadCode.isEmpty()) {
            System.err.printf(
                    "%s: %d pairs differ because the kernel's verifier judged instructions the input reaches dead and removed them "
                            + "(docs/ebpf.md, differences from the kernel), first: %s%n",
                    what, kernelDeadCode.size(), kernelDeadCode.get(0));
        }
        if (!mismatches.isEmpty()) {
            StringBuilder sb = new StringBuilder(mismatches.size() + " mismatches (seed " + seed + "), first ones:\n");
            mismatches.stream()
                    .filter(s -> !s.isEmpty())
                    .forEach(s -> sb.append(s).append('\n'));
            throw new AssertionError(sb.toString());
        }
        assertTrue(pairs >= (long) programs * packetsPer * 9 / 10, "too few pairs compared: " + pairs);
        assertTrue(
                returnValues.size() > programs / 2,
                "the programs should compute varied results: " + returnValues.size() + " distinct return values");
        assertTrue(
                compiledRoots >= loaded,
                "compiled mode should compile every program's root: " + compiledRoots + " compilations for " + loaded
                        + " programs");
        if (flavor == RandomEbpfPrograms.Flavor.XDP) {
            assertTrue(
                    changedPackets > pairs / 10,
                    "XDP programs should change packets: " + changedPackets + " of " + pairs);
        }
    }

    /**
     * Program 4319 of the XDP run with seed 20261129 (1,000,000 pairs): an atomic fetch-and on a stack slot, then a
     * signed branch on the fetched value. On Linux 6.18 the kernel's verifier judges the fall-through dead and removes
     * instructions 33-37, which this packet reaches, so the kernel returns another value than the ISA gives (Sluice
     * follows RFC 9669). Whatever the kernel: it either agrees with Sluice or its verifier never visited an
     * instruction the packet reaches.
     */
    @org.junit.jupiter.api.Test
    void aKernelThatSkipsReachedCodeIsRecognised() {
        byte[] code = HexFormat.of()
                .parseHex(
                        "bf1600000000000061170000000000006118040000000000bf7900000000000007090000550000002d895b0000000000b7000000f73a1a3fb7010000feffffffb702000017e51e18b7030000ffff0000b7040000f90000007975370000000000b70800002800000079790e00000000007b9af8ff000000007b8af0ff000000007a0ae8ff430000007b9ae0ff000000003f120000000000006b572b0000000000c5090200b02b7779de29030000000000450305009d00000004030000e8000000c50003000300000069702200000000004f2300000000000037080000ec47b2df640000001a000000cd4000000000000004050000ccc0ffff6404000012000000db4af8ff510000006d14040000000000720af6ff21abd4261e11000000000000ce000300000000005f9000000000000071780500000000008178180000000000b709000052942f45b70300000e0000004f29000000000000af8400000000000057080000807a5d7017030000010000005503fbff0000000061a9e4ff00000000d709000010000000cf03000000000000db8af8fff100000084020000000000002e22010000000000bc93080000000000b704000000000000740800001a0000000704000001000000a504fdff0e000000b70800000f0000006b571c00000000003401010003000000b7040000c501e2a5940400004b3b000017080000010000005508faff000000005408000010000000bf300000000000002700000093010001af100000000000002700000093010001af200000000000002700000093010001af300000000000002700000093010001af400000000000002700000093010001af500000000000002700000093010001af800000000000002700000093010001af9000000000000079a9f8ff000000002700000093010001af9000000000000079a9f0ff000000002700000093010001af9000000000000079a9e8ff000000002700000093010001af9000000000000079a9e0ff000000002700000093010001af90000000000000bf090000000000007709000020000000af900000000000009500000000000000b7000000010000009500000000000000");
        byte[] frame = HexFormat.of()
                .parseHex(
                        "807fff808080000000010180807f0001808001018080ff7f00ff7f01807f010101ff01ff017f0001807f0001007fffff7f80017f8000ff7f7f0100ffff00007fff017f807f00010001ff7f7f0180007f000180ff0000007fffff");
        KernelEbpf.Load load = KernelEbpf.load(KernelEbpf.BPF_PROG_TYPE_XDP, code);
        assertTrue(load.ok(), load::log);
        try (SluiceEbpfRunner sluice = new SluiceEbpfRunner(EngineMode.INTERPRETED, "xdp")) {
            int kernel = KernelEbpf.testRun(load.fd(), frame).retval();
            long ours =
                    run(sluice.load(code), RandomEbpfPrograms.Flavor.XDP, frame).r0();
            org.junit.jupiter.api.Assertions.assertEquals(
                    -3525315347900914460L, ours, "RFC 9669's result for this packet");
            String dead = deadToTheKernel(code, RandomEbpfPrograms.Flavor.XDP, frame);
            System.err.println("EbpfDifferentialTest: program 4319: kernel " + kernel + ", Sluice " + (int) ours
                    + (dead == null ? "" : "; " + dead));
            assertTrue(
                    kernel == (int) ours || dead != null && dead.contains("34"),
                    "kernel " + kernel + ", Sluice " + (int) ours + ", " + dead);
        } finally {
            KernelEbpf.close(load.fd());
        }
    }

    /**
     * Why a pair may differ without a Sluice bug: the kernel's verifier never visited an instruction this input
     * reaches (its bounds said the branch to it cannot be taken), so the kernel's translated program lacks it and the
     * kernel's run skips it. Returns which instructions, or null when the kernel visited everything Sluice executed.
     */
    static String deadToTheKernel(byte[] code, RandomEbpfPrograms.Flavor flavor, byte[] frame) {
        java.util.Set<Integer> visited = KernelEbpf.visitedByVerifier(flavor.progType, code);
        if (visited == null) {
            return null;
        }
        java.util.Set<Integer> executed = new java.util.TreeSet<>();
        try (org.graalvm.polyglot.Context c = org.graalvm.polyglot.Context.newBuilder("ebpf")
                .option("ebpf.ProgramType", sluiceType(flavor))
                .option("ebpf.InputFormat", "raw")
                .option("ebpf.SocketData", "network")
                .build()) {
            dev.sluice.ebpf.trace.StepTrace trace = c.getEngine()
                    .getInstruments()
                    .get(dev.sluice.ebpf.trace.StepTraceInstrument.ID)
                    .lookup(dev.sluice.ebpf.trace.StepTrace.class);
            trace.start();
            Value program = c.eval(org.graalvm.polyglot.Source.newBuilder(
                            "ebpf", org.graalvm.polyglot.io.ByteSequence.create(code), "dead-code-check")
                    .buildLiteral());
            trace.begin();
            run(program, flavor, frame);
            for (dev.sluice.ebpf.trace.StepTrace.Entry e : trace.end()) {
                executed.add(e.pc());
            }
        }
        executed.removeAll(visited);
        return executed.isEmpty()
                ? null
                : "the kernel's verifier never visited instructions " + executed + ", which this input reaches";
    }

    private static void report(List<String> mismatches, String text) {
        mismatches.add(mismatches.size() < MAX_REPORTED ? text : "");
    }
}
