package dev.sluice.scpl;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the repository's examples/ directory from the module's working directory. */
public final class Examples {
    private Examples() {}

    public static Path dir() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null) {
            if (Files.isDirectory(p.resolve("examples"))
                    && Files.exists(p.resolve("pom.xml"))
                    && Files.isDirectory(p.resolve("language"))) {
                return p.resolve("examples");
            }
            p = p.getParent();
        }
        throw new IllegalStateException(
                "examples/ not found above " + Path.of("").toAbsolutePath());
    }

    public static Path path(String name) {
        return dir().resolve(name);
    }

    public static String text(String name) {
        try {
            return Files.readString(path(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
