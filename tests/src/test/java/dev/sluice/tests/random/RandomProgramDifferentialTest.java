package dev.sluice.tests.random;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.bpf.formats.RawFormat;
import dev.sluice.bpf.isa.Insn;
import dev.sluice.bpf.isa.Program;
import dev.sluice.core.seccomp.Arch;
import dev.sluice.core.seccomp.SeccompAction;
import dev.sluice.core.seccomp.SeccompData;
import dev.sluice.core.testing.EngineMode;
import dev.sluice.tests.SluiceRunner;
import dev.sluice.tests.kernel.KernelSeccomp;
import dev.sluice.tests.kernel.KernelSeccomp.Outcome;
import dev.sluice.tests.kernel.KernelSocketFilter;
import dev.sluice.tests.kernel.Libc;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.graalvm.polyglot.Value;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Differential testing on random programs: Sluice interpreted, Sluice compiled by Graal (every call target compiled
 * on its first call) and the live kernel must agree on every (program, input) pair, and the kernel's load-time
 * checks must agree with Sluice's verifier on randomly broken programs.
 *
 * <p>The seed is printed; rerun a failure with {@code -Dsluice.random.seed=N}. Sizes (defaults in brackets):
 * {@code sluice.random.programs} [200] x {@code sluice.random.packets} [50] socket pairs,
 * {@code sluice.random.seccompPrograms} [100] x {@code sluice.random.probes} [20] seccomp pairs,
 * {@code sluice.random.mutants} [2000] socket and {@code sluice.random.seccompMutants} [300] seccomp load checks.
 * A seccomp probe that ends the process (KILL_PROCESS) costs a new child JVM, so only the first such prediction of
 * each program is sent to the kernel, at most {@code sluice.random.processKills} [8] in all; the others are still
 * compared interpreted against compiled.
 * Compilation dominates the time (one Graal compilation per program), so the defaults favour many inputs per program.
 * A larger run, e.g. one million socket pairs:
 *
 * <pre>
 * ./mvnw -pl tests -am test -Dtest=RandomProgramDifferentialTest -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dsluice.random.programs=50000 -Dsluice.random.packets=20 -Dsluice.random.seed=1
 * </pre>
 */
class RandomProgramDifferentialTest {
    private static final int MAX_LENGTH = 40;
    private static final int MAX_REPORTED = 15;
    private static long seed;

    @BeforeAll
    static void chooseSeed() {
        seed = RandomPrograms.seed();
        System.err.println(
                "RandomProgramDifferentialTest: seed " + seed + " (rerun with -Dsluice.random.seed=" + seed + ")");
    }

    private static void skipUnless(String reason, String what) {
        if (reason != null) {
            System.err.println("SKIPPED RandomProgramDifferentialTest." + what + ": " + reason);
        }
        Assumptions.assumeTrue(reason == null, "SKIPPED: " + reason);
    }

    static String dump(Insn[] program) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < program.length; i++) {
            sb.append(String.format("    %3d: %s%n", i, program[i]));
        }
        return sb.toString();
    }

    static byte[] raw(Insn[] program) {
        return RawFormat.encode(Program.of(program), ByteOrder.nativeOrder());
    }

    private static void report(List<String> mismatches, String text) {
        if (mismatches.size() < MAX_REPORTED) {
            mismatches.add(text);
        } else {
            mismatches.add("");
        }
    }

    private static void assertNoMismatches(String what, long pairs, List<String> mismatches) {
        System.err.printf(
                "RandomProgramDifferentialTest.%s: seed %d, %d pairs compared, %d mismatches%n",
                what, seed, pairs, mismatches.size());
        if (!mismatches.isEmpty()) {
            StringBuilder sb = new StringBuilder(mismatches.size() + " mismatches (seed " + seed + "), first ones:\n");
            mismatches.stream()
                    .filter(s -> !s.isEmpty())
                    .forEach(s -> sb.append(s).append('\n'));
            throw new AssertionError(sb.toString());
        }
    }

    @Test
    void socketFiltersAgree() {
        skipUnless(KernelSocketFilter.unavailableReason(), "socketFiltersAgree");
        int programs = RandomPrograms.intProperty("sluice.random.programs", 200);
        int packetsPer = RandomPrograms.intProperty("sluice.random.packets", 50);
        RandomPrograms gen = new RandomPrograms(new Random(seed ^ 0x50c4e7L), RandomPrograms.Flavor.SOCKET);
        List<String> mismatches = new ArrayList<>();
        long pairs = 0;
        long kept = 0;
        long dropped = 0;
        HexFormat hex = HexFormat.of();
        try (SluiceRunner interpreted = new SluiceRunner(EngineMode.INTERPRETED, "socket");
                SluiceRunner compiled = new SluiceRunner(EngineMode.COMPILED, "socket");
                KernelSocketFilter kernel = new KernelSocketFilter()) {
            assertNotEquals(
                    "Interpreted", compiled.engine().getImplementationName(), "the Graal compiler is not active");
            for (int i = 0; i < programs; i++) {
                Insn[] program = gen.program(MAX_LENGTH);
                byte[] code = raw(program);
                byte[][] packets = new byte[packetsPer][];
                for (int j = 0; j < packetsPer; j++) {
                    packets[j] = gen.packet();
                }
                String rejection = interpreted.rejection(code);
                Libc.Result attach = kernel.attach(code);
                if (rejection != null || attach.failed()) {
                    report(
                            mismatches,
                            "program " + i + ": generator made a program that Sluice "
                                    + (rejection == null ? "accepts" : "rejects (" + rejection + ")")
                                    + " and the kernel " + (attach.failed() ? "rejects (" + attach + ")" : "accepts")
                                    + ":\n" + dump(program));
                    continue;
                }
                int[] vi = SluiceRunner.runPackets(interpreted.load(code), packets);
                int[] vc = SluiceRunner.runPackets(compiled.load(code), packets);
                for (int j = 0; j < packetsPer; j++) {
                    int live = kernel.run(packets[j]);
                    int predicted = KernelSocketFilter.expectedOutcome(vi[j], packets[j].length);
                    pairs++;
                    if (live == KernelSocketFilter.DROPPED) {
                        dropped++;
                    } else {
                        kept++;
                    }
                    if (vi[j] != vc[j] || live != predicted) {
                        report(
                                mismatches,
                                String.format(
                                        "program %d packet %d: interpreted %s, compiled %s, kernel %s%n  packet (%d bytes) %s%n%s",
                                        i,
                                        j,
                                        Integer.toUnsignedString(vi[j]),
                                        Integer.toUnsignedString(vc[j]),
                                        live == KernelSocketFilter.DROPPED ? "dropped" : "kept " + live,
                                        packets[j].length,
                                        hex.formatHex(packets[j]),
                                        dump(program)));
                    }
                }
            }
        }
        System.err.printf(
                "RandomProgramDifferentialTest.socketFiltersAgree: %d programs, kernel kept %d and dropped %d packets%n",
                programs, kept, dropped);
        assertNoMismatches("socketFiltersAgree", pairs, mismatches);
        assertTrue(
                kept > pairs / 20 && dropped > pairs / 20,
                "random programs should both keep and drop packets: kept " + kept + ", dropped " + dropped);
    }

    @Test
    void socketLoadChecksAgree() {
        skipUnless(KernelSocketFilter.unavailableReason(), "socketLoadChecksAgree");
        int mutants = RandomPrograms.intProperty("sluice.random.mutants", 2000);
        RandomPrograms gen = new RandomPrograms(new Random(seed ^ 0x3a7a7eL), RandomPrograms.Flavor.SOCKET);
        List<String> mismatches = new ArrayList<>();
        int rejected = 0;
        try (SluiceRunner sluice = new SluiceRunner(EngineMode.INTERPRETED, "socket");
                KernelSocketFilter kernel = new KernelSocketFilter()) {
            for (int i = 0; i < mutants; i++) {
                Insn[] program = gen.mutate(gen.program(MAX_LENGTH));
                byte[] code = raw(program);
                String rejection = sluice.rejection(code);
                Libc.Result attach = kernel.attach(code);
                if (attach.failed()) {
                    rejected++;
                }
                boolean kernelRejects = attach.failed() && attach.errno() == Libc.EINVAL;
                if ((rejection != null) != kernelRejects || attach.failed() && !kernelRejects) {
                    report(
                            mismatches,
                            "mutant " + i + ": Sluice " + (rejection == null ? "accepts" : "rejects: " + rejection)
                                    + "; kernel " + (attach.failed() ? "rejects: " + attach : "accepts") + "\n"
                                    + dump(program));
                }
            }
        }
        System.err.printf(
                "RandomProgramDifferentialTest.socketLoadChecksAgree: %d mutants, %d rejected by the kernel%n",
                mutants, rejected);
        assertNoMismatches("socketLoadChecksAgree", mutants, mismatches);
        assertTrue(
                rejected > mutants / 5 && rejected < mutants,
                "mutants should be a mix of valid and invalid programs: " + rejected + " of " + mutants + " rejected");
    }

    @Test
    void seccompFiltersAgree() throws Exception {
        skipUnless(KernelSeccomp.unavailableReason(), "seccompFiltersAgree");
        int programs = RandomPrograms.intProperty("sluice.random.seccompPrograms", 100);
        int probesPer = RandomPrograms.intProperty("sluice.random.probes", 20);
        int killBudget = RandomPrograms.intProperty("sluice.random.processKills", 8);
        RandomPrograms gen = new RandomPrograms(new Random(seed ^ 0x5ecc0L), RandomPrograms.Flavor.SECCOMP);
        long parentPid = ProcessHandle.current().pid();
        List<String> mismatches = new ArrayList<>();
        List<Insn[]> generated = new ArrayList<>();
        List<KernelSeccomp.Probe[]> allProbes = new ArrayList<>();
        List<int[]> verdicts = new ArrayList<>();
        List<KernelSeccomp.Job> jobs = new ArrayList<>();
        List<int[]> sentIndexes = new ArrayList<>();
        long sluicePairs = 0;
        int notSent = 0;
        int[] actions = new int[SeccompAction.values().length];
        try (SluiceRunner interpreted = new SluiceRunner(EngineMode.INTERPRETED, "seccomp");
                SluiceRunner compiled = new SluiceRunner(EngineMode.COMPILED, "seccomp")) {
            for (int i = 0; i < programs; i++) {
                Insn[] program = gen.program(MAX_LENGTH);
                byte[] code = raw(program);
                KernelSeccomp.Probe[] probes = new KernelSeccomp.Probe[probesPer];
                byte[] records = new byte[probesPer * SeccompData.SIZE];
                for (int j = 0; j < probesPer; j++) {
                    probes[j] = gen.probe();
                    SeccompData.encodeInto(
                            records, j * SeccompData.SIZE, Arch.X86_64, probes[j].nr(), 0, probes[j].args());
                }
                String rejection = interpreted.rejection(code);
                if (rejection != null) {
                    report(
                            mismatches,
                            "program " + i + ": generator made a program that Sluice rejects (" + rejection + "):\n"
                                    + dump(program));
                    continue;
                }
                int[] vi = runRecords(interpreted.load(code), records, probesPer);
                int[] vc = runRecords(compiled.load(code), records, probesPer);
                // Every probe runs on the kernel except repeated KILL_PROCESS predictions: each kill costs a new
                // child JVM, so at most one per program (and killBudget in all) is sent.
                List<KernelSeccomp.Probe> sent = new ArrayList<>();
                List<Integer> sentIdx = new ArrayList<>();
                boolean killSent = false;
                for (int j = 0; j < probesPer; j++) {
                    sluicePairs++;
                    actions[SeccompAction.of(vi[j]).ordinal()]++;
                    if (vi[j] != vc[j]) {
                        report(
                                mismatches,
                                String.format(
                                        "program %d probe %d: interpreted %s, compiled %s%n%s",
                                        i, j, SeccompAction.format(vi[j]), SeccompAction.format(vc[j]), dump(program)));
                    }
                    if (SeccompAction.of(vi[j]) == SeccompAction.KILL_PROCESS) {
                        if (killSent || killBudget == 0) {
                            notSent++;
                            continue;
                        }
                        killSent = true;
                        killBudget--;
                    }
                    sent.add(probes[j]);
                    sentIdx.add(j);
                }
                generated.add(program);
                allProbes.add(probes);
                verdicts.add(vi);
                jobs.add(new KernelSeccomp.Job(code, sent));
                sentIndexes.add(sentIdx.stream().mapToInt(Integer::intValue).toArray());
            }
        }
        List<KernelSeccomp.JobResult> live = KernelSeccomp.run(jobs, 180);
        long kernelPairs = 0;
        for (int i = 0; i < jobs.size(); i++) {
            KernelSeccomp.JobResult result = live.get(i);
            if (result.rejected() != null) {
                report(
                        mismatches,
                        "program " + i + ": Sluice accepts, the kernel rejects (" + result.rejected() + "):\n"
                                + dump(generated.get(i)));
                continue;
            }
            int[] idx = sentIndexes.get(i);
            for (int s = 0; s < idx.length; s++) {
                int j = idx[s];
                KernelSeccomp.Probe p = allProbes.get(i)[j];
                int v = verdicts.get(i)[j];
                Outcome predicted = KernelSeccomp.predict(v, p, parentPid);
                Outcome actual = result.outcomes().get(s);
                kernelPairs++;
                if (!predicted.equals(actual)) {
                    report(
                            mismatches,
                            String.format(
                                    "program %d probe %d (nr %d, args %s): Sluice %s predicts %s, kernel %s%n%s",
                                    i,
                                    j,
                                    p.nr(),
                                    java.util.Arrays.toString(p.args()),
                                    SeccompAction.format(v),
                                    predicted,
                                    actual,
                                    dump(generated.get(i))));
                }
            }
        }
        StringBuilder mix = new StringBuilder();
        for (SeccompAction a : SeccompAction.values()) {
            mix.append(' ').append(a).append('=').append(actions[a.ordinal()]);
        }
        System.err.printf(
                "RandomProgramDifferentialTest.seccompFiltersAgree: %d programs, %d probes interpreted vs compiled, %d on the kernel"
                        + " (%d repeated KILL_PROCESS predictions not sent); verdicts:%s%n",
                programs, sluicePairs, kernelPairs, notSent, mix);
        assertNoMismatches("seccompFiltersAgree", kernelPairs, mismatches);
        assertTrue(
                actions[SeccompAction.ALLOW.ordinal()] > 0
                        && actions[SeccompAction.ERRNO.ordinal()] > 0
                        && actions[SeccompAction.TRAP.ordinal()] > 0,
                "random seccomp programs should reach several actions:" + mix);
    }

    private static int[] runRecords(Value filter, byte[] records, int n) {
        int[] out = new int[n];
        filter.invokeMember("runRecords", records, SeccompData.SIZE, out);
        return out;
    }

    @Test
    void seccompLoadChecksAgree() throws Exception {
        skipUnless(KernelSeccomp.unavailableReason(), "seccompLoadChecksAgree");
        int mutants = RandomPrograms.intProperty("sluice.random.seccompMutants", 300);
        RandomPrograms gen = new RandomPrograms(new Random(seed ^ 0x5ecc1L), RandomPrograms.Flavor.SECCOMP);
        RandomPrograms socketGen = new RandomPrograms(new Random(seed ^ 0x5ecc2L), RandomPrograms.Flavor.SOCKET);
        List<Insn[]> programs = new ArrayList<>();
        List<KernelSeccomp.Job> jobs = new ArrayList<>();
        for (int i = 0; i < mutants; i++) {
            // Mostly broken seccomp programs; some socket programs, which use instructions seccomp forbids.
            Insn[] program = i % 5 == 4 ? socketGen.program(MAX_LENGTH) : gen.mutate(gen.program(MAX_LENGTH));
            programs.add(program);
            jobs.add(new KernelSeccomp.Job(raw(program), List.of()));
        }
        List<KernelSeccomp.JobResult> live = KernelSeccomp.run(jobs, 120);
        List<String> mismatches = new ArrayList<>();
        int rejected = 0;
        try (SluiceRunner sluice = new SluiceRunner(EngineMode.INTERPRETED, "seccomp")) {
            for (int i = 0; i < mutants; i++) {
                String rejection = sluice.rejection(jobs.get(i).program());
                Outcome.NotInstalled kernel = live.get(i).rejected();
                if (kernel != null) {
                    rejected++;
                }
                boolean kernelRejects = kernel != null && kernel.errno() == Libc.EINVAL;
                if ((rejection != null) != kernelRejects || kernel != null && !kernelRejects) {
                    report(
                            mismatches,
                            "mutant " + i + ": Sluice " + (rejection == null ? "accepts" : "rejects: " + rejection)
                                    + "; kernel " + (kernel != null ? "rejects: " + kernel : "accepts") + "\n"
                                    + dump(programs.get(i)));
                }
            }
        }
        System.err.printf(
                "RandomProgramDifferentialTest.seccompLoadChecksAgree: %d mutants, %d rejected by the kernel%n",
                mutants, rejected);
        assertNoMismatches("seccompLoadChecksAgree", mutants, mismatches);
        assertTrue(
                rejected > mutants / 5 && rejected < mutants,
                "mutants should be a mix of valid and invalid programs: " + rejected + " of " + mutants + " rejected");
    }
}
