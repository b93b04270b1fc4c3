package dev.sluice.tests.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs the {@code sluice} command as a separate process, the way sluice.sh does: the launcher module and its runtime
 * modules from {@code launcher/target} on the module path, the Graal compiler jars on the upgrade module path. Maven
 * packages the launcher before this module's tests run (the tests module depends on it).
 */
public final class Sluice {
    static final Path ROOT = Path.of(System.getProperty("sluice.repo.root", ".."))
            .toAbsolutePath()
            .normalize();
    private static final Path TARGET = ROOT.resolve("launcher/target");

    public record Result(int exit, String stdout, String stderr, long pid) {
        public List<String> stderrLines() {
            return stderr.lines().toList();
        }

        public List<String> stdoutLines() {
            return stdout.lines().toList();
        }

        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
        }
    }

    private Sluice() {}

    public static Result run(String... args) {
        return runWith(List.of(), args);
    }

    /** Runs with extra JVM options (system properties) before the main class. */
    static Result runWith(List<String> jvmOptions, String... args) {
        return runWithInput(jvmOptions, null, args);
    }

    /** The command line that runs the packaged launcher with {@code args}, for tests that drive the process themselves. */
    static List<String> command(List<String> jvmOptions, String... args) {
        Path jar;
        try (var files = Files.list(TARGET)) {
            jar = files.filter(p -> p.getFileName().toString().matches("sluice-launcher-.*\\.jar"))
                    .findFirst()
                    .orElse(null);
        } catch (IOException e) {
            jar = null;
        }
        assertTrue(
                jar != null
                        && Files.isDirectory(TARGET.resolve("modules"))
                        && Files.isDirectory(TARGET.resolve("compiler")),
                "the launcher is not packaged in " + TARGET + ": build with ./mvnw verify (or -pl tests -am)");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of(
                "-XX:+UnlockExperimentalVMOptions",
                "-XX:+EnableJVMCI",
                "--upgrade-module-path=" + TARGET.resolve("compiler"),
                "--module-path=" + jar + java.io.File.pathSeparator + TARGET.resolve("modules"),
                "--enable-native-access=org.graalvm.truffle,dev.sluice.launcher,dev.sluice.inetdiag",
                "-Dpolyglot.engine.userResourceCache=" + TARGET.resolve("truffle-cache"),
                "-XX:+UseSerialGC",
                "-Xss8m",
                "--sun-misc-unsafe-memory-access=allow"));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-m", "dev.sluice.launcher/dev.sluice.launcher.Main"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Runs with {@code stdin} (null: none) on the process's standard input. */
    static Result runWithInput(List<String> jvmOptions, String stdin, String... args) {
        return runWithEnv(java.util.Map.of(), jvmOptions, stdin, args);
    }

    /** Runs with extra environment variables (they win over the defaults set here), JVM options and standard input. */
    static Result runWithEnv(java.util.Map<String, String> env, List<String> jvmOptions, String stdin, String... args) {
        List<String> cmd = command(jvmOptions, args);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile());
        // The policy cache of check and exec: one of the build's own, not the user's (PolicyCacheTest uses its own).
        pb.environment()
                .put("XDG_CACHE_HOME", ROOT.resolve("tests/target/sluice-cache").toString());
        pb.environment().putAll(env);
        try {
            Process p = pb.start();
            if (stdin != null) {
                p.getOutputStream().write(stdin.getBytes(StandardCharsets.US_ASCII));
            }
            p.getOutputStream().close();
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("sluice " + String.join(" ", args) + " did not finish within 120 s");
            }
            return new Result(p.exitValue(), out.join(), err.join(), p.pid());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static String read(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
