package dev.sluice.tests.fuzz;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.sluice.core.error.SluiceException;
import org.graalvm.polyglot.PolyglotException;

/**
 * What every fuzz target asks of a refusal: it is Sluice's own located error, short and on one line, never another
 * exception (a SluiceException, or for embedders a guest PolyglotException). A target that lets any other exception escape reports a finding (Jazzer treats it as a crash).
 */
final class FuzzChecks {
    /** Long enough for any real message; a message longer than this has quoted the input without clipping it. */
    static final int MAX_MESSAGE = 400;

    private FuzzChecks() {}

    /**
     * The input as text. Targets take bytes rather than a String so that a kept input is the file's text itself (Jazzer
     * encodes String parameters in its own format); invalid UTF-8 becomes U+FFFD, as a reader of a file would see it.
     */
    static String utf8(byte[] input) {
        return new String(input, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** A refusal of text: {@code name:line:col: reason} with a position inside the text. */
    static void locatedInText(SluiceException e, String name, String text) {
        assertTrue(e.line() >= 1 && e.column() >= 1, () -> "unlocated error: " + e.getMessage());
        long lines = text.lines().count();
        assertTrue(
                e.line() <= Math.max(1, lines + 1),
                () -> "line " + e.line() + " of a " + lines + "-line text: " + e.getMessage());
        assertTrue(e.getMessage().startsWith(name + ":" + e.line() + ":" + e.column() + ": "), e.getMessage());
        shortMessage(e.getMessage());
    }

    /**
     * A refusal's message: one line, short; or, where a language renders its errors with the source (SCPL), that line
     * followed by the source line and a caret under the column.
     */
    static void shortMessage(String message) {
        assertNotNull(message);
        String[] lines = message.split("\n", -1);
        assertTrue(
                lines.length == 1 || lines.length == 3 && lines[2].matches("[ \t]*\\^[\\^~]*"),
                () -> "a message is one line, or one line, the source line and a caret: " + message);
        String first = lines[0];
        assertFalse(first.isBlank(), "empty message");
        assertTrue(
                first.length() <= MAX_MESSAGE,
                () -> "message of " + first.length() + " chars: " + first.substring(0, 200) + "...");
        assertFalse(first.contains("\r"), () -> "a carriage return in: " + first);
    }

    // --- The work budget of one input ---

    /** CPU time a reader or verifier may spend on one input: this much, plus {@link #CPU_PER_BYTE_NS} per input byte. */
    static final long CPU_BASE_NS = 250_000_000L, CPU_PER_BYTE_NS = 200_000L;
    /** Bytes it may allocate on one input: this much, plus {@link #ALLOCATED_PER_BYTE} per input byte. */
    static final long ALLOCATED_BASE = 64L << 20, ALLOCATED_PER_BYTE = 16L << 10;
    /** Calls of a step measured only after this many: the first ones run cold code (class loading, the interpreter). */
    static final int WARM_UP = 200;

    /** Where reports over budget are appended; a test of the budget itself points it elsewhere. */
    static final String REPORT_PROPERTY = "sluice.fuzz.overBudgetReport";

    private static final java.util.Map<String, Integer> CALLS = new java.util.concurrent.ConcurrentHashMap<>();
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();

    /**
     * Runs one parser or verifier step on an input of {@code size} bytes and measures the CPU time and the bytes it
     * allocates on this thread (both much less sensitive to other load on the machine than wall time). Over the
     * budget, linear in the size with room, it is reported: a finding in a campaign ({@code sluice.fuzz.campaign},
     * scripts/fuzz.sh), a line on stderr and in {@code target/fuzz/over-budget.txt} when the kept inputs are replayed
     * by {@code ./mvnw verify} (where a loaded machine must not turn the build red).
     */
    static <T> T budgeted(String step, int size, java.util.function.Supplier<T> work) {
        return budgeted(step, size, 0, work);
    }

    /** A step's work for a step whose work is bounded by a number of units whatever the input (the eBPF verifier). */
    static final long CPU_PER_UNIT_NS = 1_000L, ALLOCATED_PER_UNIT = 256L;

    /**
     * {@link #budgeted(String, int, java.util.function.Supplier)} for a step that may do up to {@code units} units of
     * work on an input of any size, by design: the eBPF verifier, like the kernel's, explores a loop until it ends or
     * until it has processed ebpf.VerifierLimit instructions, so a 3-instruction loop may cost as much as a long
     * program. Each unit adds {@link #CPU_PER_UNIT_NS} of CPU and {@link #ALLOCATED_PER_UNIT} bytes to the budget.
     */
    static <T> T budgeted(String step, int size, long units, java.util.function.Supplier<T> work) {
        boolean measured = CALLS.merge(step, 1, Integer::sum) > WARM_UP;
        long cpu0 = THREADS.getCurrentThreadCpuTime();
        long allocated0 = THREADS.getCurrentThreadAllocatedBytes();
        boolean finished = false;
        try {
            T result = work.get();
            finished = true;
            return result;
        } finally {
            long cpu = THREADS.getCurrentThreadCpuTime() - cpu0;
            long allocated = THREADS.getCurrentThreadAllocatedBytes() - allocated0;
            if (finished && measured && over(size, units, cpu, allocated)) {
                // Once more on the same input: a first run of code no earlier input reached pays for loading and
                // instrumenting its classes (the scpl campaign's first policy to pass validation after 200 failing
                // ones: 346 MB), a cost of the JVM, not of the input. Only what costs as much again is reported.
                cpu0 = THREADS.getCurrentThreadCpuTime();
                allocated0 = THREADS.getCurrentThreadAllocatedBytes();
                work.get();
                cpu = THREADS.getCurrentThreadCpuTime() - cpu0;
                allocated = THREADS.getCurrentThreadAllocatedBytes() - allocated0;
            }
            if (measured) {
                overBudget(step, size, units, cpu, allocated, finished);
            }
        }
    }

    static void budgeted(String step, int size, Runnable work) {
        budgeted(step, size, () -> {
            work.run();
            return null;
        });
    }

    private static boolean over(int size, long units, long cpu, long allocated) {
        return cpu > CPU_BASE_NS + CPU_PER_BYTE_NS * size + CPU_PER_UNIT_NS * units
                || allocated > ALLOCATED_BASE + ALLOCATED_PER_BYTE * size + ALLOCATED_PER_UNIT * units;
    }

    private static void overBudget(String step, int size, long units, long cpu, long allocated, boolean finished) {
        long cpuBudget = CPU_BASE_NS + CPU_PER_BYTE_NS * size + CPU_PER_UNIT_NS * units;
        long allocatedBudget = ALLOCATED_BASE + ALLOCATED_PER_BYTE * size + ALLOCATED_PER_UNIT * units;
        if (!over(size, units, cpu, allocated)) {
            return;
        }
        String report = String.format(
                "over budget: %s on a %d-byte input took %d ms of CPU (budget %d ms) and allocated %d KiB (budget %d KiB)",
                step, size, cpu / 1_000_000, cpuBudget / 1_000_000, allocated >> 10, allocatedBudget >> 10);
        System.err.println(report);
        try {
            java.nio.file.Path file = java.nio.file.Path.of(System.getProperty(
                    REPORT_PROPERTY,
                    java.nio.file.Path.of("target", "fuzz", "over-budget.txt").toString()));
            java.nio.file.Files.createDirectories(file.getParent());
            java.nio.file.Files.writeString(
                    file,
                    report + "\n",
                    java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
        } catch (java.io.IOException e) {
            // the stderr line is the report
        }
        if (finished && Boolean.getBoolean("sluice.fuzz.campaign")) {
            fail(report);
        }
    }

    /** What an embedder sees of a refusal: a guest error (syntax or runtime), never an internal or host error. */
    static void guestError(PolyglotException e) {
        if (e.isInternalError() || e.isHostException() || !e.isGuestException()) {
            fail(
                    "not a guest error (internal=" + e.isInternalError() + ", host=" + e.isHostException() + "): "
                            + e.getMessage(),
                    e);
        }
        shortMessage(e.getMessage());
    }
}
