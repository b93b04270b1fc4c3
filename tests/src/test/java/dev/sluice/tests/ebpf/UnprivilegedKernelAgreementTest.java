package dev.sluice.tests.ebpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.error.SluiceException;
import dev.sluice.ebpf.formats.AsmFormat;
import dev.sluice.ebpf.formats.RawFormat;
import dev.sluice.ebpf.isa.Program;
import dev.sluice.ebpf.isa.ProgramType;
import dev.sluice.ebpf.verify.StructuralCheck;
import dev.sluice.ebpf.verify.Verifier;
import dev.sluice.tests.kernel.KernelEbpf;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code ebpf.Unprivileged} against the kernel loading as an unprivileged user: a child JVM started by
 * {@code setpriv} with every capability dropped (no CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN, CAP_NET_ADMIN) loads socket
 * filters with {@code bpf(BPF_PROG_LOAD)}, and Sluice's verifier judges the same programs with the unprivileged rules.
 * The programs: the socket-filter-compatible cases of {@code unprivileged.cases} (each a rule, verdict compared one by
 * one) and the random generator's socket filters with mutants. The kernel lets unprivileged users load programs only
 * while {@code kernel.unprivileged_bpf_disabled} is 0: the test sets it for the child's run and restores it (Debian's
 * default is 2, which root may change; 1 is locked until reboot, and then the test skips).
 */
class UnprivilegedKernelAgreementTest {
    private static final Path SYSCTL = Path.of("/proc/sys/kernel/unprivileged_bpf_disabled");
    private static final Path CASES = Path.of("../language/ebpf/src/test/resources/verifier/unprivileged.cases");
    private static final String SUFFIX = " (refused for unprivileged programs, ebpf.Unprivileged)";

    private static void skip(String reason) {
        System.err.println("SKIPPED UnprivilegedKernelAgreementTest: " + reason);
        Assumptions.assumeTrue(false, "SKIPPED: " + reason);
    }

    /** Sluice's verdict with the unprivileged rules: null (accepted) or the message. */
    static String sluice(byte[] code) {
        try {
            Program p = RawFormat.decode(code);
            Verifier.verify(
                    p,
                    ProgramType.SOCKET_FILTER,
                    StructuralCheck.check(p, ProgramType.SOCKET_FILTER),
                    List.of(),
                    Verifier.DEFAULT_LIMIT,
                    true);
            return null;
        } catch (SluiceException e) {
            return e.getMessage();
        }
    }

    /** The cases that need no map and are not xdp, as (name, code). */
    static List<Map.Entry<String, byte[]>> cases() throws IOException {
        List<Map.Entry<String, byte[]>> out = new ArrayList<>();
        for (String block : Files.readString(CASES).split("(?m)^---$")) {
            if (block.contains("# maps:") || block.contains("# type: xdp")) {
                continue;
            }
            String name = block.replaceAll("(?s).*# name: ([^\n]*).*", "$1");
            StringBuilder asm = new StringBuilder();
            for (String line : block.split("\n")) {
                if (!line.startsWith("#") && !line.isBlank()) {
                    asm.append(line).append('\n');
                }
            }
            out.add(Map.entry(name, RawFormat.encode(AsmFormat.read(asm.toString(), name, 1))));
        }
        return out;
    }

    private static List<String> loadUnprivileged(List<byte[]> programs) throws IOException, InterruptedException {
        Path file = Files.createTempFile("sluice-unpriv", ".hex");
        StringBuilder sb = new StringBuilder();
        for (byte[] p : programs) {
            sb.append(HexFormat.of().formatHex(p)).append('\n');
        }
        Files.writeString(file, sb);
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = List.of(
                "setpriv",
                "--bounding-set=-all",
                "--inh-caps=-all",
                javaBin,
                "--enable-native-access=ALL-UNNAMED",
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-cp",
                System.getProperty("java.class.path"),
                UnprivilegedLoadChild.class.getName(),
                file.toString());
        String before = Files.readString(SYSCTL).strip();
        try {
            Files.writeString(SYSCTL, "0");
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int exit = p.waitFor();
            assertEquals(0, exit, "the child failed:\n" + output);
            List<String> lines = output.lines()
                    .filter(l -> l.equals("ok") || l.startsWith("errno "))
                    .toList();
            assertEquals(programs.size(), lines.size(), "the child's answers:\n" + output);
            return lines;
        } finally {
            Files.writeString(SYSCTL, before);
            Files.delete(file);
        }
    }

    @Test
    void theKernelAndSluiceJudgeUnprivilegedProgramsAlike() throws IOException, InterruptedException {
        String reason = KernelEbpf.unavailableReason();
        if (reason != null) {
            skip(reason);
        }
        if (!Files.isWritable(SYSCTL)) {
            skip(SYSCTL + " is not writable (not root)");
        }
        if (Files.readString(SYSCTL).strip().equals("1")) {
            skip("kernel.unprivileged_bpf_disabled is 1, locked until reboot");
        }
        if (!Files.exists(CASES)) {
            skip("no " + CASES.toAbsolutePath());
        }
        boolean setpriv = false;
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            setpriv |= Files.isExecutable(Path.of(dir, "setpriv"));
        }
        if (!setpriv) {
            skip("setpriv (util-linux) is not installed");
        }
        List<Map.Entry<String, byte[]>> cases = cases();
        int generated = Integer.getInteger("sluice.ebpf.unprivilegedPrograms", 300);
        Random rnd = new Random(VerifierKernelAgreementTest.BUILD_SEED);
        RandomEbpfPrograms gen = new RandomEbpfPrograms(rnd, RandomEbpfPrograms.Flavor.SOCKET_FILTER);
        List<byte[]> programs = new ArrayList<>();
        for (Map.Entry<String, byte[]> c : cases) {
            programs.add(c.getValue());
        }
        for (int i = 0; i < generated; i++) {
            RandomEbpfPrograms.Generated g = gen.program(5 + i % 30);
            programs.add(i % 2 == 1 ? EbpfAsm.encode(MutatedPrograms.mutate(g.insns(), rnd)) : g.code());
        }
        List<String> kernel = loadUnprivileged(programs);

        List<String> caseDisagreements = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            String ours = sluice(programs.get(i));
            boolean kernelOk = kernel.get(i).equals("ok");
            String kernelLine = kernelOk
                    ? "accepted"
                    : kernel.get(i).substring(kernel.get(i).indexOf('\t') + 1);
            if (kernelOk != (ours == null)) {
                caseDisagreements.add(cases.get(i).getKey() + ": kernel " + kernelLine + ", Sluice "
                        + (ours == null ? "accepted" : ours));
            }
            System.err.println("unprivileged case '" + cases.get(i).getKey() + "': kernel " + kernelLine + " | Sluice "
                    + (ours == null ? "accepted" : ours.replace(SUFFIX, "")));
        }
        int both = 0, neither = 0;
        Map<String, Integer> kernelOnly = new TreeMap<>(), sluiceOnly = new TreeMap<>();
        List<String> unexplained = new ArrayList<>();
        for (int i = cases.size(); i < programs.size(); i++) {
            String ours = sluice(programs.get(i));
            boolean kernelOk = kernel.get(i).equals("ok");
            if (kernelOk && ours == null) {
                both++;
            } else if (!kernelOk && ours != null) {
                neither++;
            } else if (kernelOk) {
                kernelOnly.merge(VerifierKernelAgreementTest.rule(ours), 1, Integer::sum);
            } else {
                String line = kernel.get(i).substring(kernel.get(i).indexOf('\t') + 1);
                sluiceOnly.merge(line.replaceAll("-?\\d+", "N"), 1, Integer::sum);
                if (VerifierKernelAgreementTest.EXPLAINED_KERNEL_ONLY_REFUSALS.stream()
                        .noneMatch(line::startsWith)) {
                    unexplained.add("program " + (i - cases.size()) + ": the kernel refuses (" + line
                            + "), Sluice accepts\n      " + HexFormat.of().formatHex(programs.get(i)));
                }
            }
        }
        System.err.printf(
                "UnprivilegedKernelAgreementTest: %d cases, %d agree; %d generated socket filters (half mutants): both accept %d, both refuse %d, "
                        + "only the kernel accepts %d %s, only Sluice accepts %d %s%n",
                cases.size(),
                cases.size() - caseDisagreements.size(),
                generated,
                both,
                neither,
                kernelOnly.values().stream().mapToInt(Integer::intValue).sum(),
                kernelOnly,
                sluiceOnly.values().stream().mapToInt(Integer::intValue).sum(),
                sluiceOnly);
        assertEquals(List.of(), caseDisagreements, "unprivileged.cases verdicts that differ from the kernel's");
        assertEquals(
                List.of(), unexplained.subList(0, Math.min(5, unexplained.size())), "programs only Sluice accepts");
        assertTrue(both > 0 && neither > 0, "both verdicts must occur");
    }
}
