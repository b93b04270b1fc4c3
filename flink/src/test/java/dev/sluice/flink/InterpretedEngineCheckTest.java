package dev.sluice.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.graalvm.polyglot.Engine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The start-up check: a TaskManager JVM without the JVMCI flags runs Truffle in its fallback interpreter, and the job
 * must fail saying so, not run ten times slower in silence. The job runs in a child JVM with this test's class path
 * and no {@code -XX:+EnableJVMCI}/{@code --upgrade-module-path} (its own local MiniCluster), while this JVM, started
 * with the flags, shows the same class path does compile: the flags are the only difference.
 */
class InterpretedEngineCheckTest {
    @TempDir
    Path dir;

    @Test
    void aTaskManagerWithoutTheJvmciFlagsFailsTheJob() throws Exception {
        try (Engine engine = Engine.newBuilder("bpf").build()) {
            assertNotEquals(
                    "Interpreted",
                    engine.getImplementationName(),
                    "this test JVM has the flags (surefire argLine); the control must compile");
        }
        Path capture = dir.resolve("c.pcap");
        Files.write(
                capture,
                CaptureGenerator.pcap(
                        new CaptureGenerator(7).packets(50, 1_795_000_000L), ByteOrder.LITTLE_ENDIAN, false, 65535));
        Path program = dir.resolve("all.asm");
        Files.writeString(program, "ret #-1\n");

        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path")));
        String cache = System.getProperty("polyglot.engine.userResourceCache");
        if (cache != null) {
            command.add("-Dpolyglot.engine.userResourceCache=" + cache);
        }
        command.addAll(List.of(
                PcapFilterJob.class.getName(),
                "--input",
                capture.toString(),
                "--filter",
                program.toString(),
                "--count",
                "--parallelism",
                "1"));
        Path out = dir.resolve("stdout");
        Path err = dir.resolve("stderr");
        Process child = new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        if (!child.waitFor(180, TimeUnit.SECONDS)) {
            child.destroyForcibly();
            throw new AssertionError("the job in the child JVM did not finish in 180 s: " + read(err));
        }
        String stderr = read(err);
        assertEquals(1, child.exitValue(), "the job must fail; stdout: " + read(out) + "\nstderr: " + stderr);
        String[] lines = stderr.strip().split("\n");
        String last = lines[lines.length - 1];
        assertEquals("PcapFilterJob: " + SluiceFilterFunction.interpretedMessage("Interpreted"), last, stderr);
        for (String names : List.of(
                "-XX:+UnlockExperimentalVMOptions",
                "-XX:+EnableJVMCI",
                "--upgrade-module-path",
                "env.java.opts.taskmanager",
                "lib/",
                "job jar")) {
            assertTrue(last.contains(names), "the message names " + names + ": " + last);
        }
        assertFalse(stderr.contains("\tat "), "a deployment error prints no stack trace: " + stderr);
        assertTrue(read(out).isBlank(), "no count is printed for a failed job: " + read(out));
    }

    private static String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8);
    }
}
