package dev.sluice.tests.ebpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.error.SluiceException;
import dev.sluice.ebpf.formats.RawFormat;
import dev.sluice.ebpf.isa.Program;
import dev.sluice.ebpf.isa.ProgramType;
import dev.sluice.ebpf.verify.StructuralCheck;
import dev.sluice.ebpf.verify.Verifier;
import dev.sluice.tests.kernel.KernelEbpf;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Sluice's verifier against the kernel's ({@code bpf(BPF_PROG_LOAD)} with the log) on the random generator's programs
 * and on mutants of them (one to three fields changed). Every program lands in one of four classes: both accept,
 * both refuse, only the kernel accepts (Sluice is less precise), only Sluice accepts (Sluice is more permissive, which
 * must be explained: the kernel refuses at an instruction Sluice proves dead (Sluice knows constants the kernel does not
 * track: division, modulo, byte swaps, sign extension, shifts by a register of the width or more, which RFC 9669
 * masks; the size bound of a legacy load's result), or a kernel rule that is not about safety). The counts and each
 * disagreement's rule are printed;
 * docs/ebpf-verifier.md explains the classes. Sizes: {@code sluice.ebpf.verifierPrograms} [400] per flavour, half
 * of them mutants.
 */
class VerifierKernelAgreementTest {
    /**
     * Kernel refusals that Sluice's verifier does not share, each a kernel rule that is not about memory safety or
     * termination of Sluice's run time (docs/ebpf-verifier.md): the last line of the kernel's log starts with one of
     * these.
     */
    static final List<String> EXPLAINED_KERNEL_ONLY_REFUSALS = List.of(
            // A pointer stored onto the stack with fewer than 8 bytes: the kernel refuses it always; Sluice keeps
            // the bytes as a number (what a later load gives is a scalar), which no access can use as a pointer.
            "invalid size of register spill",
            // The kernel's exploration reached its 1,000,000-instruction limit; Sluice's ended within its own
            // limit (its constants and pruning differ), so its proof is complete: a verdict of precision, not safety.
            "BPF program is too large",
            // An atomic fetch-and-add on a stack slot holding a spilled ctx pointer (seed 20261129, socket_filter
            // mutant 385): the kernel fetches the pointer into the register and later refuses arithmetic on it;
            // Sluice reads the old value as a number (Reg.UNKNOWN), which no access can use as a pointer, so the
            // program stays memory-safe (privileged mode allows pointer bits as numbers; ebpf.Unprivileged refuses
            // such an atomic: unprivileged.cases).
            "math between ctx pointer and register with unbounded min value is not allowed");

    @BeforeAll
    static void kernelAvailable() {
        String reason = KernelEbpf.unavailableReason();
        if (reason != null) {
            System.err.println("SKIPPED VerifierKernelAgreementTest: " + reason);
        }
        Assumptions.assumeTrue(reason == null, "SKIPPED: " + reason);
    }

    /** Sluice's verdict: the verifier's result, or the error message. */
    static Object sluiceVerdict(byte[] code, ProgramType type) {
        try {
            Program p = RawFormat.decode(code);
            return Verifier.verify(p, type, StructuralCheck.check(p, type), List.of(), Verifier.DEFAULT_LIMIT);
        } catch (SluiceException e) {
            return e.getMessage();
        }
    }

    private static final java.util.regex.Pattern KERNEL_INSN = java.util.regex.Pattern.compile("(?m)^(\\d+): \\(");

    /** The instruction the kernel's log shows last before its error: where it refused the program. */
    static int kernelFailingInsn(String log) {
        java.util.regex.Matcher m = KERNEL_INSN.matcher(log);
        int last = -1;
        while (m.find()) {
            last = Integer.parseInt(m.group(1));
        }
        return last;
    }

    /** The rule of a message, without the numbers: "insn 7: R3 invalid mem access 'scalar' (...)" -> "R invalid mem access 'scalar'". */
    static String rule(String message) {
        String m = message.replaceFirst("^insn \\d+: ", "")
                .replaceAll("\\(.*", "")
                .replaceAll("-?\\d+", "")
                .replaceAll("\\s+", " ")
                .strip();
        return m.length() > 90 ? m.substring(0, 90) : m;
    }

    static String lastLine(String log) {
        String[] lines = log.strip().split("\n");
        for (int i = lines.length - 1; i >= 0; i--) {
            if (!lines[i].startsWith("processed ") && !lines[i].isBlank()) {
                return lines[i];
            }
        }
        return "";
    }

    static final long BUILD_SEED = 20261129L;

    @ParameterizedTest
    @EnumSource(RandomEbpfPrograms.Flavor.class)
    void sluiceAndTheKernelAgree(RandomEbpfPrograms.Flavor flavor) {
        // A build uses a fixed seed: a class of disagreement not yet explained must not turn a build red at random.
        // Longer runs choose theirs (-Dsluice.random.seed=N, or a random one with -Dsluice.random.seed=random).
        String given = System.getProperty("sluice.random.seed", "");
        long seed =
                given.isEmpty() ? BUILD_SEED : given.equals("random") ? new Random().nextLong() : Long.parseLong(given);
        int programs = Integer.getInteger("sluice.ebpf.verifierPrograms", 400);
        Random rnd = new Random(seed);
        RandomEbpfPrograms gen = new RandomEbpfPrograms(rnd, flavor);
        ProgramType type = flavor == RandomEbpfPrograms.Flavor.XDP ? ProgramType.XDP : ProgramType.SOCKET_FILTER;
        int both = 0, neither = 0;
        Map<String, Integer> kernelOnly = new TreeMap<>(); // Sluice's rule -> count
        Map<String, Integer> sluiceOnly = new TreeMap<>(); // the kernel's rule -> count
        List<String> examples = new ArrayList<>();
        List<String> originalsRefused = new ArrayList<>();
        List<String> unexplained = new ArrayList<>();
        for (int i = 0; i < programs; i++) {
            RandomEbpfPrograms.Generated g = gen.program(5 + i % 30);
            boolean mutant = i % 2 == 1;
            byte[] code = mutant ? EbpfAsm.encode(MutatedPrograms.mutate(g.insns(), rnd)) : g.code();
            KernelEbpf.Load load = KernelEbpf.load(flavor.progType, code);
            if (load.ok()) {
                KernelEbpf.close(load.fd());
            }
            Object verdict = sluiceVerdict(code, type);
            String sluice = verdict instanceof String message ? message : null;
            String listing = mutant ? "(a mutant)" : g.listing();
            if (load.ok() && sluice == null) {
                both++;
            } else if (!load.ok() && sluice != null) {
                neither++;
            } else if (load.ok()) {
                kernelOnly.merge(rule(sluice), 1, Integer::sum);
                if (!mutant) {
                    originalsRefused.add("program " + i + ": " + sluice + "\n" + listing);
                }
                if (examples.size() < 12) {
                    examples.add("kernel accepts, Sluice refuses: " + sluice + "\n"
                            + RawFormat.decode(code).length() + " slots: "
                            + java.util.HexFormat.of().formatHex(code));
                }
            } else {
                String kernelRule = lastLine(load.log());
                int at = kernelFailingInsn(load.log());
                boolean deadForSluice = at >= 0 && !((Verifier.Result) verdict).reached(at);
                sluiceOnly.merge((deadForSluice ? "(dead code for Sluice) " : "") + rule(kernelRule), 1, Integer::sum);
                if (!deadForSluice && EXPLAINED_KERNEL_ONLY_REFUSALS.stream().noneMatch(kernelRule::startsWith)) {
                    unexplained.add("program " + i + ": Sluice accepts, the kernel refuses: " + kernelRule + "\n      "
                            + java.util.HexFormat.of().formatHex(code));
                }
            }
        }
        System.err.printf(
                "VerifierKernelAgreementTest %s: seed %d, %d programs (half mutants): both accept %d, both refuse %d, only the kernel accepts %d, only Sluice accepts %d%n",
                flavor,
                seed,
                programs,
                both,
                neither,
                kernelOnly.values().stream().mapToInt(Integer::intValue).sum(),
                sluiceOnly.values().stream().mapToInt(Integer::intValue).sum());
        System.err.println("  only the kernel accepts, by Sluice's rule: " + kernelOnly);
        System.err.println("  only Sluice accepts, by the kernel's rule: " + sluiceOnly);
        examples.forEach(e -> System.err.println("  " + e));
        assertEquals(
                List.of(),
                originalsRefused,
                "Sluice must verify every program of the generator that the kernel accepts (the differential test runs them)");
        assertEquals(
                List.of(),
                unexplained.subList(0, Math.min(10, unexplained.size())),
                "programs only Sluice accepts, for a reason not explained");
        assertTrue(
                both > programs / 3 && neither > programs / 10,
                "both outcomes must occur often: both accept " + both + ", both refuse " + neither);
    }
}
