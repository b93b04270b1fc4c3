package dev.sluice.tests.dist;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the build put things, for tests that use built artifacts. */
final class RepoPaths {
    private RepoPaths() {}

    static Path root() {
        String prop = System.getProperty("sluice.repo.root");
        Path p = prop != null ? Path.of(prop) : Path.of("..");
        return p.toAbsolutePath().normalize();
    }

    static Path javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    static Path compilerDir() {
        Path p = root().resolve("tests/target/compiler");
        if (!Files.isRegularFile(p.resolve("compiler.jar"))) {
            throw new IllegalStateException(
                    "Graal compiler jars missing in " + p + " (the build copies them at process-resources)");
        }
        return p;
    }
}
