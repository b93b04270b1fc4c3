package dev.sluice.tests.ebpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.testing.EngineMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Value;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Soundness of the verifier, as a property: every program it accepts runs to its end on any packet, interpreted and
 * compiled, and also unverified (every load and store under its run-time guard, where a verified program's proven
 * accesses have none), with equal results, without a run-time guard stopping it (no out-of-region access, no read-only write, no misaligned atomic,
 * no instruction limit, no bad helper argument). The programs are the random generator's (shaped for a verifier)
 * and mutants of them (one to three fields changed, so many sit just outside what is safe); the verifier must refuse
 * a good share of the mutants, or the property would say little. Sizes: {@code sluice.ebpf.soundnessPrograms}
 * [1000] per flavour (every fourth program also runs compiled, up to {@code sluice.ebpf.soundnessCompiled} [40]),
 * {@code sluice.ebpf.soundnessPackets} [4] packets each; the seed is printed ({@code -Dsluice.random.seed=N}).
 */
class VerifierSoundnessTest {
    /** Whether the program calls ktime_get_ns (5) or get_prandom_u32 (7), whose results differ between two runs. */
    private static boolean callsAClockOrRandom(byte[] code) {
        for (int at = 0; at + 8 <= code.length; at += 8) {
            int imm = (code[at + 4] & 0xff)
                    | (code[at + 5] & 0xff) << 8
                    | (code[at + 6] & 0xff) << 16
                    | (code[at + 7] & 0xff) << 24;
            if ((code[at] & 0xff) == 0x85 && (imm == 5 || imm == 7)) {
                return true;
            }
        }
        return false;
    }

    @ParameterizedTest
    @EnumSource(RandomEbpfPrograms.Flavor.class)
    void acceptedProgramsNeverHitAGuard(RandomEbpfPrograms.Flavor flavor) {
        long seed = RandomEbpfKernelTest.seed();
        int programs = Integer.getInteger("sluice.ebpf.soundnessPrograms", 1000);
        int compiledLimit = Integer.getInteger("sluice.ebpf.soundnessCompiled", 40);
        int packets = Integer.getInteger("sluice.ebpf.soundnessPackets", 4);
        Random rnd = new Random(seed);
        RandomEbpfPrograms gen = new RandomEbpfPrograms(rnd, flavor);
        String type = flavor == RandomEbpfPrograms.Flavor.XDP ? "xdp" : "socket_filter";
        int accepted = 0, refused = 0, mutantsAccepted = 0, mutantsRefused = 0, compiledPrograms = 0;
        long runs = 0;
        List<String> violations = new ArrayList<>();
        try (SluiceEbpfRunner interpreted = new SluiceEbpfRunner(EngineMode.INTERPRETED, type);
                SluiceEbpfRunner compiled = new SluiceEbpfRunner(EngineMode.COMPILED, type);
                SluiceEbpfRunner guarded = new SluiceEbpfRunner(EngineMode.INTERPRETED, type, "", false)) {
            for (int i = 0; i < programs; i++) {
                RandomEbpfPrograms.Generated g = gen.program(5 + i % 30);
                boolean mutant = i % 3 != 0;
                byte[] code = mutant ? EbpfAsm.encode(MutatedPrograms.mutate(g.insns(), rnd)) : g.code();
                Value program;
                try {
                    program = interpreted.load(code);
                } catch (PolyglotException e) {
                    assertTrue(e.isSyntaxError() && !e.isInternalError(), () -> "not a load-time error: " + e);
                    refused++;
                    mutantsRefused += mutant ? 1 : 0;
                    continue;
                }
                accepted++;
                mutantsAccepted += mutant ? 1 : 0;
                Value compiledProgram = null;
                if (i % 4 == 0 && compiledPrograms < compiledLimit) {
                    compiledProgram = compiled.load(code);
                    compiledPrograms++;
                }
                // The verified program's proven loads and stores run without their guards; the same program unverified
                // runs every one under its guard. A wrong proof shows as a guard stopping the unverified run, or as
                // results that differ.
                Value guardedProgram = guarded.load(code);
                for (int j = 0; j < packets; j++) {
                    byte[] frame = gen.packet(g);
                    SluiceEbpfRunner.FrameRun reference = null;
                    for (Value p : compiledProgram == null
                            ? List.of(guardedProgram, program)
                            : List.of(guardedProgram, program, compiledProgram)) {
                        try {
                            SluiceEbpfRunner.FrameRun result =
                                    SluiceEbpfRunner.runOnFrame(p, flavor == RandomEbpfPrograms.Flavor.XDP, frame);
                            runs++;
                            if (reference == null) {
                                reference = result;
                            } else if ((reference.r0() != result.r0()
                                            || !java.util.Arrays.equals(reference.packet(), result.packet()))
                                    && !callsAClockOrRandom(code)) {
                                violations.add("program " + i + " verified, then computed r0 " + result.r0()
                                        + " where the guarded run computed " + reference.r0() + "\n      "
                                        + java.util.HexFormat.of().formatHex(code) + "\n      packet "
                                        + java.util.HexFormat.of().formatHex(frame));
                            }
                        } catch (PolyglotException e) {
                            if (e.isInternalError() || e.isHostException()) {
                                throw e;
                            }
                            violations.add("program " + i + " (" + (mutant ? "mutant" : "generated")
                                    + ") verified, then stopped on a " + frame.length + "-byte packet: "
                                    + e.getMessage() + "\n      "
                                    + java.util.HexFormat.of().formatHex(code) + "\n      packet "
                                    + java.util.HexFormat.of().formatHex(frame));
                        }
                    }
                }
            }
        }
        System.err.printf(
                "VerifierSoundnessTest %s: seed %d, %d programs: verified %d (mutants %d), refused %d (mutants %d); %d runs (%d programs also compiled), %d stopped by a guard%n",
                flavor,
                seed,
                programs,
                accepted,
                mutantsAccepted,
                refused,
                mutantsRefused,
                runs,
                compiledPrograms,
                violations.size());
        assertEquals(
                List.of(),
                violations.subList(0, Math.min(10, violations.size())),
                "verified programs that a run-time guard stopped");
        assertTrue(
                accepted > programs / 3 && mutantsRefused > programs / 10,
                "both verdicts must be common: verified " + accepted + ", mutants refused " + mutantsRefused);
    }
}
