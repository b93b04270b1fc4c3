package dev.sluice.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.sluice.bpf.CaseFile.InputCase;
import dev.sluice.bpf.CaseFile.ProgramCase;
import dev.sluice.bpf.formats.RawFormat;
import dev.sluice.bpf.isa.Ancillary;
import dev.sluice.bpf.isa.Insn;
import dev.sluice.bpf.isa.Opcodes;
import dev.sluice.bpf.isa.Profile;
import dev.sluice.bpf.isa.Program;
import dev.sluice.bpf.runtime.Failure;
import dev.sluice.core.seccomp.Arch;
import dev.sluice.core.testing.EngineMode;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;
import org.graalvm.polyglot.proxy.ProxyObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs every program of {@code src/test/resources/cases/**.cases} (format: cases/README.md) under every
 * {@link EngineMode}, through the public polyglot API: {@code Context.eval} then {@code execute} for each input, and
 * the batch entry points {@code runBatch} and {@code runRecords} for all inputs of a program at once. Every route must
 * give the expected value, so the modes and routes agree with each other. Programs expected to be refused must fail
 * {@code eval} with a syntax error whose message is exactly the expected one.
 *
 * <p>Two further tests keep the case files honest: every opcode the kernel accepts and every ancillary load is run by
 * some case, and every verifier failure kind is produced by some case.
 */
class DataDrivenTest {
    /** In BACKGROUND mode each program's inputs run until the filter has been called this often, past the thresholds. */
    private static final int BACKGROUND_CALLS = 24;
    /** ... and then on for at most this long, until a background compilation finishes. */
    private static final long BACKGROUND_WAIT_NANOS = 300_000_000L;

    private static final Map<EngineMode, Engine> ENGINES = new EnumMap<>(EngineMode.class);
    private static final Map<String, Context> CONTEXTS = new HashMap<>();

    @AfterAll
    static void closeEngines() {
        CONTEXTS.values().forEach(Context::close);
        CONTEXTS.clear();
        ENGINES.values().forEach(Engine::close);
        ENGINES.clear();
    }

    static List<ProgramCase> loadCases() throws IOException, URISyntaxException {
        URL url = DataDrivenTest.class.getResource("/cases");
        if (url == null) {
            throw new IllegalStateException("test resources directory 'cases' not found on the class path");
        }
        Path root = Path.of(url.toURI());
        List<Path> files;
        try (Stream<Path> walk = Files.walk(root)) {
            files = walk.filter(p -> p.toString().endsWith(".cases")).sorted().toList();
        }
        List<ProgramCase> all = new ArrayList<>();
        for (Path f : files) {
            all.addAll(CaseFile.read(f, root.relativize(f).toString().replace('\\', '/')));
        }
        return all;
    }

    @TestFactory
    Stream<DynamicNode> cases() throws Exception {
        String only = System.getProperty("sluice.test.filter", "");
        List<ProgramCase> programs =
                loadCases().stream().filter(p -> p.name.contains(only)).toList();
        if (!only.isBlank()) {
            System.err.println("DataDrivenTest: only programs whose name contains '" + only + "' (sluice.test.filter)");
        }
        long inputs = programs.stream().mapToLong(p -> p.inputs.size()).sum();
        long rejects = programs.stream().filter(p -> p.reject != null).count();
        long batchable = programs.stream()
                .flatMap(p -> p.inputs.stream())
                .filter(i -> i.meta() == null)
                .count();
        System.err.printf(
                "DataDrivenTest: %d programs, %d inputs (%d also through runBatch/runRecords) + %d verifier rejections = %d cases x %d engine modes%n",
                programs.size(), inputs, batchable, rejects, inputs + rejects, modes().size());
        List<DynamicNode> nodes = new ArrayList<>();
        if (only.isBlank()) {
            nodes.add(dynamicTest(
                    "coverage: every accepted opcode and ancillary load is run", () -> checkOpcodeCoverage(programs)));
            nodes.add(dynamicTest(
                    "coverage: every verifier failure kind is expected by some case",
                    () -> checkVerifierCoverage(programs)));
        }
        for (EngineMode mode : modes()) {
            nodes.add(dynamicContainer(
                    mode.name(),
                    programs.stream().map(p -> programNode(mode, p)).toList()));
        }
        nodes.add(dynamicTest(
                "no engine logged a warning (e.g. a failed background compilation)",
                () -> assertTrue(
                        EngineMode.ENGINE_WARNINGS.isEmpty(), () -> "engine warnings: " + EngineMode.ENGINE_WARNINGS)));
        if (modes().contains(EngineMode.BACKGROUND)) {
            nodes.add(dynamicTest("BACKGROUND mode compiled filters while the cases ran", () -> {
                // Compilation is asynchronous: give the compiler threads time to finish on a busy machine.
                long deadline = System.nanoTime() + 60_000_000_000L;
                while (EngineMode.BACKGROUND.compilations().size() == 0 && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                System.err.println("DataDrivenTest: background compilations finished: "
                        + EngineMode.BACKGROUND.compilations().size());
                assertTrue(
                        EngineMode.BACKGROUND.compilations().size() > 0,
                        "no background compilation finished: BACKGROUND ran interpreted only");
            }));
        }
        return nodes.stream();
    }

    /** All modes, or those named in the system property sluice.test.modes (comma-separated) when iterating locally. */
    static List<EngineMode> modes() {
        String only = System.getProperty("sluice.test.modes", "");
        if (only.isBlank()) {
            return List.of(EngineMode.values());
        }
        List<EngineMode> modes = new ArrayList<>();
        for (String m : only.split(",")) {
            modes.add(EngineMode.valueOf(m.trim()));
        }
        System.err.println("DataDrivenTest: only engine modes " + modes + " (sluice.test.modes)");
        return modes;
    }

    private static DynamicNode programNode(EngineMode mode, ProgramCase p) {
        if (p.reject != null) {
            return dynamicTest(p.label() + ": rejected with '" + p.reject + "'", () -> {
                try {
                    Value v = eval(mode, p);
                    fail("the verifier accepted " + p.label() + " (" + v + "); expected: " + p.reject);
                } catch (PolyglotException e) {
                    assertTrue(e.isSyntaxError(), () -> "expected a syntax error, got " + e);
                    assertEquals(p.reject, e.getMessage(), p.label());
                }
            });
        }
        Value[] filter = new Value[1];
        List<DynamicNode> tests = new ArrayList<>();
        for (InputCase in : p.inputs) {
            tests.add(dynamicTest(in.label() + " => " + hex(in.expected()), () -> {
                Value f = filter(mode, p, filter);
                assertEquals(in.expected() & 0xffffffffL, run(f, in), () -> p.label() + " " + in.label());
            }));
        }
        List<InputCase> batch = p.inputs.stream().filter(i -> i.meta() == null).toList();
        if (!batch.isEmpty()) {
            tests.add(dynamicTest(
                    "runBatch and runRecords over " + batch.size() + " inputs",
                    () -> runBatches(filter(mode, p, filter), p, batch)));
        }
        if (mode == EngineMode.BACKGROUND) {
            tests.add(dynamicTest("repeated calls while background compilation runs", () -> {
                Value f = filter(mode, p, filter);
                int compiledBefore = EngineMode.BACKGROUND.compilations().size();
                long deadline = System.nanoTime() + BACKGROUND_WAIT_NANOS;
                // Past the thresholds, then on until a compilation lands (this filter's or an earlier one's) or time is
                // up,
                // so that calls run while the compiler swaps code in.
                for (int call = 0;
                        call < BACKGROUND_CALLS
                                || EngineMode.BACKGROUND.compilations().size() == compiledBefore
                                        && System.nanoTime() < deadline; ) {
                    for (InputCase in : p.inputs) {
                        assertEquals(
                                in.expected() & 0xffffffffL,
                                run(f, in),
                                () -> p.label() + " " + in.label() + " (repeated)");
                        call++;
                    }
                }
            }));
        }
        return dynamicContainer(p.label(), tests);
    }

    private static long run(Value filter, InputCase in) {
        Value v = in.meta() == null
                ? filter.execute(in.bytes())
                : filter.execute(in.bytes(), ProxyObject.fromMap(in.meta()));
        return v.asLong();
    }

    /** All meta-less inputs in one runBatch call, and in one runRecords call per input length. */
    private static void runBatches(Value filter, ProgramCase p, List<InputCase> batch) {
        int n = batch.size();
        int total = batch.stream().mapToInt(i -> i.bytes().length).sum();
        byte[] data = new byte[total];
        int[] offsets = new int[n];
        int[] lengths = new int[n];
        int[] verdicts = new int[n];
        int at = 0;
        for (int i = 0; i < n; i++) {
            byte[] b = batch.get(i).bytes();
            System.arraycopy(b, 0, data, at, b.length);
            offsets[i] = at;
            lengths[i] = b.length;
            at += b.length;
        }
        long accepted = filter.invokeMember("runBatch", data, offsets, lengths, verdicts)
                .asLong();
        for (int i = 0; i < n; i++) {
            assertEquals(
                    hex(batch.get(i).expected()),
                    hex(verdicts[i]),
                    p.label() + " runBatch " + batch.get(i).label());
        }
        assertEquals(
                batch.stream().filter(i -> i.expected() != 0).count(), accepted, "runBatch's count of nonzero results");

        Map<Integer, List<InputCase>> byLength = new LinkedHashMap<>();
        for (InputCase in : batch) {
            if (in.bytes().length > 0) {
                byLength.computeIfAbsent(in.bytes().length, k -> new ArrayList<>())
                        .add(in);
            }
        }
        for (Map.Entry<Integer, List<InputCase>> group : byLength.entrySet()) {
            int size = group.getKey();
            List<InputCase> records = group.getValue();
            byte[] recordData = new byte[size * records.size()];
            for (int i = 0; i < records.size(); i++) {
                System.arraycopy(records.get(i).bytes(), 0, recordData, i * size, size);
            }
            int[] out = new int[records.size()];
            long count =
                    filter.invokeMember("runRecords", recordData, size, out).asLong();
            for (int i = 0; i < records.size(); i++) {
                assertEquals(
                        hex(records.get(i).expected()),
                        hex(out[i]),
                        p.label() + " runRecords " + records.get(i).label());
            }
            assertEquals(
                    records.stream().filter(i -> i.expected() != 0).count(),
                    count,
                    "runRecords' count of nonzero results");
        }
    }

    private static Value filter(EngineMode mode, ProgramCase p, Value[] holder) {
        if (holder[0] == null) {
            holder[0] = eval(mode, p);
        }
        return holder[0];
    }

    static Value eval(EngineMode mode, ProgramCase p) {
        byte[] raw = RawFormat.encode(new Program(p.insns), p.arch.byteOrder());
        String mime = p.profile == Profile.SECCOMP ? BpfLanguage.MIME_BINARY_SECCOMP : BpfLanguage.MIME_BINARY_SOCKET;
        Source source = Source.newBuilder(BpfLanguage.ID, ByteSequence.create(raw), p.file + ":" + p.line)
                .mimeType(mime)
                .buildLiteral();
        return context(mode, p.arch).eval(source);
    }

    static synchronized Context context(EngineMode mode, Arch arch) {
        Engine engine = ENGINES.computeIfAbsent(mode, EngineMode::newEngine);
        return CONTEXTS.computeIfAbsent(
                mode + "/" + arch.token(),
                k -> mode.contextBuilder("bpf", engine)
                        .option("bpf.Arch", arch.token())
                        .build());
    }

    static String hex(int v) {
        return String.format("0x%08x", v);
    }

    /** Every opcode in the kernel's whitelist, and every ancillary load, occurs in an accepted program that is run. */
    private static void checkOpcodeCoverage(List<ProgramCase> programs) {
        TreeSet<String> missing = new TreeSet<>();
        boolean[] seen = new boolean[256];
        boolean[] ancillarySeen = new boolean[Ancillary.values().length];
        for (ProgramCase p : programs) {
            if (p.reject != null) {
                continue;
            }
            for (Insn in : p.insns) {
                if (in.code() < 256) {
                    seen[in.code()] = true;
                }
                int c = in.code();
                if (p.profile == Profile.SOCKET
                        && Opcodes.cls(c) == Opcodes.LD
                        && Opcodes.mode(c) == Opcodes.ABS
                        && Ancillary.fromK(in.k()) != null) {
                    ancillarySeen[Ancillary.fromK(in.k()).ordinal()] = true;
                }
            }
        }
        for (int code = 0; code < 256; code++) {
            if (Opcodes.isKnown(code) && !seen[code]) {
                missing.add(String.format("opcode 0x%02x (%s)", code, Opcodes.mnemonic(code)));
            }
        }
        for (Ancillary a : Ancillary.values()) {
            if (!ancillarySeen[a.ordinal()]) {
                missing.add("ancillary " + a);
            }
        }
        assertTrue(missing.isEmpty(), "not covered by any run case: " + missing);
    }

    /**
     * Every failure the kernel-rule verifier can raise is matched by at least one expected rejection. (Other VERIFY
     * kinds, e.g. constant-time taint, signatures and SCPL limits, have their own tests.)
     */
    private static void checkVerifierCoverage(List<ProgramCase> programs) {
        TreeSet<String> missing = new TreeSet<>();
        for (Failure f : dev.sluice.bpf.verify.Verifier.FAILURES) {
            Pattern pattern = Pattern.compile(Pattern.quote(f.format()).replaceAll("%[-+0-9]*[dsx]", "\\\\E.*\\\\Q"));
            if (programs.stream()
                    .noneMatch(
                            p -> p.reject != null && pattern.matcher(p.reject).matches())) {
                missing.add(f.name());
            }
        }
        assertTrue(missing.isEmpty(), "verifier failures with no rejection case: " + missing);
    }
}
