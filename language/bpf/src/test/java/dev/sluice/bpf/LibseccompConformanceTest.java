package dev.sluice.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.seccomp.Arch;
import dev.sluice.core.seccomp.SeccompAction;
import dev.sluice.core.seccomp.SeccompData;
import dev.sluice.core.testing.EngineMode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Sluice against libseccomp's own verdicts: the 40 filters and 7,562 (filter, arch, syscall, args) cases of
 * libseccomp 2.5.4's bpf-sim regression tests (shared/conformance/libseccomp, see its README). Every case runs compiled
 * (COMPILED) through {@code runRecords}, one call per (filter, arch) group; every 10th case also runs
 * through a single {@code execute} in the INTERPRETED engine. All must print as libseccomp's verdict.
 */
class LibseccompConformanceTest {
    /** The number of cases in libseccomp's bpf-sim tests as shipped in cases.tsv (its README). */
    private static final int EXPECTED_CASES = 7562;

    private static final int INTERPRETED_SAMPLE_EVERY = 10;

    record Case(int line, String program, Arch arch, int nr, long[] args, String verdict) {}

    /**
     * The shared data directory: the system property sluice.shared.dir when it names an existing directory, else the
     * first {@code shared/conformance/libseccomp} found beside the working directory or one of its parents (the repo
     * checkout has shared/ beside it). Null when there is none.
     */
    static Path findLibseccompDir() {
        List<Path> candidates = new ArrayList<>();
        String property = System.getProperty("sluice.shared.dir");
        if (property != null && !property.isBlank()) {
            candidates.add(Path.of(property).resolve("conformance/libseccomp"));
        }
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            candidates.add(d.resolve("shared/conformance/libseccomp"));
        }
        for (Path c : candidates) {
            if (Files.isRegularFile(c.resolve("cases.tsv"))) {
                return c.normalize();
            }
        }
        return null;
    }

    static List<Case> readCases(Path dir) throws IOException {
        List<String> lines = Files.readAllLines(dir.resolve("cases.tsv"), StandardCharsets.UTF_8);
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t");
            assertEquals(10, f.length, "cases.tsv line " + (i + 1) + ": expected 10 tab-separated fields: " + line);
            long[] args = new long[6];
            for (int a = 0; a < 6; a++) {
                args[a] = CaseFile.number(f[3 + a]);
            }
            cases.add(new Case(i + 1, f[0], Arch.fromToken(f[1]), (int) CaseFile.number(f[2]), args, f[9]));
        }
        return cases;
    }

    @Test
    void everyLibseccompVerdictAgrees() throws IOException {
        Path dir = findLibseccompDir();
        if (dir == null) {
            System.err.println(
                    "SKIPPED: LibseccompConformanceTest: shared/conformance/libseccomp not found (set -Dsluice.shared.dir)");
        }
        Assumptions.assumeTrue(
                dir != null, "SKIPPED: shared/conformance/libseccomp not found (set -Dsluice.shared.dir)");
        List<Case> cases = readCases(dir);
        assertEquals(EXPECTED_CASES, cases.size(), "cases in " + dir.resolve("cases.tsv"));

        Map<String, List<Case>> groups = new LinkedHashMap<>();
        for (Case c : cases) {
            groups.computeIfAbsent(c.program() + "\t" + c.arch().token(), k -> new ArrayList<>())
                    .add(c);
        }
        List<String> disagreements = new ArrayList<>();
        int compiledAgree = 0;
        int interpretedRun = 0;
        int interpretedAgree = 0;
        Map<String, byte[]> programs = new HashMap<>();
        try (Engine compiled = EngineMode.COMPILED.newEngine();
                Engine interpreted = EngineMode.INTERPRETED.newEngine()) {
            Map<Arch, Context> compiledContexts = new HashMap<>();
            Map<Arch, Context> interpretedContexts = new HashMap<>();
            try {
                int index = 0;
                for (List<Case> group : groups.values()) {
                    Case first = group.get(0);
                    byte[] raw = programs.computeIfAbsent(first.program(), p -> readProgram(dir, p));
                    // The .bpf holds sock_filter in the byte order of the case's arch; bpf.Arch makes Sluice decode it
                    // so.
                    Source source = Source.newBuilder(
                                    BpfLanguage.ID, ByteSequence.create(raw), first.program() + ".bpf")
                            .mimeType(BpfLanguage.MIME_BINARY_SECCOMP)
                            .buildLiteral();
                    Value filter = context(compiledContexts, compiled, EngineMode.COMPILED, first.arch())
                            .eval(source);
                    Value sampleFilter = null;

                    byte[] records = new byte[SeccompData.SIZE * group.size()];
                    for (int i = 0; i < group.size(); i++) {
                        Case c = group.get(i);
                        SeccompData.encodeInto(records, i * SeccompData.SIZE, c.arch(), c.nr(), 0, c.args());
                    }
                    int[] verdicts = new int[group.size()];
                    long nonzero;
                    try {
                        nonzero = filter.invokeMember("runRecords", records, SeccompData.SIZE, verdicts)
                                .asLong();
                    } catch (PolyglotException e) {
                        String m = String.valueOf(e.getMessage());
                        disagreements.add("compiled runRecords: " + first.program() + " on " + first.arch()
                                + " failed: " + m.substring(0, Math.min(300, m.length())));
                        index += group.size();
                        continue;
                    }
                    long expectedNonzero = 0;
                    for (int i = 0; i < group.size(); i++, index++) {
                        Case c = group.get(i);
                        String got = SeccompAction.format(verdicts[i]);
                        if (verdicts[i] != 0) {
                            expectedNonzero++;
                        }
                        if (got.equals(c.verdict())) {
                            compiledAgree++;
                        } else {
                            disagreements.add("compiled runRecords: " + describe(c) + ": libseccomp " + c.verdict()
                                    + ", Sluice " + got);
                        }
                        if (index % INTERPRETED_SAMPLE_EVERY == 0) {
                            if (sampleFilter == null) {
                                sampleFilter = context(
                                                interpretedContexts, interpreted, EngineMode.INTERPRETED, first.arch())
                                        .eval(source);
                            }
                            byte[] data = SeccompData.encode(c.arch(), c.nr(), 0, c.args());
                            String single = SeccompAction.format(
                                    (int) sampleFilter.execute(data).asLong());
                            interpretedRun++;
                            if (single.equals(c.verdict())) {
                                interpretedAgree++;
                            } else {
                                disagreements.add("interpreted execute: " + describe(c) + ": libseccomp " + c.verdict()
                                        + ", Sluice " + single);
                            }
                        }
                    }
                    assertEquals(
                            expectedNonzero,
                            nonzero,
                            "runRecords' count of nonzero results for " + first.program() + " on " + first.arch());
                }
            } finally {
                compiledContexts.values().forEach(Context::close);
                interpretedContexts.values().forEach(Context::close);
            }
        }
        System.err.printf(
                "LibseccompConformanceTest: %d/%d libseccomp verdicts agree compiled (runRecords, %d filter/arch groups); "
                        + "%d/%d agree interpreted (execute, every %dth case)%n",
                compiledAgree, cases.size(), groups.size(), interpretedAgree, interpretedRun, INTERPRETED_SAMPLE_EVERY);
        assertTrue(
                disagreements.isEmpty(),
                () -> disagreements.size() + " disagreements, first: "
                        + disagreements.subList(0, Math.min(20, disagreements.size())));
        assertEquals(EXPECTED_CASES, compiledAgree);
        assertEquals((EXPECTED_CASES + INTERPRETED_SAMPLE_EVERY - 1) / INTERPRETED_SAMPLE_EVERY, interpretedAgree);
    }

    private static Context context(Map<Arch, Context> contexts, Engine engine, EngineMode mode, Arch arch) {
        return contexts.computeIfAbsent(
                arch,
                a -> mode.contextBuilder("bpf", engine)
                        .option("bpf.Arch", a.token())
                        .build());
    }

    private static byte[] readProgram(Path dir, String name) {
        try {
            return Files.readAllBytes(dir.resolve(name + ".bpf"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + dir.resolve(name + ".bpf"), e);
        }
    }

    private static String describe(Case c) {
        StringBuilder sb = new StringBuilder(
                "cases.tsv:" + c.line() + " " + c.program() + " " + c.arch() + " nr=" + c.nr() + " args=");
        for (int i = 0; i < 6; i++) {
            sb.append(i == 0 ? "" : ",").append(Long.toHexString(c.args()[i]));
        }
        return sb.toString();
    }
}
