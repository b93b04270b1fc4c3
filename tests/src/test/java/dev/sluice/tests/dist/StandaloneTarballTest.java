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
            tarball = s.filter(p -> p.getFileName().toString().matches("sluice-.*-linux-amd64\\.tar\\.gz"))
                    .findFirst()
                    .orElseThrow(() ->
                            new AssertionError("no tarball in " + target + "; component/ should build it at package"));
        }
        Exec tar = Exec.run(unpackDir, Map.of(), List.of("tar", "xzf", tarball.toString()), 60);
        assertEquals(0, tar.exitCode(), tar::toString);
        try (Stream<Path> s = Files.list(unpackDir)) {
            home = s.filter(Files::isDirectory).findFirst().orElseThrow();
        }
    }

    private static Exec sluice(String... args) throws IOException, InterruptedException {
        return sluiceWith(Map.of(), args);
    }

    /**
     * Runs bin/sluice as on a machine without Java: no JAVA_HOME, and PATH holding only /usr/bin and /bin (whose
     * java, if any, is not the 25 the launcher needs): the tarball must bring its own runtime.
     */
    private static Exec sluiceWith(Map<String, String> extraEnv, String... args)
            throws IOException, InterruptedException {
        return sluiceThrough(List.of(), extraEnv, args);
    }

    /**
     * {@link #sluiceWith}, started by {@code launcher} (e.g. a shell that opens a descriptor first), then bin/sluice.
     */
    private static Exec sluiceThrough(List<String> launcher, Map<String, String> extraEnv, String... args)
            throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(launcher);
        cmd.add(home.resolve("bin/sluice").toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(unpackDir.toFile());
        Map<String, String> env = pb.environment();
        env.remove("JAVA_HOME");
        env.remove("JAVA_TOOL_OPTIONS");
        env.put("PATH", "/usr/bin:/bin");
        env.put("XDG_CACHE_HOME", unpackDir.resolve("cache").toString());
        env.putAll(extraEnv);
        return Exec.run(pb, 120);
    }

    @Test
    void layoutHasLauncherRuntimeCompilerLicenseAndReadme() throws IOException {
        assertTrue(Files.isExecutable(home.resolve("bin/sluice")));
        assertTrue(Files.isRegularFile(home.resolve("lib/sluice-jit-choice.sh")));
        assertTrue(
                Files.isRegularFile(home.resolve("lib/sluice-no-jit.jvmargs")),
                "the JVM flags bin/sluice and the AOT training share");
        assertTrue(Files.isRegularFile(home.resolve("LICENSE")));
        assertTrue(Files.isRegularFile(home.resolve("README")));
        assertTrue(Files.isExecutable(home.resolve("runtime/bin/java")), "the jlink runtime");
        assertTrue(
                Files.readString(home.resolve("runtime/release")).contains("JAVA_VERSION=\"25"), "a Java 25 runtime");
        String modules = Files.readString(home.resolve("runtime/release"));
        for (String module : List.of(
                "dev.sluice.launcher",
                "dev.sluice.core",
                "dev.sluice.bpf",
                "dev.sluice.scpl",
                "org.graalvm.truffle.runtime",
                "jdk.internal.vm.ci")) {
            assertTrue(modules.contains(module), "runtime/release lists module " + module);
        }
        assertTrue(
                Files.size(home.resolve("runtime/lib/sluice.aot")) > 1_000_000, "the AOT cache of the short commands");
        assertTrue(
                Files.isRegularFile(home.resolve("modules/compiler.jar")), "the Graal compiler, for the module path");
        assertTrue(
                Files.isRegularFile(home.resolve("lib/sluice-jit.jvmargs")),
                "the JVM flags of the runs with the compiler, shared with their AOT training");
        assertTrue(
                Files.size(home.resolve("runtime/lib/sluice-jit.aot")) > 1_000_000,
                "the AOT cache of the runs with the compiler");
    }

    /** {@code run --count} of the bundled {@code tcp port 80} over the bundled capture: 3 packets kept. */
    private static Exec countTcpPort80(Map<String, String> env, String... options)
            throws IOException, InterruptedException {
        List<String> args = new java.util.ArrayList<>(List.of(
                "run",
                "--profile",
                "socket",
                home.resolve("examples/tcp-port-80.ddd").toString(),
                "--pcap",
                home.resolve("examples/sample.pcap").toString(),
                "--count"));
        args.addAll(List.of(options));
        Exec run = sluiceWith(env, args.toArray(String[]::new));
        assertEquals(0, run.exitCode(), run::toString);
        assertEquals("3\n", run.stdout(), run::toString);
        return run;
    }

    /**
     * A run with the Graal compiler (SLUICE_JIT=on) starts with its own AOT cache, although the tarball was trained in
     * the build's directory and is unpacked here: the compiler's module path is the descriptor bin/sluice opens
     * (lib/sluice-jit.jvmargs). The compiler's classes come from the cache, and it compiles the filter.
     */
    @Test
    void compilerRunsUseTheirAotCacheWhereverTheTarballIsUnpacked() throws Exception {
        Path log = unpackDir.resolve("classes-jit.log");
        Exec run = countTcpPort80(
                Map.of("JAVA_TOOL_OPTIONS", "-XX:AOTMode=on -Xlog:class+load=info:file=" + log, "SLUICE_JIT", "on"),
                "--engine.CompileImmediately=true",
                "--engine.BackgroundCompilation=false",
                "--engine.TraceCompilation=true");
        assertTrue(run.stderr().contains("opt done"), "the filter was compiled: " + run.stderr());
        List<String> compilerClasses = Files.readString(log)
                .lines()
                .filter(l -> l.contains(" jdk.graal.compiler."))
                .toList();
        long fromCache = compilerClasses.stream()
                .filter(l -> l.contains("source: shared objects file"))
                .count();
        assertTrue(
                compilerClasses.size() > 1000 && fromCache > compilerClasses.size() * 9 / 10,
                "nearly all of the compiler's classes come from the AOT cache: " + fromCache + " of "
                        + compilerClasses.size());
    }

    /**
     * Short commands start without JVMCI and with the AOT cache; a run over a capture starts with the Graal compiler.
     * Seen through the JVM's class-loading log: classes "source: shared objects file" come from the AOT cache.
     */
    @Test
    void shortCommandsUseTheAotCacheWithoutGraalAndCaptureRunsUseGraal() throws Exception {
        Path log = unpackDir.resolve("classes-check.log");
        // -XX:AOTMode=on: a cache the JVM cannot use (flags that differ from the training's) stops it, instead of
        // being ignored without a word.
        Exec check = sluiceWith(
                Map.of("JAVA_TOOL_OPTIONS", "-XX:AOTMode=on -Xlog:class+load=info:file=" + log),
                "check",
                home.resolve("examples/deny-mkdir.scpl").toString());
        assertEquals(0, check.exitCode(), check::toString);
        String classes = Files.readString(log);
        long fromCache = classes.lines()
                .filter(l -> l.contains("source: shared objects file"))
                .count();
        long total = classes.lines().count();
        assertTrue(
                fromCache > total * 9 / 10,
                "nearly all classes of `check` come from the AOT cache: " + fromCache + " of " + total);
        assertTrue(
                classes.lines().noneMatch(l -> l.contains("jdk.graal.compiler.")),
                "check must start without the Graal compiler");

        // A capture run starts without the compiler too (lib/sluice-jit-choice.sh); SLUICE_JIT=on starts it.
        for (String jit : List.of("auto", "on")) {
            Path runLog = unpackDir.resolve("classes-run-" + jit + ".log");
            countTcpPort80(Map.of("JAVA_TOOL_OPTIONS", "-Xlog:class+load=info:file=" + runLog, "SLUICE_JIT", jit));
            assertEquals(
                    jit.equals("on"),
                    Files.readString(runLog).lines().anyMatch(l -> l.contains("jdk.graal.compiler.")),
                    "SLUICE_JIT=" + jit + ": whether the capture run loaded the Graal compiler");
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
        Exec e = sluice(
                "run",
                home.resolve("examples/jitk.scpl").toString(),
                "--syscall",
                "open",
                "--syscall",
                "getpid",
                "--syscall",
                "write");
        assertEquals(0, e.exitCode(), e::toString);
        assertEquals("ERRNO(13)\nALLOW\nKILL\n", e.stdout(), e::toString);
    }

    @Test
    void checkVerifiesABundledExample() throws Exception {
        Exec e = sluice("check", home.resolve("examples/allow-basic.bpf").toString());
        assertEquals(0, e.exitCode(), e::toString);
        assertTrue(e.stdout().contains("allow-basic.bpf: ok (10 instructions)"), e::toString);
    }

    /** learn starts a second JVM of the launcher: from the tarball, that is its own runtime with the linked modules. */
    @Test
    void learnThenExecWithTheBundledRuntime() throws Exception {
        boolean seccomp = Files.readString(Path.of("/proc/self/status")).contains("Seccomp:");
        if (!seccomp) {
            System.err.println("SKIPPED: StandaloneTarballTest.learnThenExecWithTheBundledRuntime: no seccomp");
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(seccomp, "SKIPPED: no seccomp");
        Path policy = unpackDir.resolve("echo.scpl");
        Exec learn = sluice("learn", "-o", policy.toString(), "--", "/bin/echo", "learned");
        assertEquals(0, learn.exitCode(), learn::toString);
        assertEquals("learned\n", learn.stdout(), learn::toString);
        Exec exec = sluice("exec", policy.toString(), "--", "/bin/echo", "learned");
        assertEquals(0, exec.exitCode(), exec::toString);
        assertEquals("learned\n", exec.stdout(), exec::toString);
        Exec mkdir = sluice(
                "exec",
                policy.toString(),
                "--",
                "/bin/mkdir",
                unpackDir.resolve("nope").toString());
        assertEquals(1, mkdir.exitCode(), mkdir::toString);
        assertTrue(mkdir.stderr().contains("Operation not permitted"), mkdir::toString);

        // The command gets the descriptors its caller passed (here 0-2 and 5), none of the JVM's own (its runtime
        // image, entropy devices, the compiler's jar and directory): ls lists those and its own listing's, 3.
        Path lsPolicy = unpackDir.resolve("ls-fds.scpl");
        Exec learnLs = sluice("learn", "-o", lsPolicy.toString(), "--", "/bin/ls", "/proc/self/fd");
        assertEquals(0, learnLs.exitCode(), learnLs::toString);
        for (String jit : List.of("off", "on")) {
            Exec fds = sluiceThrough(
                    List.of("bash", "-c", "exec 5</dev/null; exec \"$0\" \"$@\""),
                    Map.of("SLUICE_JIT", jit),
                    "exec",
                    lsPolicy.toString(),
                    "--",
                    "/bin/ls",
                    "/proc/self/fd");
            assertEquals(0, fds.exitCode(), fds::toString);
            assertEquals(
                    List.of("0", "1", "2", "3", "5"),
                    fds.stdout().lines().toList(),
                    "SLUICE_JIT=" + jit + ": the command's descriptors: " + fds);
        }
    }

    @Test
    void checkRejectsGarbageWithExitCode1() throws Exception {
        Path bad = unpackDir.resolve("garbage.bpf");
        Files.write(bad, new byte[] {1, 2, 3, 0, 5});
        Exec e = sluice("check", bad.toString());
        assertEquals(1, e.exitCode(), e::toString);
        assertTrue(e.stderr().contains("not a multiple of 8"), e::toString);
    }
}
