package dev.sluice.tests.dist;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a command to completion with a time limit and captures its output. */
record Exec(int exitCode, String stdout, String stderr) {
    static Exec run(Path dir, Map<String, String> env, List<String> command, long timeoutSeconds)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
        pb.environment().putAll(env);
        return run(pb, timeoutSeconds);
    }

    /** Runs a prepared process (its command, directory and environment set by the caller). */
    static Exec run(ProcessBuilder pb, long timeoutSeconds) throws IOException, InterruptedException {
        List<String> command = pb.command();
        Path out = java.nio.file.Files.createTempFile("exec-out", ".txt");
        Path err = java.nio.file.Files.createTempFile("exec-err", ".txt");
        pb.redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p = pb.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out after " + timeoutSeconds + " s: " + command);
        }
        Exec e = new Exec(
                p.exitValue(),
                java.nio.file.Files.readString(out, StandardCharsets.UTF_8),
                java.nio.file.Files.readString(err, StandardCharsets.UTF_8));
        java.nio.file.Files.deleteIfExists(out);
        java.nio.file.Files.deleteIfExists(err);
        return e;
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
    }
}
