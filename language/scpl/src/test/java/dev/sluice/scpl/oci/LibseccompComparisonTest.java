package dev.sluice.scpl.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.bpf.formats.RawFormat;
import dev.sluice.bpf.isa.Program;
import dev.sluice.core.seccomp.Arch;
import dev.sluice.core.seccomp.SeccompData;
import dev.sluice.scpl.BpfRunner;
import dev.sluice.scpl.compile.CompileOptions;
import dev.sluice.scpl.compile.CompileResult;
import dev.sluice.scpl.compile.ScplCompiler;
import dev.sluice.scpl.oci.OciImporter.ImportOptions;
import dev.sluice.scpl.policy.Policy;
import dev.sluice.scpl.syscalls.SyscallTable;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Side by side with libseccomp: one rule list ({@code oci/libseccomp-compare.json}, more than 300 syscalls and
 * argument rules) becomes SCPL through {@link OciImporter} and libseccomp calls through
 * {@code language/scpl/tools/libseccomp-compare.py} (binary tree, CTL_OPTIMIZE = 2). Both filters must give the same
 * verdicts (and the verdicts {@link OciMeaning} reads from the JSON) on every x86_64 syscall and on argument vectors
 * from the rules' constants. Then instruction counts and the mean number of instructions executed per syscall over
 * the whole table (zero arguments), counted with the bpf language's step trace instrument ({@link BpfRunner#steps}). Needs python3-seccomp; without it
 * the test is skipped visibly.
 */
class LibseccompComparisonTest {
    static final String RULES = "libseccomp-compare.json";

    record Libseccomp(Program program, String version) {}

    /** A python3 that can import seccomp (Debian's python3-seccomp), or null. */
    static String pythonWithSeccomp() throws InterruptedException {
        for (String python : List.of("/usr/bin/python3", "python3")) {
            try {
                Process p = new ProcessBuilder(python, "-c", "import seccomp")
                        .redirectErrorStream(true)
                        .start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return python;
                }
            } catch (IOException e) {
                // not there: try the next one
            }
        }
        return null;
    }

    static Path tool() {
        Path p = Path.of("tools/libseccomp-compare.py"); // surefire runs in the module directory
        return Files.exists(p) ? p : Path.of("language/scpl/tools/libseccomp-compare.py");
    }

    static Libseccomp libseccomp(String python, Path rules) throws IOException, InterruptedException {
        Path out = Files.createTempFile("libseccomp", ".bpf");
        try {
            Process p = new ProcessBuilder(python, tool().toString(), rules.toString(), out.toString()).start();
            String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String stderr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "libseccomp-compare.py timed out");
            assertEquals(0, p.exitValue(), "libseccomp-compare.py failed: " + stderr);
            JsonNode report = new ObjectMapper().readTree(stdout);
            Program prog = RawFormat.decode(Files.readAllBytes(out), ByteOrder.nativeOrder());
            assertEquals(report.get("instructions").asInt(), prog.length());
            return new Libseccomp(prog, report.get("libseccomp").asText());
        } finally {
            Files.deleteIfExists(out);
        }
    }

    static int steps(BpfRunner traced, int nr) {
        return traced.steps(SeccompData.encode(Arch.X86_64, nr, 0L, new long[6]));
    }

    @Test
    void fewerExecutedInstructionsThanLibseccompWithTheSameVerdicts() throws Exception {
        String python = pythonWithSeccomp();
        if (python == null) {
            System.err.println(
                    "SKIPPED: LibseccompComparisonTest: python3-seccomp is not installed (apt-get install python3-seccomp)");
        }
        Assumptions.assumeTrue(
                python != null, "SKIPPED: python3-seccomp is not installed (apt-get install python3-seccomp)");
        Path rules;
        try {
            rules = Path.of(
                    LibseccompComparisonTest.class.getResource("/oci/" + RULES).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        String json = Files.readString(rules);
        JsonNode profile = new ObjectMapper().readTree(json);
        Set<String> named = new java.util.TreeSet<>();
        profile.get("syscalls").forEach(e -> e.get("names").forEach(n -> named.add(n.asText())));
        assertTrue(named.size() > 300, "the policy names " + named.size() + " syscalls");

        String scpl = OciImporter.toScpl(json, RULES, Set.of(), ImportOptions.defaults());
        CompileResult ours = ScplCompiler.compile(
                "libseccomp-compare.scpl", scpl, CompileOptions.defaults().resolver(Policy.IncludeResolver.NONE));
        assertEquals(List.of(), ours.warnings());
        Libseccomp lib = libseccomp(python, rules);

        // the same verdicts: SCPL's filter, libseccomp's filter and the JSON's meaning
        OciMeaning meaning = new OciMeaning(profile, Set.of(), "amd64");
        List<Long> constants = OciImporterTest.constants(profile);
        Map<String, Integer> table = SyscallTable.forArch(Arch.X86_64).all();
        int cases = 0;
        // Instructions executed are counted in runners of their own, so the verdict runs are not instrumented.
        BpfRunner oursTraced = new BpfRunner(ours.program(), Arch.X86_64);
        BpfRunner libTraced = new BpfRunner(lib.program(), Arch.X86_64);
        long argCases = 0;
        long oursArgSteps = 0;
        long libArgSteps = 0;
        try (BpfRunner sluice = new BpfRunner(ours.program(), Arch.X86_64);
                BpfRunner libseccomp = new BpfRunner(lib.program(), Arch.X86_64)) {
            for (Map.Entry<String, Integer> sc : table.entrySet()) {
                int nr = sc.getValue();
                List<JsonNode> withArgs = new ArrayList<>();
                profile.get("syscalls").forEach(e -> {
                    if (e.has("args") && OciMeaning.names(e, Arch.X86_64, nr)) {
                        withArgs.add(e);
                    }
                });
                List<long[]> vectors =
                        withArgs.isEmpty() ? List.of(new long[6]) : OciImporterTest.vectors(constants, withArgs);
                for (long[] args : vectors) {
                    long expected = meaning.verdict(Arch.X86_64, nr, args);
                    long fromLibseccomp = libseccomp.run(nr, args);
                    long fromSluice = sluice.run(nr, args);
                    cases++;
                    if (!withArgs.isEmpty()) {
                        byte[] data = SeccompData.encode(Arch.X86_64, nr, 0L, args);
                        argCases++;
                        oursArgSteps += oursTraced.steps(data);
                        libArgSteps += libTraced.steps(data);
                    }
                    if (expected != fromLibseccomp || expected != fromSluice) {
                        throw new AssertionError(String.format(
                                "%s (nr %d), args %s: the rules mean 0x%08x; libseccomp gives 0x%08x, SCPL 0x%08x",
                                sc.getKey(),
                                nr,
                                java.util.Arrays.toString(args),
                                expected,
                                fromLibseccomp,
                                fromSluice));
                    }
                }
            }
        }

        long oursTotal = 0;
        long libTotal = 0;
        int oursMax = 0;
        int libMax = 0;
        for (int nr : table.values()) {
            int o = steps(oursTraced, nr);
            int l = steps(libTraced, nr);
            oursTotal += o;
            libTotal += l;
            oursMax = Math.max(oursMax, o);
            libMax = Math.max(libMax, l);
        }
        oursTraced.close();
        libTraced.close();
        double oursMean = (double) oursTotal / table.size();
        double libMean = (double) libTotal / table.size();
        String report = String.format(
                java.util.Locale.ROOT,
                "| filter | instructions | mean executed per syscall | max executed |%n|---|---|---|---|%n| SCPL (Sluice) | %d | %.2f | %d |%n| libseccomp %s, binary tree | %d | %.2f | %d |%n"
                        + "%n%d syscalls named, %d x86_64 table entries, %d verdict cases agree.%n"
                        + "On the %d argument vectors of the syscalls with argument rules: SCPL %.2f, libseccomp %.2f executed on average.%n",
                ours.program().length(),
                oursMean,
                oursMax,
                lib.version(),
                lib.program().length(),
                libMean,
                libMax,
                named.size(),
                table.size(),
                cases,
                argCases,
                (double) oursArgSteps / argCases,
                (double) libArgSteps / argCases);
        System.err.print("LibseccompComparisonTest:\n" + report);
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target/scpl-vs-libseccomp.md"), report);
        assertTrue(
                oursMean < libMean,
                String.format(
                        "SCPL executes %.2f instructions per syscall on average, libseccomp %.2f", oursMean, libMean));
    }

    /**
     * Docker's real default profile (examples/docker-default.json) on amd64, through the whole chain: the entries runc
     * hands libseccomp for a capability set (includes/excludes applied by {@link OciMeaning}, entries with the default
     * action skipped), built by libseccomp for x86_64, against the importer's filter for x86_64, on every x86_64
     * syscall and on argument vectors from the profile's constants. Names libseccomp does not know on x86_64 are
     * skipped by runc; the importer must give them the same (default) verdict.
     */
    @Test
    void dockersDefaultProfileGivesLibseccompsVerdicts() throws Exception {
        String python = pythonWithSeccomp();
        if (python == null) {
            System.err.println(
                    "SKIPPED: LibseccompComparisonTest: python3-seccomp is not installed (apt-get install python3-seccomp)");
        }
        Assumptions.assumeTrue(
                python != null, "SKIPPED: python3-seccomp is not installed (apt-get install python3-seccomp)");
        ObjectMapper mapper = new ObjectMapper();
        String json = Files.readString(dev.sluice.scpl.Examples.dir().resolve("docker-default.json"));
        JsonNode profile = mapper.readTree(json);
        int cases = 0;
        for (Set<String> caps :
                List.of(OciImporterTest.DOCKER_DEFAULT_CAPS, OciImporterTest.privileged(), Set.<String>of())) {
            OciMeaning meaning = new OciMeaning(profile, caps, "amd64", 6, 1);
            com.fasterxml.jackson.databind.node.ObjectNode rules = mapper.createObjectNode();
            rules.set("defaultAction", profile.get("defaultAction"));
            rules.set("defaultErrnoRet", profile.get("defaultErrnoRet"));
            com.fasterxml.jackson.databind.node.ArrayNode entries = rules.putArray("syscalls");
            long defaultAction = meaning.defaultAction();
            for (JsonNode e : profile.get("syscalls")) {
                if (meaning.applies(e) && OciMeaning.action(e.get("action"), e.get("errnoRet")) != defaultAction) {
                    com.fasterxml.jackson.databind.node.ObjectNode copy = e.deepCopy();
                    copy.remove(List.of("includes", "excludes", "comment"));
                    entries.add(copy);
                }
            }
            Path rulesFile = Files.createTempFile("docker-default-rules", ".json");
            Files.writeString(rulesFile, mapper.writeValueAsString(rules));
            Libseccomp lib;
            try {
                lib = libseccomp(python, rulesFile);
            } finally {
                Files.deleteIfExists(rulesFile);
            }
            String scpl = OciImporter.toScpl(
                    json,
                    "docker-default.json",
                    caps,
                    ImportOptions.defaults()
                            .kernel(new OciImporter.KernelVersion(6, 1))
                            .arches(List.of(Arch.X86_64)));
            CompileResult ours = ScplCompiler.compile(
                    "docker-default.scpl", scpl, CompileOptions.defaults().resolver(Policy.IncludeResolver.NONE));
            assertEquals(List.of(), ours.warnings());
            List<Long> constants = OciImporterTest.constants(profile);
            try (BpfRunner sluice = new BpfRunner(ours.program(), Arch.X86_64);
                    BpfRunner libseccomp = new BpfRunner(lib.program(), Arch.X86_64)) {
                for (Map.Entry<String, Integer> sc :
                        SyscallTable.forArch(Arch.X86_64).all().entrySet()) {
                    int nr = sc.getValue();
                    List<JsonNode> withArgs = new ArrayList<>();
                    profile.get("syscalls").forEach(e -> {
                        if (!e.path("args").isEmpty() && OciMeaning.names(e, Arch.X86_64, nr)) {
                            withArgs.add(e);
                        }
                    });
                    List<long[]> vectors =
                            withArgs.isEmpty() ? List.of(new long[6]) : OciImporterTest.vectors(constants, withArgs);
                    for (long[] args : vectors) {
                        long fromLibseccomp = libseccomp.run(nr, args);
                        long fromSluice = sluice.run(nr, args);
                        long expected = meaning.verdict(Arch.X86_64, nr, args);
                        cases++;
                        if (fromLibseccomp != fromSluice || expected != fromSluice) {
                            throw new AssertionError(String.format(
                                    "caps %s: %s (nr %d), args %s: libseccomp %s gives 0x%08x, SCPL 0x%08x, the profile means 0x%08x",
                                    caps,
                                    sc.getKey(),
                                    nr,
                                    java.util.Arrays.toString(args),
                                    lib.version(),
                                    fromLibseccomp,
                                    fromSluice,
                                    expected));
                        }
                    }
                }
            }
        }
        System.err.printf(
                "LibseccompComparisonTest: Docker's default profile, 3 capability sets: %d x86_64 verdict cases agree with libseccomp%n",
                cases);
        assertTrue(cases > 3_000, "cases " + cases);
    }
}
