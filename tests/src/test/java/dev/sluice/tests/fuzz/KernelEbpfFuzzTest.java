package dev.sluice.tests.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sluice.core.testing.EngineMode;
import dev.sluice.tests.ebpf.RandomEbpfPrograms;
import dev.sluice.tests.ebpf.SluiceEbpfRunner;
import dev.sluice.tests.kernel.KernelEbpf;
import java.util.HexFormat;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Value;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;

/**
 * eBPF socket filters and XDP programs against the live kernel, structure-aware as {@link KernelBpfFuzzTest}: the
 * fuzzer's bytes are the choices of the differential tests' generator, whose programs the kernel's verifier mostly
 * accepts. For every program the kernel accepts, Sluice loads it too and returns what {@code BPF_PROG_TEST_RUN}
 * returns on each packet (and, for XDP, leaves the same packet), interpreted, and compiled by Graal on every input in
 * regression mode and every {@value KernelBpfFuzzTest#COMPILE_EVERY}th in a campaign.
 */
class KernelEbpfFuzzTest {
    private static final boolean CAMPAIGN =
            System.getenv("JAZZER_FUZZ") != null || Boolean.getBoolean("sluice.fuzz.campaign");
    private static final RandomEbpfPrograms.Flavor[] FLAVORS = RandomEbpfPrograms.Flavor.values();
    private static SluiceEbpfRunner[] interpreted;
    private static SluiceEbpfRunner[] compiled;
    private static long inputs;

    @BeforeAll
    static void open() {
        String reason = KernelEbpf.unavailableReason();
        if (reason != null) {
            System.err.println("SKIPPED KernelEbpfFuzzTest: " + reason);
        }
        Assumptions.assumeTrue(reason == null, () -> "SKIPPED: " + reason);
        interpreted = new SluiceEbpfRunner[FLAVORS.length];
        compiled = new SluiceEbpfRunner[FLAVORS.length];
        for (RandomEbpfPrograms.Flavor f : FLAVORS) {
            String type = f == RandomEbpfPrograms.Flavor.XDP ? "xdp" : "socket_filter";
            interpreted[f.ordinal()] = new SluiceEbpfRunner(EngineMode.INTERPRETED, type);
            compiled[f.ordinal()] = new SluiceEbpfRunner(EngineMode.COMPILED, type);
            assertNotEquals(
                    "Interpreted",
                    compiled[f.ordinal()].engine().getImplementationName(),
                    "the Graal compiler is not active");
        }
    }

    @AfterAll
    static void close() {
        if (interpreted != null) {
            for (int i = 0; i < FLAVORS.length; i++) {
                interpreted[i].close();
                compiled[i].close();
            }
            interpreted = null;
        }
    }

    /** r0 and, for XDP, the packet afterwards; a guest error is a mismatch (the kernel ran the program to its end). */
    private static SluiceEbpfRunner.FrameRun run(Value program, boolean xdp, byte[] frame, String where) {
        try {
            return SluiceEbpfRunner.runOnFrame(program, xdp, frame);
        } catch (PolyglotException e) {
            FuzzChecks.guestError(e);
            fail("the kernel ran the program, Sluice stopped: " + e.getMessage() + where);
            return null;
        }
    }

    @FuzzTest
    void programsTheKernelAcceptsRunAsInTheKernel(FuzzedDataProvider data) {
        RandomEbpfPrograms.Flavor flavor = data.pickValue(FLAVORS);
        boolean xdp = flavor == RandomEbpfPrograms.Flavor.XDP;
        RandomEbpfPrograms gen =
                new RandomEbpfPrograms(KernelBpfFuzzTest.choicesFrom(data), flavor).withoutNetworkHeaderOffsets();
        RandomEbpfPrograms.Generated p = gen.program(data.consumeInt(1, 40));
        KernelEbpf.Load load = KernelEbpf.load(flavor.progType, p.code());
        if (!load.ok()) {
            return;
        }
        try {
            String listing = "\n" + p.listing();
            Value vi;
            Value vc = null;
            boolean compile = !CAMPAIGN || ++inputs % KernelBpfFuzzTest.COMPILE_EVERY == 0;
            try {
                vi = interpreted[flavor.ordinal()].load(p.code());
                if (compile) {
                    vc = compiled[flavor.ordinal()].load(p.code());
                }
            } catch (PolyglotException e) {
                FuzzChecks.guestError(e);
                fail("the kernel accepts the program, Sluice refuses it: " + e.getMessage() + listing);
                return;
            }
            int packets = 1 + data.consumeInt(0, 3);
            for (int j = 0; j < packets; j++) {
                byte[] frame = gen.packet(p);
                KernelEbpf.TestRun kernel = KernelEbpf.testRun(load.fd(), frame);
                String where = " on packet " + HexFormat.of().formatHex(frame) + listing;
                SluiceEbpfRunner.FrameRun ri = run(vi, xdp, frame, where);
                assertEquals(kernel.retval(), (int) ri.r0(), "r0 (kernel: low 32 bits)" + where);
                if (xdp) {
                    assertArrayEquals(kernel.dataOut(), ri.packet(), "the packet after the run" + where);
                }
                if (vc != null) {
                    SluiceEbpfRunner.FrameRun rc = run(vc, xdp, frame, where);
                    assertEquals(ri.r0(), rc.r0(), "interpreted vs compiled r0" + where);
                    assertArrayEquals(ri.packet(), rc.packet(), "interpreted vs compiled packet" + where);
                }
            }
        } finally {
            KernelEbpf.close(load.fd());
        }
    }
}
