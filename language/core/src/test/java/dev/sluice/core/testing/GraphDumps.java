package dev.sluice.core.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs a test's probe (a class with a {@code main}) in a child JVM with Graal's graph dumping on
 * ({@code -Djdk.graal.Dump=Truffle:1 -Djdk.graal.PrintGraph=File}) and gives back what it printed and the dumped
 * graphs, which name every constant node's value in decimal: how the languages' constant blinding tests show that an
 * author constant is, or is not, in compiled code. The child gets this JVM's class path, module upgrade path (the
 * Graal compiler), {@code -XX:} flags and polyglot system properties.
 */
public final class GraphDumps {
    private GraphDumps() {}

    /**
     * @param output what the probe printed (stdout and stderr)
     * @param dumps the text of every dumped graph file (ISO-8859-1, so every byte is one character)
     * @param programGraphs the number of dump files whose names contain the program's root name
     */
    public record Run(String output, String dumps, int programGraphs) {
        /** The first line of the output that starts with {@code prefix}; fails the test when there is none. */
        public String line(String prefix) {
            return output.lines()
                    .filter(l -> l.startsWith(prefix))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no '" + prefix + "' line in: " + output));
        }
    }

    /**
     * Runs {@code probe} with {@code args} in a child JVM dumping its graphs into {@code dumpDir}; fails the test if the
     * child does not exit with 0 within two minutes.
     *
     * @param rootName a part of the names of the program's own compilations (its root node's name)
     */
    public static Run run(Path dumpDir, Class<?> probe, String rootName, String... args)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("-XX:")
                    || a.startsWith("--upgrade-module-path")
                    || a.startsWith("--enable-native-access")
                    || a.startsWith("-Dpolyglot.")) {
                cmd.add(a);
            }
        }
        cmd.addAll(List.of(
                "-Djdk.graal.Dump=Truffle:1",
                "-Djdk.graal.PrintGraph=File",
                "-Djdk.graal.DumpPath=" + dumpDir,
                "-cp",
                System.getProperty("java.class.path"),
                probe.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "probe finished");
        assertEquals(0, p.exitValue(), out);
        StringBuilder dumps = new StringBuilder();
        int programGraphs = 0;
        try (Stream<Path> files = Files.list(dumpDir)) {
            for (Path f : files.toList()) {
                if (f.getFileName().toString().contains(rootName)) {
                    programGraphs++;
                }
                dumps.append(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1));
            }
        }
        return new Run(out, dumps.toString(), programGraphs);
    }
}
