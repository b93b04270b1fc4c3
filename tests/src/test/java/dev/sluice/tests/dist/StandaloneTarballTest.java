package dev.sluice.tests.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unpacks the standalone tarball that component/ built into an empty directory outside the source tree and uses it
 * as a user would: bin/sluice with only a JDK 25 around.
 */
class StandaloneTarballTest {
    @TempDir
    static Path unpackDir;
    static Path home;

    @BeforeAll
    static void unpack() throws Exception {
        Path target = RepoPaths.root().resolve("component/target");
        Path tarball;
        try (Stream<Path> s = Files.list(target)) {
            tarball = s.filter(p -> p.getFileName().toString().matches("sluice-.*-linux-amd64\\.tar\\.gz")).findFirst()
                            .orElseThrow(() -> new AssertionError("no tarball in " + target + "; component/ should build it at package"));
        }
        Exec tar = Exec.run(unpackDir, Map.of(), List.of("tar", "xzf", tarball.toString()), 60);
        assertEquals(0, tar.exitCode(), tar::toString);
        try (Stream<Path> s = Files.list(unpackDir)) {
            home = s.filter(Files::isDirectory).findFirst().orElseThrow();
        }
    }

    private static Exec sluice(String... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>();
        cmd.add(home.resolve("bin/sluice").toString());
        cmd.addAll(List.of(args));
        // JAVA_HOME points at the JDK running the tests (a JDK 25): what a user with only a JDK would have.
        return Exec.run(unpackDir, Map.of("JAVA_HOME", System.getProperty("java.home"), "XDG_CACHE_HOME", unpackDir.resolve("cache").toString()), cmd, 120);
    }

    @Test
    void layoutHasLauncherModulesLicenseAndReadme() {
        assertTrue(Files.isExecutable(home.resolve("bin/sluice")));
        assertTrue(Files.isRegularFile(home.resolve("LICENSE")));
        assertTrue(Files.isRegularFile(home.resolve("README")));
        for (String jar : List.of("sluice-core.jar", "bpf-language.jar", "scpl-language.jar", "sluice-launcher.jar", "truffle-runtime.jar", "compiler.jar", "truffle-compiler.jar")) {
            assertTrue(Files.isRegularFile(home.resolve("modules").resolve(jar)), "modules/" + jar);
        }
    }

    @Test
    void versionRunsAndTheCompilerIsActive() throws Exception {
        Exec e = sluice("--version");
        assertEquals(0, e.exitCode(), e::toString);
        assertTrue(e.stdout().startsWith("sluice "), e::toString);
        assertTrue(e.stdout().contains("Graal compiler active"), e::toString);
    }

    @Test
    void runEvaluatesABundledPolicy() throws Exception {
        Exec e = sluice("run", home.resolve("examples/jitk.scpl").toString(), "--syscall", "open", "--syscall", "getpid", "--syscall", "write");
        assertEquals(0, e.exitCode(), e::toString);
        assertEquals("ERRNO(13)\nALLOW\nKILL\n", e.stdout(), e::toString);
    }

    @Test
    void checkVerifiesABundledExample() throws Exception {
        Exec e = sluice("check", home.resolve("examples/allow-basic.bpf").toString());
        assertEquals(0, e.exitCode(), e::toString);
        assertTrue(e.stdout().contains("allow-basic.bpf: ok (10 instructions)"), e::toString);
    }

    @Test
    void checkRejectsGarbageWithExitCode1() throws Exception {
        Path bad = unpackDir.resolve("garbage.bpf");
        Files.write(bad, new byte[]{1, 2, 3, 0, 5});
        Exec e = sluice("check", bad.toString());
        assertEquals(1, e.exitCode(), e::toString);
        assertTrue(e.stderr().contains("not a multiple of 8"), e::toString);
    }
}
