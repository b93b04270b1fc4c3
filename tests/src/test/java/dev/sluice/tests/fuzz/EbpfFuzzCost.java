package dev.sluice.tests.fuzz;

import com.code_intelligence.jazzer.driver.FuzzedDataProviderImpl;
import dev.sluice.core.error.SluiceException;
import dev.sluice.ebpf.formats.RawFormat;
import dev.sluice.ebpf.formats.elf.ElfFormatException;
import dev.sluice.ebpf.formats.elf.ElfObjectReader;
import dev.sluice.ebpf.isa.Program;
import dev.sluice.ebpf.isa.ProgramType;
import dev.sluice.ebpf.verify.StructuralCheck;
import dev.sluice.ebpf.verify.Verifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.io.ByteSequence;

/**
 * Not a test: a measurement of what the kept eBPF fuzz inputs cost, the same steps {@link EbpfFuzzTest} budgets
 * ("ebpf load" of the raw target's programs, "ebpf ELF reader"), per input: CPU time and bytes allocated on this
 * thread (ThreadMXBean), the smaller of two runs after a warm-up pass over all inputs. Prints the costliest first.
 *
 * From the repository's root, after {@code scripts/fuzz.sh} has written {@code tests/target/fuzz/classpath.txt} (or
 * the same {@code ./mvnw -pl tests -am test-compile dependency:build-classpath} it runs). Outside Jazzer's agent the
 * {@code FuzzedDataProvider} needs Jazzer's bootstrap classes, which ship as a jar inside the Jazzer jar; the engine
 * options of {@code EngineMode} need Graal on the upgrade module path:
 *
 * <pre>
 * unzip -o -j -d tests/target/fuzz ~/.m2/repository/com/code-intelligence/jazzer/0.30.0/jazzer-0.30.0.jar \
 *     com/code_intelligence/jazzer/runtime/jazzer_bootstrap.jar
 * java -XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI --upgrade-module-path=tests/target/compiler \
 *     --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
 *     -cp "$(cat tests/target/fuzz/classpath.txt):tests/target/fuzz/jazzer_bootstrap.jar:tests/target/test-classes" \
 *     dev.sluice.tests.fuzz.EbpfFuzzCost [TOP [OUTCOMES]]
 * </pre>
 *
 * With OUTCOMES, it also writes each input's outcome there, one line each, and for the raw target's programs without
 * maps the verifier's own counts (instructions processed, states stored, stack depth): two builds of the verifier
 * that write the same file reached the same verdicts by the same exploration.
 */
public final class EbpfFuzzCost {
    private static final Path INPUTS = Path.of("tests/src/test/resources/dev/sluice/tests/fuzz/EbpfFuzzTestInputs");
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();

    private EbpfFuzzCost() {}

    private record Cost(String step, String input, int size, long cpuNs, long allocated, String outcome) {}

    /** The verifier alone on a raw target's program without maps: its counts, or its refusal. */
    private static String verifierCounts(byte[] kept) {
        String type;
        byte[] code;
        try (FuzzedDataProviderImpl data = FuzzedDataProviderImpl.withJavaData(kept)) {
            type = data.pickValue(EbpfFuzzTest.PROGRAM_TYPES);
            if (data.consumeBoolean()) {
                return "(maps)";
            }
            data.consumeBytes(data.consumeInt(0, 256));
            code = data.consumeRemainingAsBytes();
        }
        try {
            Program p = RawFormat.decode(code);
            ProgramType t = ProgramType.valueOf(type.toUpperCase(java.util.Locale.ROOT));
            Verifier.Result r = Verifier.verify(p, t, StructuralCheck.check(p, t), List.of(), Verifier.DEFAULT_LIMIT);
            return "processed " + r.processed() + ", stored " + r.statesStored() + ", depth " + r.peakStack()
                    + ", reached " + r.reached();
        } catch (SluiceException e) {
            return e.getMessage();
        }
    }

    /** The load step of rawProgramsLoadOrAreRefused on one kept input; returns the outcome (ok or the message). */
    private static String loadRaw(byte[] kept) {
        String type, maps;
        byte[] code;
        try (FuzzedDataProviderImpl data = FuzzedDataProviderImpl.withJavaData(kept)) {
            type = data.pickValue(EbpfFuzzTest.PROGRAM_TYPES);
            maps = data.consumeBoolean() ? "m:2:4:8:4,h:1:4:4:16" : "";
            data.consumeBytes(data.consumeInt(0, 256));
            code = data.consumeRemainingAsBytes();
        }
        Context context = EbpfFuzzTest.context(type, maps);
        try {
            context.eval(Source.newBuilder("ebpf", ByteSequence.create(code), "fuzz.ebpf")
                    .cached(false)
                    .buildLiteral());
            return "loaded";
        } catch (PolyglotException e) {
            return e.getMessage();
        }
    }

    private static String readElf(byte[] kept) {
        try {
            ElfObjectReader.read("fuzz.o", kept);
            return "read";
        } catch (ElfFormatException e) {
            return e.getMessage();
        }
    }

    private static Cost measure(String step, Path file, java.util.function.Function<byte[], String> work)
            throws IOException {
        byte[] kept = Files.readAllBytes(file);
        long bestCpu = Long.MAX_VALUE, bestAllocated = Long.MAX_VALUE;
        String outcome = null;
        for (int run = 0; run < 2; run++) {
            long cpu0 = THREADS.getCurrentThreadCpuTime();
            long allocated0 = THREADS.getCurrentThreadAllocatedBytes();
            outcome = work.apply(kept);
            bestCpu = Math.min(bestCpu, THREADS.getCurrentThreadCpuTime() - cpu0);
            bestAllocated = Math.min(bestAllocated, THREADS.getCurrentThreadAllocatedBytes() - allocated0);
        }
        return new Cost(step, file.getFileName().toString(), kept.length, bestCpu, bestAllocated, outcome);
    }

    private static List<Path> files(String method) throws IOException {
        try (Stream<Path> s = Files.list(INPUTS.resolve(method))) {
            return s.sorted().toList();
        }
    }

    public static void main(String[] args) throws IOException {
        int top = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        List<Path> raw = files("rawProgramsLoadOrAreRefused");
        List<Path> elf = files("elfObjectsReadOrAreRefused");
        // Warm-up: every input once, so that class loading and the interpreter's first runs are not counted.
        for (Path p : raw) {
            loadRaw(Files.readAllBytes(p));
        }
        for (Path p : elf) {
            readElf(Files.readAllBytes(p));
        }
        List<Cost> costs = new ArrayList<>();
        for (Path p : raw) {
            costs.add(measure("ebpf load", p, EbpfFuzzCost::loadRaw));
        }
        for (Path p : elf) {
            costs.add(measure("ebpf ELF reader", p, EbpfFuzzCost::readElf));
        }
        long totalCpu = 0, totalAllocated = 0;
        for (Cost c : costs) {
            totalCpu += c.cpuNs();
            totalAllocated += c.allocated();
        }
        System.out.printf(
                "%d inputs: %d ms of CPU, %d MB allocated in all%n",
                costs.size(), totalCpu / 1_000_000, totalAllocated >> 20);
        costs.sort((a, b) -> Long.compare(b.allocated(), a.allocated()));
        System.out.println("most allocating:");
        for (Cost c : costs.subList(0, Math.min(top, costs.size()))) {
            print(c);
        }
        costs.sort((a, b) -> Long.compare(b.cpuNs(), a.cpuNs()));
        System.out.println("most CPU:");
        for (Cost c : costs.subList(0, Math.min(top, costs.size()))) {
            print(c);
        }
        if (args.length > 1) {
            costs.sort((a, b) -> (a.step() + a.input()).compareTo(b.step() + b.input()));
            List<String> lines = new ArrayList<>();
            for (Cost c : costs) {
                String counts = c.step().equals("ebpf load")
                        ? " | "
                                + verifierCounts(Files.readAllBytes(INPUTS.resolve("rawProgramsLoadOrAreRefused")
                                        .resolve(c.input())))
                        : "";
                lines.add(c.step() + " " + c.input() + ": " + c.outcome() + counts);
            }
            Files.write(Path.of(args[1]), lines);
        }
        EbpfFuzzTest.closeContexts();
    }

    private static void print(Cost c) {
        String outcome = c.outcome().length() > 90 ? c.outcome().substring(0, 90) + "..." : c.outcome();
        System.out.printf(
                "  %-15s %-42s %6d B %6d ms %8.1f MB  %s%n",
                c.step(), c.input(), c.size(), c.cpuNs() / 1_000_000, c.allocated() / 1e6, outcome);
    }
}
