package dev.sluice.tests.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * sluice.sh starts short commands with the AOT cache the build trained (launcher/target/sluice.aot). The JVM ignores
 * a cache whose flags do not match without a word, so this runs with {@code -XX:AOTMode=on}, under which a cache
 * that cannot be used stops the JVM ("Unable to use AOT cache"), and counts the classes that came from it.
 */
class SluiceShAotCacheTest {
    @TempDir
    Path tmp;

    @Test
    void checkStartsWithTheTrainedAotCache() throws Exception {
        Path root = RepoPaths.root();
        Path log = tmp.resolve("classes.log");
        ProcessBuilder pb = new ProcessBuilder(
                        root.resolve("sluice.sh").toString(), "check", "examples/deny-mkdir.scpl")
                .directory(root.toFile());
        Map<String, String> env = pb.environment();
        env.put("JAVA_TOOL_OPTIONS", "-XX:AOTMode=on -Xlog:class+load=info:file=" + log);
        env.put("XDG_CACHE_HOME", tmp.resolve("cache").toString());
        env.remove("SLUICE_JIT");
        Exec r = Exec.run(pb, 120);
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals("examples/deny-mkdir.scpl: ok (21 instructions)\n", r.stdout(), r::toString);
        List<String> classes = Files.readAllLines(log);
        long fromCache = classes.stream()
                .filter(l -> l.contains("source: shared objects file"))
                .count();
        assertTrue(
                fromCache > classes.size() * 9 / 10,
                "nearly all classes of `check` come from the AOT cache: " + fromCache + " of " + classes.size());
        assertTrue(
                classes.stream().noneMatch(l -> l.contains("jdk.graal.compiler.")),
                "check must start without the Graal compiler");
    }

    /**
     * learn's second JVM (the child that installs the notifying filter and execs the command) takes the same AOT cache
     * and flags: under {@code -XX:AOTMode=on}, which the child inherits through the environment, a cache it could not
     * use would stop it before the command ran.
     */
    @Test
    void learnsChildStartsWithTheTrainedAotCacheToo() throws Exception {
        Path root = RepoPaths.root();
        ProcessBuilder pb = new ProcessBuilder(
                        root.resolve("sluice.sh").toString(),
                        "learn",
                        "-o",
                        tmp.resolve("echo.scpl").toString(),
                        "--",
                        "/bin/echo",
                        "learned")
                .directory(root.toFile());
        Map<String, String> env = pb.environment();
        env.put("JAVA_TOOL_OPTIONS", "-XX:AOTMode=on");
        env.put("XDG_CACHE_HOME", tmp.resolve("cache").toString());
        env.remove("SLUICE_JIT");
        Exec r = Exec.run(pb, 120);
        if (r.stderr().contains("seccomp user notification needs")) {
            System.err.println("SKIPPED: SluiceShAotCacheTest.learn: no seccomp user notification: " + r.stderr());
            org.junit.jupiter.api.Assumptions.abort("SKIPPED: no seccomp user notification");
        }
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals("learned\n", r.stdout(), r::toString);
    }

    /**
     * A run over a capture starts the same way, without the Graal compiler (scripts/sluice-jit-choice.sh: measured,
     * such runs end sooner without it), and SLUICE_JIT=on still starts it; the count is the same both ways.
     */
    @Test
    void runOverACaptureStartsWithoutTheCompilerUnlessAsked() throws Exception {
        Path root = RepoPaths.root();
        for (String jit : List.of("auto", "on")) {
            Path log = tmp.resolve("run-" + jit + ".log");
            ProcessBuilder pb = new ProcessBuilder(
                            root.resolve("sluice.sh").toString(),
                            "run",
                            "examples/tcp-port-80.ddd",
                            "--profile",
                            "socket",
                            "--pcap",
                            "examples/sample.pcap",
                            "--count")
                    .directory(root.toFile());
            Map<String, String> env = pb.environment();
            env.put("JAVA_TOOL_OPTIONS", "-Xlog:class+load=info:file=" + log);
            env.put("SLUICE_JIT", jit);
            Exec r = Exec.run(pb, 120);
            assertEquals(0, r.exitCode(), r::toString);
            assertEquals("3\n", r.stdout(), r::toString); // examples/sample.pcap: 3 packets to or from port 80
            boolean graal = Files.readAllLines(log).stream().anyMatch(l -> l.contains("jdk.graal.compiler."));
            assertEquals(jit.equals("on"), graal, "SLUICE_JIT=" + jit + ": the Graal compiler loaded: " + graal);
        }
    }
}
