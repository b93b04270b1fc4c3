package dev.sluice.tests.ebpf;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Value;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.tests.EngineMode;
import dev.sluice.tests.kernel.KernelEbpf;

/**
 * Differential testing of the eBPF language against the live kernel: random XDP-shaped programs that the kernel's
 * verifier accepts, run by {@code BPF_PROG_TEST_RUN} and by Sluice interpreted and compiled (every call target
 * compiled on its first call, a failed compilation throws), on random packets. Every pair must give the same return
 * value (the kernel reports r0's low 32 bits; Sluice's two modes must agree on all 64).
 *
 * <p>Sluice runs the programs as program type {@code raw} (r1 = the packet, r2 = its length) with the XDP prologue
 * {@code r7 = ctx->data; r8 = ctx->data_end} rewritten to {@code r7 = r1; r8 = r1 + r2}: everything after it is the
 * kernel's program unchanged.
 *
 * <p>The seed is printed; rerun with {@code -Dsluice.random.seed=N}. Sizes: {@code sluice.ebpf.programs} [200] x
 * {@code sluice.ebpf.packets} [50] pairs. A larger run:
 *
 * <pre>
 * ./mvnw -B -pl tests -am verify -Dtest=EbpfDifferentialTest -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dsluice.ebpf.programs=2500 -Dsluice.ebpf.packets=40 -Dsluice.random.seed=1
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

    /** The XDP program with its context loads replaced by the raw program type's registers (one slot longer). */
    static byte[] asRawProgram(RandomEbpfPrograms.Generated p) {
        List<EbpfAsm.Insn> insns = new ArrayList<>(p.insns());
        EbpfAsm.Insn data = insns.get(1);
        EbpfAsm.Insn dataEnd = insns.get(2);
        if (data.opcode() != (EbpfAsm.LDX | EbpfAsm.MEM | EbpfAsm.W) || data.dst() != 7 || dataEnd.dst() != 8 || dataEnd.off() != 4) {
            throw new IllegalStateException("not the generator's XDP prologue:\n" + p.listing());
        }
        insns.set(1, EbpfAsm.mov64Reg(7, 1));
        insns.set(2, EbpfAsm.mov64Reg(8, 1));
        // No jump crosses the prologue, so inserting a slot here leaves every jump offset right.
        insns.add(3, EbpfAsm.alu64Reg(EbpfAsm.ADD, 8, 2));
        return EbpfAsm.encode(insns);
    }

    private static String run(Value program, byte[] packet, long[] r0, int index) {
        try {
            r0[index] = program.execute((Object) packet.clone()).asLong();
            return null;
        } catch (PolyglotException e) {
            if (e.isInternalError() || e.isHostException()) {
                throw e;
            }
            return e.getMessage();
        }
    }

    @Test
    void xdpProgramsAgreeWithTheKernel() {
        int programs = Integer.getInteger("sluice.ebpf.programs", 200);
        int packetsPer = Integer.getInteger("sluice.ebpf.packets", 50);
        RandomEbpfPrograms gen = new RandomEbpfPrograms(new Random(seed ^ 0x7d9L), RandomEbpfPrograms.Flavor.XDP);
        List<String> mismatches = new ArrayList<>();
        long pairs = 0;
        int loaded = 0;
        int compiledRoots = 0;
        int refusedByKernel = 0;
        java.util.Set<Integer> returnValues = new java.util.HashSet<>();
        HexFormat hex = HexFormat.of();
        try (SluiceEbpfRunner interpreted = new SluiceEbpfRunner(EngineMode.INTERPRETED, "raw");
                        SluiceEbpfRunner compiled = new SluiceEbpfRunner(EngineMode.COMPILE_IMMEDIATELY, "raw")) {
            assertNotEquals("Interpreted", compiled.engine().getImplementationName(), "the Graal compiler is not active");
            for (int i = 0; i < programs; i++) {
                RandomEbpfPrograms.Generated p = gen.program(5 + i % 30);
                KernelEbpf.Load load = KernelEbpf.load(KernelEbpf.BPF_PROG_TYPE_XDP, p.code());
                if (!load.ok()) {
                    refusedByKernel++;
                    continue;
                }
                try {
                    byte[] raw = asRawProgram(p);
                    Value vi;
                    Value vc;
                    try {
                        vi = interpreted.load(raw);
                        vc = compiled.load(raw);
                        loaded++;
                    } catch (PolyglotException e) {
                        report(mismatches, "program " + i + ": the kernel accepts it, Sluice refuses it: " + e.getMessage() + "\n" + p.listing());
                        continue;
                    }
                    for (int j = 0; j < packetsPer; j++) {
                        byte[] packet = gen.packet(p);
                        KernelEbpf.TestRun kernel = KernelEbpf.testRun(load.fd(), packet);
                        long[] r0 = new long[2];
                        String ei = run(vi, packet, r0, 0);
                        String ec = run(vc, packet, r0, 1);
                        pairs++;
                        returnValues.add(kernel.retval());
                        boolean agree = ei == null && ec == null && r0[0] == r0[1] && (int) r0[0] == kernel.retval();
                        if (!agree) {
                            report(mismatches, String.format("program %d packet %d: kernel %d, interpreted %s, compiled %s%n  packet (%d bytes) %s%n%s", i, j, kernel.retval(),
                                            ei != null ? "error: " + ei : Long.toString(r0[0]), ec != null ? "error: " + ec : Long.toString(r0[1]), packet.length,
                                            hex.formatHex(packet), p.listing()));
                        }
                    }
                } finally {
                    KernelEbpf.close(load.fd());
                }
            }
            compiledRoots = compiled.programRootsCompiled();
        }
        System.err.printf("EbpfDifferentialTest.xdpProgramsAgreeWithTheKernel: %d program roots compiled by Graal (opt done) for %d programs%n", compiledRoots, loaded);
        System.err.printf("EbpfDifferentialTest.xdpProgramsAgreeWithTheKernel: seed %d, %d programs (%d refused by the kernel), %d (program, packet) pairs compared, %d distinct return values, %d mismatches%n",
                        seed, programs, refusedByKernel, pairs, returnValues.size(), mismatches.size());
        if (!mismatches.isEmpty()) {
            StringBuilder sb = new StringBuilder(mismatches.size() + " mismatches (seed " + seed + "), first ones:\n");
            mismatches.stream().filter(s -> !s.isEmpty()).forEach(s -> sb.append(s).append('\n'));
            throw new AssertionError(sb.toString());
        }
        assertTrue(pairs >= (long) programs * packetsPer * 9 / 10, "too few pairs compared: " + pairs);
        assertTrue(compiledRoots >= loaded, "compiled mode should compile every program's root: " + compiledRoots + " compilations for " + loaded + " programs");
        assertTrue(returnValues.size() > programs / 2, "the programs should compute varied results: " + returnValues.size() + " distinct return values");
    }

    private static void report(List<String> mismatches, String text) {
        mismatches.add(mismatches.size() < MAX_REPORTED ? text : "");
    }
}
