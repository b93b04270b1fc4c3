package dev.sluice.tests.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README command 2 ({@code ./mvnw verify}) on a machine whose default {@code java} is not 25 and whose
 * {@code JAVA_HOME} is unset: the wrapper must find the JDK 25 itself, or say in one line what to install, instead
 * of crashing on the JDK-25-only flag in {@code .mvn/jvm.config}. The default java is simulated by a fake
 * {@code java} that reports 17, first on PATH; the JDK directory searched is a temporary one.
 */
class WrapperFindsJdkTest {
    @TempDir
    Path tmp;

    @Test
    void wrapperFindsTheJdk25WithJavaHomeUnsetAndAnOlderDefaultJava() throws Exception {
        Path jvmDir = Files.createDirectories(tmp.resolve("jvm"));
        Files.createSymbolicLink(jvmDir.resolve("some-jdk-25"), Path.of(System.getProperty("java.home")));
        Exec r = runWrapper(jvmDir, "-v");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.stdout().contains("Java version: 25"), r.toString());
        assertFalse(r.stderr().contains("Could not create the Java Virtual Machine"), r.toString());
        Files.delete(jvmDir.resolve("some-jdk-25")); // the link only, before JUnit warns about its outside target
    }

    @Test
    void withoutAJdk25TheWrapperSaysWhatToInstallInOneLine() throws Exception {
        Path emptyJvmDir = Files.createDirectories(tmp.resolve("no-jvms"));
        Exec r = runWrapper(emptyJvmDir, "-v");
        assertEquals(1, r.exitCode(), r.toString());
        List<String> lines = r.stderr().lines().toList();
        assertEquals(1, lines.size(), r.toString());
        assertTrue(lines.get(0).startsWith("error: Sluice needs a JDK 25 and found none"), r.toString());
        assertTrue(lines.get(0).contains("apt-get install temurin-25-jdk"), r.toString());
        assertFalse(r.stdout().contains("Apache Maven"), r.toString());
    }

    private Exec runWrapper(Path jvmDir, String... args) throws IOException, InterruptedException {
        Path fakeBin = Files.createDirectories(tmp.resolve("fake-java-17/bin"));
        for (String tool : List.of("java", "javac")) {
            Path script = fakeBin.resolve(tool);
            Files.writeString(script, "#!/bin/sh\necho 'openjdk version \"17.0.15\" 2025-04-15' >&2\n");
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        List<String> command = new java.util.ArrayList<>(
                List.of(RepoPaths.root().resolve("mvnw").toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb =
                new ProcessBuilder(command).directory(RepoPaths.root().toFile());
        Map<String, String> env = pb.environment();
        env.remove("JAVA_HOME");
        env.put("PATH", fakeBin + ":/usr/bin:/bin");
        env.put("SLUICE_JVM_DIR", jvmDir.toString());
        return Exec.run(pb, 120);
    }
}
