package dev.sluice.scpl.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.core.seccomp.Arch;
import dev.sluice.scpl.BpfRunner;
import dev.sluice.scpl.Examples;
import dev.sluice.scpl.compile.CompileOptions;
import dev.sluice.scpl.compile.CompileResult;
import dev.sluice.scpl.compile.ScplCompiler;
import dev.sluice.scpl.oci.OciImporter.ImportOptions;
import dev.sluice.scpl.oci.OciImporter.KernelVersion;
import dev.sluice.scpl.policy.Policy;
import dev.sluice.scpl.syscalls.SyscallTable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The importer against an independent reading of the profile ({@link OciMeaning}): the imported SCPL is compiled, and
 * the BPF, run by the bpf language, must give the verdict the JSON means on every syscall of the table, with argument
 * vectors made from the profile's constants, for several capability sets. Plus a golden test of the text.
 */
class OciImporterTest {
    static final String PROFILE = "realistic-default.json";

    /** Docker's default capability set (moby oci/caps/defaults.go). */
    static final Set<String> DOCKER_DEFAULT_CAPS = Set.of(
            "CAP_CHOWN",
            "CAP_DAC_OVERRIDE",
            "CAP_FSETID",
            "CAP_FOWNER",
            "CAP_MKNOD",
            "CAP_NET_RAW",
            "CAP_SETGID",
            "CAP_SETUID",
            "CAP_SETFCAP",
            "CAP_SETPCAP",
            "CAP_NET_BIND_SERVICE",
            "CAP_SYS_CHROOT",
            "CAP_KILL",
            "CAP_AUDIT_WRITE");

    static Set<String> privileged() {
        Set<String> s = new TreeSet<>(DOCKER_DEFAULT_CAPS);
        s.addAll(List.of("CAP_SYS_ADMIN", "CAP_SYS_PTRACE", "CAP_DAC_READ_SEARCH", "CAP_NET_ADMIN", "CAP_SYS_MODULE"));
        return s;
    }

    static String resource(String name) {
        try (InputStream in = OciImporterTest.class.getResourceAsStream("/oci/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource oci/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The kernel minKernel is evaluated for in these tests (the running one would make the text host-dependent). */
    static final KernelVersion KERNEL = new KernelVersion(6, 1);

    static CompileResult importAndCompile(String json, Set<String> caps) {
        return importAndCompile(json, caps, KERNEL, List.of());
    }

    /** {@code compileArches}: the compiler's arch override (empty: the policy's own arches). */
    static CompileResult importAndCompile(
            String json, Set<String> caps, KernelVersion kernel, List<Arch> compileArches) {
        String scpl =
                OciImporter.toScpl(json, PROFILE, caps, ImportOptions.defaults().kernel(kernel));
        return ScplCompiler.compile(
                "imported.scpl",
                scpl,
                CompileOptions.defaults().arches(compileArches).resolver(Policy.IncludeResolver.NONE));
    }

    /** 0, all-ones, and each constant of the profile with its neighbours and mask variants. */
    static List<Long> constants(JsonNode profile) {
        Set<Long> out = new LinkedHashSet<>(List.of(0L, -1L, 1L, 0xffffffffL, 0x80000000L, 0x100000000L));
        for (JsonNode e : profile.path("syscalls")) {
            for (JsonNode a : e.path("args")) {
                long v = a.get("value").bigIntegerValue().longValue();
                long v2 =
                        a.has("valueTwo") ? a.get("valueTwo").bigIntegerValue().longValue() : 0;
                for (long c : new long[] {v, v2, v2 | ~v, v & 0xffffffffL, v >>> 32}) {
                    out.add(c - 1);
                    out.add(c);
                    out.add(c + 1);
                }
            }
        }
        return List.copyOf(out);
    }

    /** Candidates for one condition: its constants, their neighbours, and the mask with bits outside it set. */
    static List<Long> candidates(JsonNode arg) {
        long v = arg.get("value").bigIntegerValue().longValue();
        long v2 = arg.has("valueTwo") ? arg.get("valueTwo").bigIntegerValue().longValue() : 0;
        Set<Long> out = new LinkedHashSet<>();
        for (long c : new long[] {v, v2, v2 | ~v, v | v2}) {
            out.add(c - 1);
            out.add(c);
            out.add(c + 1);
        }
        out.add(0L);
        out.add(-1L);
        return List.copyOf(out);
    }

    /**
     * Vectors for a syscall named by entries with args: every constant of the profile in every slot (the others 0),
     * and for each entry naming it, every combination of its conditions' candidates in their slots.
     */
    static List<long[]> vectors(List<Long> constants, List<JsonNode> entries) {
        List<long[]> out = new ArrayList<>();
        for (long c : constants) {
            for (int i = 0; i < 6; i++) {
                long[] args = new long[6];
                args[i] = c;
                out.add(args);
            }
            out.add(new long[] {c, c, c, c, c, c});
        }
        for (JsonNode e : entries) {
            List<long[]> partial = new ArrayList<>();
            partial.add(new long[6]);
            for (JsonNode arg : e.path("args")) {
                List<long[]> next = new ArrayList<>();
                for (long[] p : partial) {
                    for (long c : candidates(arg)) {
                        long[] q = p.clone();
                        q[arg.get("index").asInt()] = c;
                        next.add(q);
                    }
                }
                partial = next;
            }
            out.addAll(partial);
        }
        return out;
    }

    /** Checks every syscall of {@code abi}'s table and returns the number of cases. */
    static int checkAgreement(String json, Set<String> caps, Arch abi) throws IOException {
        return checkAgreement(json, caps, abi, KERNEL, List.of());
    }

    /**
     * Imports for amd64 and {@code kernel}, compiles for {@code compileArches} (empty: the profile's), and checks every
     * syscall of {@code abi}'s table. The compile must give no warning at all.
     */
    static int checkAgreement(String json, Set<String> caps, Arch abi, KernelVersion kernel, List<Arch> compileArches)
            throws IOException {
        JsonNode profile = new ObjectMapper().readTree(json);
        OciMeaning meaning = new OciMeaning(profile, caps, "amd64", kernel.kernel(), kernel.major());
        CompileResult compiled = importAndCompile(json, caps, kernel, compileArches);
        List<Long> constants = constants(profile);
        long t0 = System.nanoTime();
        int cases = 0;
        try (BpfRunner bpf = new BpfRunner(compiled.program(), abi)) {
            Map<String, Integer> table = SyscallTable.forArch(abi).all();
            for (Map.Entry<String, Integer> sc : table.entrySet()) {
                int nr = sc.getValue();
                List<JsonNode> withArgs = new ArrayList<>();
                for (JsonNode e : profile.path("syscalls")) {
                    if (!e.path("args").isEmpty()
                            && OciMeaning.names(e, abi, nr)) { // podman writes "args": [] on every entry
                        withArgs.add(e);
                    }
                }
                List<long[]> argVectors = withArgs.isEmpty()
                        ? List.of(new long[6], new long[] {-1, -1, -1, -1, -1, -1})
                        : vectors(constants, withArgs);
                for (long[] args : argVectors) {
                    long expected = meaning.verdict(abi, nr, args);
                    long actual = bpf.run(nr, args);
                    cases++;
                    if (expected != actual) {
                        throw new AssertionError(String.format(
                                "caps %s, %s %s (nr %d), args %s: the profile means 0x%08x, the imported filter gives 0x%08x",
                                caps, abi.token(), sc.getKey(), nr, java.util.Arrays.toString(args), expected, actual));
                    }
                }
            }
        }
        // checked after the verdicts, so a meaning bug shows as a counter-example first
        assertEquals(
                List.of(),
                compiled.warnings(),
                "an imported profile compiles without warnings for "
                        + (compileArches.isEmpty() ? "its arches" : compileArches));
        System.err.printf(
                "OciImporterTest: %s (compiled for %s), caps %d, kernel %s: %d cases agree (%.0f ms)%n",
                abi.token(),
                compileArches.isEmpty() ? "all its arches" : compileArches,
                caps.size(),
                kernel,
                cases,
                (System.nanoTime() - t0) / 1e6);
        return cases;
    }

    /**
     * A name with a line break (the oci campaign's finding: "f\nit_module") is left out with a comment, and the
     * comment stays one comment: the break is shown escaped, so the rest of the name cannot become SCPL code.
     */
    @Test
    void namesWithLineBreaksStayInsideTheirComment() {
        String json = """
                {"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],
                 "syscalls": [{"names": ["read", "f\\nit_module", "x\\r\\u0000y"], "action": "SCMP_ACT_ALLOW"}]}
                """;
        String scpl = OciImporter.toScpl(
                json, PROFILE, Set.of(), ImportOptions.defaults().kernel(KERNEL));
        assertTrue(scpl.contains("f\\nit_module"), scpl);
        assertTrue(scpl.contains("x\\r\\x00y"), scpl);
        for (String line : scpl.split("\n")) {
            assertTrue(!line.contains("it_module") || line.stripLeading().startsWith("#"), line);
        }
        CompileResult r = importAndCompile(json, Set.of());
        assertTrue(r.program().length() > 0);
    }

    /**
     * Names are resolved as libseccomp resolves them, exactly: "SYS_personality" is no syscall there (runc ignores it),
     * so it is left out. Read as personality, as SCPL's own names allow, it duplicated a rule, and the importer wrote
     * a rule SCPL refuses as dead (the oci campaign's finding).
     */
    @Test
    void prefixedNamesAreUnknownAsInLibseccomp() {
        String json = """
                {"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],
                 "syscalls": [
                   {"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]},
                   {"names": ["SYS_personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]}]}
                """;
        String scpl = OciImporter.toScpl(
                json, PROFILE, Set.of(), ImportOptions.defaults().kernel(KERNEL));
        assertTrue(scpl.contains("SYS_personality"), scpl);
        for (String line : scpl.split("\n")) {
            assertTrue(!line.contains("SYS_personality") || line.stripLeading().startsWith("#"), line);
        }
        assertTrue(importAndCompile(json, Set.of()).program().length() > 0);
    }

    @Test
    void importedFilterAgreesWithTheProfileForDockersDefaultCapabilities() throws IOException {
        String json = resource(PROFILE);
        int cases = 0;
        for (Arch abi : List.of(Arch.X86_64, Arch.X86, Arch.X32)) {
            cases += checkAgreement(json, DOCKER_DEFAULT_CAPS, abi);
        }
        assertTrue(cases > 5_000, "cases " + cases);
    }

    @Test
    void importedFilterAgreesWithTheProfileForAPrivilegedAndAnEmptyCapabilitySet() throws IOException {
        String json = resource(PROFILE);
        assertTrue(checkAgreement(json, privileged(), Arch.X86_64) > 2_000);
        assertTrue(checkAgreement(json, Set.of(), Arch.X86_64) > 2_000);
    }

    /** The capability sets change the meaning where the profile says so (the evaluator is not trivially constant). */
    @Test
    void capabilitiesAndArgumentsMatterWhereTheProfileSaysSo() throws IOException {
        JsonNode profile = new ObjectMapper().readTree(resource(PROFILE));
        SyscallTable t = SyscallTable.forArch(Arch.X86_64);
        OciMeaning plain = new OciMeaning(profile, DOCKER_DEFAULT_CAPS, "amd64");
        OciMeaning admin = new OciMeaning(profile, privileged(), "amd64");
        long[] zero = new long[6];
        int mount = t.number("mount").getAsInt();
        assertEquals(OciMeaning.RET_USER_NOTIF, plain.verdict(Arch.X86_64, mount, zero));
        assertEquals(OciMeaning.RET_ALLOW, admin.verdict(Arch.X86_64, mount, zero));
        int socket = t.number("socket").getAsInt();
        assertEquals(OciMeaning.RET_ALLOW, plain.verdict(Arch.X86_64, socket, new long[] {2, 1, 0, 0, 0, 0}));
        assertEquals(
                OciMeaning.RET_ERRNO | 1,
                plain.verdict(Arch.X86_64, socket, new long[] {40, 1, 0, 0, 0, 0}),
                "AF_VSOCK");
        assertEquals(
                OciMeaning.RET_LOG,
                admin.verdict(Arch.X86_64, socket, new long[] {40, 1, 0, 0, 0, 0}),
                "CAP_NET_ADMIN: the entry without args wins");
        int clone = t.number("clone").getAsInt();
        assertEquals(OciMeaning.RET_ALLOW, plain.verdict(Arch.X86_64, clone, new long[] {0x11, 0, 0, 0, 0, 0}));
        assertEquals(
                OciMeaning.RET_ERRNO | 1,
                plain.verdict(Arch.X86_64, clone, new long[] {0x10000000, 0, 0, 0, 0, 0}),
                "CLONE_NEWUSER");
        int clone3 = t.number("clone3").getAsInt();
        assertEquals(OciMeaning.RET_ERRNO | 38, plain.verdict(Arch.X86_64, clone3, zero));
        int openByHandle = t.number("open_by_handle_at").getAsInt();
        assertEquals(
                OciMeaning.RET_ALLOW,
                admin.verdict(Arch.X86_64, openByHandle, zero),
                "the entry with the default action does not count");
        assertEquals(
                OciMeaning.RET_ALLOW,
                plain.verdict(Arch.X86_64, t.number("getpid").getAsInt(), zero),
                "the first entry without args decides");
        assertEquals(
                OciMeaning.RET_TRACE | 5,
                plain.verdict(Arch.X86_64, t.number("vhangup").getAsInt(), zero));
        assertEquals(
                OciMeaning.RET_TRACE | 1,
                plain.verdict(Arch.X86_64, t.number("acct").getAsInt(), zero),
                "TRACE defaults to EPERM");
        int fcntl = t.number("fcntl").getAsInt();
        assertEquals(
                OciMeaning.RET_ALLOW,
                plain.verdict(Arch.X86_64, fcntl, new long[] {3, 4, 0, 0, 0, 0}),
                "repeated index: OR");
        assertEquals(OciMeaning.RET_ERRNO | 1, plain.verdict(Arch.X86_64, fcntl, new long[] {3, 5, 0, 0, 0, 0}));
    }

    /** The real profiles of Docker (moby) and podman (containers-common), bundled in examples/. */
    static String example(String name) throws IOException {
        return Files.readString(Examples.dir().resolve(name));
    }

    /**
     * Docker's and podman's own profiles name syscalls of many arches at once (chown32 is x86's, newfstatat is not).
     * Imported, each compiles for any one of its arches and for all of them, without a warning, and means what the JSON
     * means on every syscall of each arch's table.
     */
    @Test
    void realDockerAndPodmanProfilesCompileForEachArchAloneAndForAllWithoutWarnings() throws IOException {
        int cases = 0;
        for (String profile : List.of("docker-default.json", "podman-default.json")) {
            String json = example(profile);
            for (Set<String> caps : List.of(DOCKER_DEFAULT_CAPS, Set.<String>of())) {
                for (Arch abi : List.of(Arch.X86_64, Arch.X86, Arch.X32)) {
                    cases += checkAgreement(json, caps, abi, KERNEL, List.of(abi));
                    cases += checkAgreement(json, caps, abi, KERNEL, List.of());
                }
            }
        }
        assertTrue(cases > 20_000, "cases " + cases);
    }

    /** minKernel is evaluated as Docker does, for the kernel given: Docker allows ptrace from 4.8 on. */
    @Test
    void minKernelIsEvaluatedForTheGivenKernel() throws IOException {
        String json = example("docker-default.json");
        int ptrace = SyscallTable.forArch(Arch.X86_64).number("ptrace").getAsInt();
        for (KernelVersion k : List.of(
                new KernelVersion(4, 4), new KernelVersion(4, 8), new KernelVersion(3, 19), new KernelVersion(5, 0))) {
            boolean newEnough = k.atLeast(new KernelVersion(4, 8));
            try (BpfRunner bpf = new BpfRunner(
                    importAndCompile(json, DOCKER_DEFAULT_CAPS, k, List.of()).program(), Arch.X86_64)) {
                assertEquals(
                        newEnough ? OciMeaning.RET_ALLOW : OciMeaning.RET_ERRNO | 1,
                        bpf.run(ptrace, new long[6]),
                        "ptrace on kernel " + k);
            }
            OciMeaning meaning = new OciMeaning(
                    new ObjectMapper().readTree(json), DOCKER_DEFAULT_CAPS, "amd64", k.kernel(), k.major());
            assertEquals(
                    newEnough ? OciMeaning.RET_ALLOW : OciMeaning.RET_ERRNO | 1,
                    meaning.verdict(Arch.X86_64, ptrace, new long[6]));
        }
        checkAgreement(json, DOCKER_DEFAULT_CAPS, Arch.X86_64, new KernelVersion(4, 4), List.of());
        // excludes.minKernel drops the entry from that kernel on
        String excluding = """
                        {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
                          {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "excludes": {"minKernel": "5.10"}}]}
                        """;
        String old = OciImporter.toScpl(
                excluding, "x.json", Set.of(), ImportOptions.defaults().kernel(new KernelVersion(5, 9)));
        String recent = OciImporter.toScpl(
                excluding, "x.json", Set.of(), ImportOptions.defaults().kernel(new KernelVersion(5, 10)));
        assertTrue(
                old.contains("Errno EPERM mkdir;")
                        && old.contains("excludes.minKernel 5.10: kept, kernel 5.9 is older"),
                old);
        assertTrue(
                !recent.contains("Errno EPERM mkdir;")
                        && recent.contains("excluded on kernel 5.10 and later (evaluated for kernel 5.10)"),
                recent);
        checkAgreement(excluding, Set.of(), Arch.X86_64, new KernelVersion(5, 9), List.of());
        checkAgreement(excluding, Set.of(), Arch.X86_64, new KernelVersion(5, 10), List.of());
    }

    @Test
    void kernelReleasesParseAsDockerReadsThem() {
        assertEquals(
                new KernelVersion(6, 18),
                KernelVersion.parseRelease("6.18.0-1-amd64").orElseThrow());
        assertEquals(
                new KernelVersion(3, 12),
                KernelVersion.parseRelease("3.12-1-amd64").orElseThrow());
        assertEquals(new KernelVersion(4, 8), KernelVersion.parseRelease("4.8").orElseThrow());
        assertTrue(KernelVersion.parseRelease("4").isEmpty());
        assertTrue(KernelVersion.parseRelease("v4.8").isEmpty());
        assertTrue(KernelVersion.running().kernel() >= 3, "the running kernel " + KernelVersion.running());
    }

    @Test
    void goldenText() throws IOException {
        String actual = OciImporter.toScpl(
                resource(PROFILE),
                PROFILE,
                DOCKER_DEFAULT_CAPS,
                ImportOptions.defaults().kernel(KERNEL));
        String golden = "realistic-default.docker-caps.scpl";
        Path source = Path.of("src/test/resources/oci", golden);
        if (Boolean.getBoolean("sluice.updateGolden")) {
            Files.writeString(source, actual);
        }
        assertEquals(resource(golden), actual, "regenerate with -Dsluice.updateGolden=true and review the diff");
        // deterministic: the same input gives the same text
        assertEquals(
                actual,
                OciImporter.toScpl(
                        resource(PROFILE),
                        PROFILE,
                        new TreeSet<>(DOCKER_DEFAULT_CAPS),
                        ImportOptions.defaults().kernel(KERNEL)));
    }
}
