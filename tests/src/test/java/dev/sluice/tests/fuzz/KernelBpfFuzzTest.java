package dev.sluice.tests.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sluice.bpf.formats.RawFormat;
import dev.sluice.bpf.isa.Insn;
import dev.sluice.bpf.isa.Program;
import dev.sluice.core.testing.EngineMode;
import dev.sluice.tests.SluiceRunner;
import dev.sluice.tests.kernel.KernelSocketFilter;
import dev.sluice.tests.kernel.Libc;
import dev.sluice.tests.random.RandomPrograms;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;

/**
 * Classic socket filters against the live kernel, structure-aware: the fuzzer's bytes drive the random program
 * generator of the differential tests (every choice it makes is a few bytes of input), so mutations change one
 * instruction, one constant or one packet byte at a time, and most programs pass both checkers. Each input is one
 * program, sometimes deliberately broken, and a few packets: the kernel and Sluice must agree on whether it loads,
 * and on every packet's outcome. Sluice runs interpreted on every input and compiled by Graal on every input in
 * regression mode and on every {@value #COMPILE_EVERY}th input in a campaign (a compilation costs far more than a run).
 */
class KernelBpfFuzzTest {
    static final int COMPILE_EVERY = 50;
    private static final boolean CAMPAIGN =
            System.getenv("JAZZER_FUZZ") != null || Boolean.getBoolean("sluice.fuzz.campaign");
    private static SluiceRunner interpreted;
    private static SluiceRunner compiled;
    private static KernelSocketFilter kernel;
    private static long inputs;

    @BeforeAll
    static void open() {
        String reason = KernelSocketFilter.unavailableReason();
        if (reason != null) {
            System.err.println("SKIPPED KernelBpfFuzzTest: " + reason);
        }
        Assumptions.assumeTrue(reason == null, () -> "SKIPPED: " + reason);
        interpreted = new SluiceRunner(EngineMode.INTERPRETED, "socket");
        compiled = new SluiceRunner(EngineMode.COMPILED, "socket");
        assertNotEquals("Interpreted", compiled.engine().getImplementationName(), "the Graal compiler is not active");
        kernel = new KernelSocketFilter();
    }

    @AfterAll
    static void close() {
        if (kernel != null) {
            kernel.close();
            interpreted.close();
            compiled.close();
            kernel = null;
        }
    }

    /** The fuzzer's bytes as the generator's random choices; 0 once they are used up. */
    static RandomGenerator choicesFrom(FuzzedDataProvider data) {
        return data::consumeLong;
    }

    @FuzzTest
    void socketFiltersAgreeWithKernel(FuzzedDataProvider data) {
        RandomPrograms gen = new RandomPrograms(choicesFrom(data), RandomPrograms.Flavor.SOCKET);
        Insn[] program = gen.program(40);
        if (data.consumeInt(0, 7) == 0) {
            program = gen.mutate(program);
        }
        byte[] code = RawFormat.encode(Program.of(program), ByteOrder.nativeOrder());
        String rejection = interpreted.rejection(code);
        Libc.Result attach = kernel.attach(code);
        String where = "\n" + Program.of(program);
        assertEquals(
                attach.failed(),
                rejection != null,
                () -> "Sluice " + (rejection == null ? "accepts" : "rejects: " + rejection) + "; kernel "
                        + (attach.failed() ? "rejects: " + attach : "accepts") + where);
        if (rejection != null) {
            assertEquals(Libc.EINVAL, attach.errno(), "the kernel refuses a bad program with EINVAL" + where);
            return;
        }
        int packets = 1 + data.consumeInt(0, 3);
        byte[][] frames = new byte[packets][];
        for (int i = 0; i < packets; i++) {
            frames[i] = gen.packet();
        }
        int[] verdicts = SluiceRunner.runPackets(interpreted.load(code), frames);
        boolean compile = !CAMPAIGN || ++inputs % COMPILE_EVERY == 0;
        int[] compiledVerdicts = compile ? SluiceRunner.runPackets(compiled.load(code), frames) : verdicts;
        for (int i = 0; i < packets; i++) {
            int live = kernel.run(frames[i]);
            int predicted = KernelSocketFilter.expectedOutcome(verdicts[i] & 0xffffffffL, frames[i].length);
            String packet = " on packet " + HexFormat.of().formatHex(frames[i]) + where;
            assertEquals(verdicts[i], compiledVerdicts[i], "interpreted and compiled verdicts" + packet);
            assertEquals(
                    predicted,
                    live,
                    "kernel outcome (-1 = dropped, else bytes kept) vs Sluice's verdict "
                            + Integer.toUnsignedString(verdicts[i]) + packet);
        }
    }
}
