package dev.sluice.benchmarks;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Follows engine.TraceCompilation's log to know when a call target has its last-tier (Tier 2) code. The compiled-tier
 * benchmarks warm up until their roots are there, so that a slow compile queue (2 shared cores) cannot leave the
 * measurement on first-tier or interpreted code. Single calls are watched through the host-to-guest roots that
 * polyglot creates for {@code Value.execute} / {@code Value.invokeMember}: at Tier 2 they inline the filter's root
 * (a direct call), which then never needs a compilation of its own.
 */
final class CompileWatch extends Handler {
    static final String HOST_EXECUTE = "org.graalvm.polyglot.Value<BpfFilter>.execute";
    static final String HOST_INVOKE = "org.graalvm.polyglot.Value<BpfFilter>.invoke";
    /** The longest warm-up before measuring anyway (compare.sh --quick lowers it). */
    static final int WARM_SECONDS = Integer.getInteger("sluice.bench.warmSeconds", 90);
    /** The longest wait for a steady state after Tier 2 ({@link #settle}). */
    static final int SETTLE_SECONDS = Integer.getInteger("sluice.bench.settleSeconds", 30);

    private static final Pattern OPT_DONE =
            Pattern.compile("opt done\\s+engine=\\d+\\s+id=\\d+\\s+(\\S+)\\s+\\|Tier (\\d)\\|");
    private final Set<String> lastTier = ConcurrentHashMap.newKeySet();
    /** The last "opt done" line of each Tier 2 root (its node counts and code size). */
    private final java.util.Map<String, String> lastTierLines = new ConcurrentHashMap<>();

    @Override
    public void publish(LogRecord r) {
        String m = r.getMessage();
        if (m == null) {
            return;
        }
        Matcher match = OPT_DONE.matcher(m);
        if (match.find() && match.group(2).equals("2")) {
            lastTier.add(match.group(1));
            lastTierLines.put(match.group(1), m);
        }
    }

    boolean compiled(String... roots) {
        for (String r : roots) {
            if (!lastTier.contains(r)) {
                return false;
            }
        }
        return true;
    }

    /** Runs {@code work} until all {@code roots} have Tier 2 code or {@code seconds} pass; says which on stderr. */
    void warmUntilCompiled(Runnable work, int seconds, String... roots) {
        long start = System.nanoTime();
        long deadline = start + seconds * 1_000_000_000L;
        while (!compiled(roots) && System.nanoTime() < deadline) {
            work.run();
        }
        double took = (System.nanoTime() - start) / 1e9;
        if (compiled(roots)) {
            System.err.printf("[sluice-bench] %s at Tier 2 after %.1f s of warm-up%n", String.join(", ", roots), took);
        } else {
            System.err.printf(
                    "[sluice-bench] WARNING: %s not all at Tier 2 after %.0f s (done: %s); measuring anyway%n",
                    String.join(", ", roots), took, lastTier);
        }
    }

    /** Windows of {@link #settle}, and how many in a row must be near the best one. */
    private static final long SETTLE_WINDOW_NANOS = 500_000_000L;

    private static final int SETTLED_WINDOWS = 4;

    /**
     * After {@link #warmUntilCompiled}: runs {@code work} in windows of half a second until {@value #SETTLED_WINDOWS}
     * windows in a row cost at most 1.25x the best window so far, or {@code seconds} pass; says which on stderr. Tier 2
     * code is not yet the steady state of a fresh JVM on a stock JDK: single calls measured 24-35 ns per call from about
     * 13 s after start, but 300-700 ns in whole seconds before that, with no Truffle compilation, invalidation or
     * transfer to the interpreter traced in between (2026-12-02, docs/performance.md "Single call"), which JMH's three
     * one-second warm-up iterations did not cover.
     */
    void settle(Runnable work, int seconds) {
        long start = System.nanoTime();
        long deadline = start + seconds * 1_000_000_000L;
        double best = Double.MAX_VALUE;
        // The last windows' costs: each is judged against the best so far when it ends, and again when a later window
        // sets a new best (else slow windows counted before the first fast one would pass for steady with it).
        double[] last = new double[SETTLED_WINDOWS];
        int windows = 0;
        boolean steady = false;
        while (!steady && System.nanoTime() < deadline) {
            long t = System.nanoTime();
            long runs = 0;
            while (System.nanoTime() - t < SETTLE_WINDOW_NANOS) {
                work.run();
                runs++;
            }
            double perRun = (System.nanoTime() - t) / (double) runs;
            best = Math.min(best, perRun);
            last[windows++ % SETTLED_WINDOWS] = perRun;
            steady = windows >= SETTLED_WINDOWS;
            for (double cost : last) {
                steady &= cost <= 1.25 * best;
            }
        }
        System.err.printf(
                "[sluice-bench] %s after %.1f s of settling%n",
                steady ? "steady" : "WARNING: not steady", (System.nanoTime() - start) / 1e9);
    }

    /** The roots with Tier 2 code so far. */
    Set<String> compiledRoots() {
        return Set.copyOf(lastTier);
    }

    /** The "opt done" line of a root's last Tier 2 compilation (node counts, code size), or null. */
    String lastTierLine(String root) {
        return lastTierLines.get(root);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
}
