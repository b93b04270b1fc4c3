package dev.sluice.tests.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The compiled-policy cache of {@code check} and {@code exec} (docs/performance.md "Command start-up"), in real
 * processes. Whether a run compiled the policy, or created a polyglot context, is seen in the JVM's class-loading log
 * (the tests' JVM loads classes lazily, without an AOT cache): a hit loads neither the SCPL compiler nor a context.
 */
class PolicyCacheTest {
    private static final String COMPILER = " dev.sluice.scpl.compile.ScplCompiler ";
    private static final String CONTEXT = " com.oracle.truffle.polyglot.PolyglotContextImpl ";

    @TempDir
    Path dir;

    private record Run(Sluice.Result result, String classes) {
        boolean compiled() {
            return classes.contains(COMPILER);
        }

        boolean createdContext() {
            return classes.contains(CONTEXT);
        }
    }

    private int runs;

    private Run sluice(Map<String, String> env, String... args) throws IOException {
        Path log = dir.resolve("classes-" + runs++ + ".log");
        Map<String, String> all = new java.util.HashMap<>(
                Map.of("XDG_CACHE_HOME", dir.resolve("cache").toString()));
        all.putAll(env);
        Sluice.Result r = Sluice.runWithEnv(all, List.of("-Xlog:class+load=info:file=" + log), null, args);
        return new Run(r, Files.readString(log));
    }

    private Run sluice(String... args) throws IOException {
        return sluice(Map.of(), args);
    }

    private Path entries() {
        return dir.resolve("cache/sluice/policies");
    }

    private List<Path> entryFiles() throws IOException {
        if (!Files.isDirectory(entries())) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(entries())) {
            return s.sorted().toList();
        }
    }

    private Path copyExample(String name) throws IOException {
        Path p = dir.resolve(name);
        Files.copy(Sluice.ROOT.resolve("examples").resolve(name), p);
        return p;
    }

    @Test
    void aRepeatedCheckNeedsNeitherTheCompilerNorAContextAndSaysTheSame() throws IOException {
        Path policy = copyExample("deny-mkdir.scpl");
        Run first = sluice("check", policy.toString());
        assertEquals(0, first.result().exit(), first.result()::toString);
        assertEquals(policy + ": ok (21 instructions)\n", first.result().stdout());
        assertTrue(first.compiled(), "a first run compiles the policy");
        assertFalse(
                first.createdContext(),
                "with no language option the launcher's load is the language's: no context (CheckWithoutContextTest)");
        assertEquals(1, entryFiles().size(), "one entry written");
        assertEquals(
                "rw-------",
                PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(entryFiles().get(0))));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(entries())));

        Run second = sluice("check", policy.toString());
        assertEquals(first.result().exit(), second.result().exit(), second.result()::toString);
        assertEquals(first.result().stdout(), second.result().stdout());
        assertEquals(first.result().stderr(), second.result().stderr());
        assertFalse(second.compiled(), "a hit must not compile the policy again");
        assertFalse(second.createdContext(), "a hit must not create a polyglot context");

        Files.writeString(
                policy,
                Files.readString(policy)
                        .replace(
                                "Errno EPERM [mkdir, mkdirat];",
                                "Errno EPERM [mkdir, mkdirat];\n    Errno EACCES [rmdir, chroot];"));
        Run edited = sluice("check", policy.toString());
        assertTrue(edited.compiled(), "a changed file is a miss");
        Run uncached = sluice(Map.of("SLUICE_POLICY_CACHE", "off"), "check", policy.toString());
        assertEquals(uncached.result().stdout(), edited.result().stdout(), edited.result()::toString);
        assertTrue(
                !edited.result().stdout().equals(first.result().stdout()),
                "the edit changed the program: " + edited.result().stdout());
    }

    @Test
    void aCorruptedEntryIsDetectedRecompiledAndRewritten() throws IOException {
        Path policy = copyExample("deny-mkdir.scpl");
        Run first = sluice("check", policy.toString());
        assertEquals(0, first.result().exit(), first.result()::toString);
        Path entry = entryFiles().get(0);
        String good = Files.readString(entry);
        // One instruction's constant changed (ERRNO(1) becomes ERRNO(2)): still valid BPF, but not what was stored.
        String corrupted = good.replace("01000500\n", "02000500\n");
        assertTrue(!corrupted.equals(good), "the entry ends with ret ERRNO(1): " + good);
        Files.writeString(entry, corrupted);

        Run after = sluice("check", policy.toString());
        assertEquals(first.result().stdout(), after.result().stdout());
        assertTrue(after.compiled(), "a digest mismatch is a miss: the policy is compiled again");
        assertEquals(good, Files.readString(entry), "the entry is written anew");
    }

    @Test
    void anEntryWithAMatchingDigestIsStillReverifiedAsTheKernelWould() throws Exception {
        Path policy = copyExample("deny-mkdir.scpl");
        assertEquals(0, sluice("check", policy.toString()).result().exit());
        Path entry = entryFiles().get(0);
        String good = Files.readString(entry);
        // A program that falls off its end (ld only, no ret): the verifier refuses it, whatever the digest says.
        String body = good.substring(0, good.indexOf("program ")) + "program 2000000004000000\n";
        Files.writeString(entry, body + "digest " + sha256(body) + "\n");

        assumeSeccomp();
        Run after = sluice("exec", policy.toString(), "--", "/bin/true");
        assertEquals(0, after.result().exit(), after.result()::toString);
        assertTrue(after.compiled(), "an entry the verifier refuses is a miss");
        String rewritten = Files.readString(entry);
        String rewrittenBody = rewritten.substring(0, rewritten.indexOf("digest "));
        assertEquals(
                good.substring(0, good.indexOf("digest ")).replace("language-loaded true", "language-loaded false"),
                rewrittenBody,
                "the entry is written anew (exec did not load it into the bpf language)");
        assertEquals(rewrittenBody + "digest " + sha256(rewrittenBody) + "\n", rewritten);
    }

    @Test
    void anEntryOthersCanWriteIsNotTrusted() throws IOException {
        Path policy = copyExample("deny-mkdir.scpl");
        assertEquals(0, sluice("check", policy.toString()).result().exit());
        Path entry = entryFiles().get(0);
        Files.setPosixFilePermissions(entry, PosixFilePermissions.fromString("rw-rw-rw-"));
        Run after = sluice("check", policy.toString());
        assertEquals(0, after.result().exit(), after.result()::toString);
        assertTrue(after.compiled(), "an entry writable by others is a miss");
        assertEquals(
                "rw-------",
                PosixFilePermissions.toString(Files.getPosixFilePermissions(entry)),
                "and is replaced by a private one");

        Files.setPosixFilePermissions(entries(), PosixFilePermissions.fromString("rwxrwxrwx"));
        Run openDir = sluice("check", policy.toString());
        assertTrue(openDir.compiled(), "a cache directory writable by others is not used");
    }

    @Test
    void aChangedIncludedFileIsAMiss() throws IOException {
        Path policy = copyExample("build-tool.scpl");
        Path included = copyExample("file-io.scpl");
        Run first = sluice("check", policy.toString());
        assertEquals(0, first.result().exit(), first.result()::toString);
        assertFalse(sluice("check", policy.toString()).compiled(), "unchanged: a hit");
        Files.writeString(included, Files.readString(included) + "\n# edited\n");
        Run edited = sluice("check", policy.toString());
        assertTrue(edited.compiled(), "the included file changed: a miss");
        assertEquals(first.result().stdout(), edited.result().stdout());
        assertFalse(sluice("check", policy.toString()).compiled(), "and a hit again once the entry is rewritten");
    }

    @Test
    void execUsesTheCacheAndTheKernelStillEnforcesThePolicy() throws IOException {
        assumeSeccomp();
        Path policy = copyExample("deny-mkdir.scpl");
        for (int i = 0; i < 2; i++) {
            Path target = dir.resolve("made-" + i);
            Run r = sluice("exec", policy.toString(), "--", "mkdir", target.toString());
            assertEquals(1, r.result().exit(), r.result()::toString);
            assertTrue(r.result().stderr().contains("Operation not permitted"), r.result()::toString);
            assertFalse(Files.exists(target));
            assertEquals(i == 0, r.compiled(), "run " + i + ": compiled only the first time");
        }
        Run echo = sluice("exec", policy.toString(), "--", "/bin/echo", "hi");
        assertEquals("hi\n", echo.result().stdout(), echo.result()::toString);
        assertFalse(echo.compiled());
    }

    @Test
    void onlySuccessesAreKeptAndErrorsReadTheSameEveryTime() throws IOException {
        Path bad = dir.resolve("bad.scpl");
        Files.writeString(bad, "{ default_action = Allow; rules = [ Allow [mkdri]; ] }\n");
        Run first = sluice("check", bad.toString());
        Run second = sluice("check", bad.toString());
        assertEquals(1, first.result().exit(), first.result()::toString);
        assertEquals(first.result().stderr(), second.result().stderr());
        assertTrue(first.result().stderr().contains("mkdri"), first.result()::toString);
        assertTrue(entryFiles().isEmpty(), "nothing kept for a failed load");
    }

    @Test
    void theCacheIsOffWithTheSwitchAndWithAProvenanceFlag() throws IOException {
        Path policy = copyExample("deny-mkdir.scpl");
        for (int i = 0; i < 2; i++) {
            Run r = sluice(Map.of("SLUICE_POLICY_CACHE", "off"), "check", policy.toString());
            assertEquals(0, r.result().exit(), r.result()::toString);
            assertTrue(r.compiled(), "off: every run compiles");
        }
        assertFalse(Files.exists(entries()), "off: nothing written");
        for (int i = 0; i < 2; i++) {
            Run measured = sluice("check", "--measure", policy.toString());
            assertEquals(0, measured.result().exit(), measured.result()::toString);
            assertTrue(measured.compiled(), "--measure: every load is a full one");
        }
        assertFalse(Files.exists(entries()), "--measure: nothing written");
    }

    @Test
    void polyglotOptionsAreOfTheKey() throws IOException {
        Path policy = copyExample("deny-mkdir.scpl");
        assertEquals(0, sluice("check", policy.toString()).result().exit());
        Run other = sluice("check", "--bpf.ConstantTime=true", policy.toString());
        assertTrue(other.compiled(), "other options: a miss");
        assertEquals(2, entryFiles().size());
    }

    private static void assumeSeccomp() throws IOException {
        boolean ok = System.getProperty("os.arch").equals("amd64")
                && Files.readString(Path.of("/proc/self/status")).contains("Seccomp:");
        if (!ok) {
            System.err.println("SKIPPED: PolicyCacheTest exec case needs Linux with seccomp on x86_64");
        }
        Assumptions.assumeTrue(ok, "SKIPPED: needs Linux with seccomp on x86_64");
    }

    private static String sha256(String s) throws Exception {
        return HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }
}
