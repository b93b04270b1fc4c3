package dev.sluice.benchmarks;

import static dev.sluice.bpf.isa.Opcodes.*;

import dev.sluice.bpf.formats.RawFormat;
import dev.sluice.bpf.isa.Ancillary;
import dev.sluice.bpf.isa.Insn;
import dev.sluice.bpf.isa.Program;
import dev.sluice.core.seccomp.Arch;
import dev.sluice.core.seccomp.SeccompData;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;

/**
 * A dudect-style leakage benchmark (Reparaz, Balasch, Verbauwhede, "Dude, is my code constant time?", 2017) for
 * compiled code. Each program is timed over two input classes (class 0: a fixed secret; class 1: random secrets),
 * interleaved at random; Welch's t-test over the two timing distributions, after cropping the slowest samples as
 * dudect does. |t| above 4.5 means a leak. Each program runs in normal mode (expected: a clear leak) and in
 * constant-time mode (expected: none, or refused at load when the program cannot be made constant-time). Programs:
 * <ul>
 * <li>a seccomp filter that branches on a secret argument into a 120-instruction path or an immediate ret;</li>
 * <li>a socket filter whose netlink attribute search (nla) walks secret packet bytes: 61 steps for the fixed
 * packet, one for most random ones.</li>
 * </ul>
 * A measurement is only reported when Graal's compilation log (engine.TraceCompilationDetails) was quiet throughout
 * it: the warm-up runs until Tier 2 code exists, no compilation is queued or running, and the log has been quiet for
 * several rounds; any compilation event (queued, started, finished, failed, deoptimization, invalidation) logged
 * while measuring voids the result (a recompilation once produced a spurious t
 * of -141). A benchmark with a report, not a CI gate: timing is machine- and load-dependent.
 *
 * <p>Run: {@code benchmarks/leakage.sh [samples]}. Exit status 1 if any measurement was voided.
 */
public final class ConstantTimeLeakage {
    private static final int SECRET_MATCH = 0x5EC12E7;
    private static final int POOL = 4096;
    private static final int WARM_ROUND_CALLS = 20_000;
    private static final int QUIET_ROUNDS = 5;
    private static final long MAX_WARM_NANOS =
            Long.getLong("sluice.bench.leakage.maxWarmSeconds", 180L) * 1_000_000_000L;

    private ConstantTimeLeakage() {}

    /** ld arg0; jeq #SECRET -> 120 dependent ALU operations then ret A; else ret ALLOW. */
    static Program secretBranchProgram() {
        List<Insn> insns = new ArrayList<>();
        int longPath = 120;
        insns.add(Insn.stmt(LD | W | ABS, 16));
        insns.add(Insn.jump(JMP | JEQ | K, SECRET_MATCH, 1, 0));
        insns.add(Insn.stmt(RET | K, 0x7fff0000));
        int[] ops = {ADD, XOR, MUL, RSH, OR, SUB};
        for (int i = 0; i < longPath; i++) {
            int op = ops[i % ops.length];
            int k = op == RSH ? 1 + i % 7 : op == MUL ? 0x9E3779B1 | 1 : 0x1000193 * (i + 1);
            insns.add(Insn.stmt(ALU | op | K, k));
        }
        insns.add(Insn.stmt(AND | ALU | K, 0xfff));
        insns.add(Insn.stmt(OR | ALU | K, 0x00050000));
        insns.add(Insn.stmt(RET | A, 0));
        return new Program(insns);
    }

    /** ld #0; ldx #2; ld nla; ret a: where in the packet is netlink attribute type 2? A and X are public. */
    static Program netlinkSearchProgram() {
        return Program.of(
                Insn.stmt(LD | IMM, 0),
                Insn.stmt(LDX | IMM, 2),
                Insn.stmt(LD | W | ABS, Ancillary.NLATTR.k()),
                Insn.stmt(RET | A, 0));
    }

    /** 60 four-byte attributes of type 1, then type 2: the walk takes 61 steps (little-endian netlink headers). */
    static byte[] longWalkPacket() {
        byte[] p = new byte[256];
        for (int at = 0; at + 4 <= p.length; at += 4) {
            p[at] = 4;
            p[at + 2] = (byte) (at == 240 ? 2 : 1);
        }
        return p;
    }

    /** A workload: a program, its profile and secret declaration, and the two input classes. */
    record Workload(
            String name,
            String profile,
            String secretFields,
            Program program,
            Supplier<byte[]> fixed,
            Function<Random, byte[]> random) {}

    static List<Workload> workloads() {
        return List.of(
                new Workload(
                        "secret branch (seccomp, arg0)",
                        "seccomp",
                        "arg0",
                        secretBranchProgram(),
                        () -> SeccompData.encode(Arch.X86_64, 1, 0, SECRET_MATCH),
                        rnd -> SeccompData.encode(Arch.X86_64, 1, 0, rnd.nextInt() & 0x7fffffff)),
                new Workload(
                        "nla search (socket, bytes 0-255)",
                        "socket",
                        "0-255",
                        netlinkSearchProgram(),
                        ConstantTimeLeakage::longWalkPacket,
                        rnd -> {
                            byte[] p = new byte[256];
                            rnd.nextBytes(p);
                            return p;
                        }));
    }

    /** A measured result, or why there is none. */
    record Result(
            String workload, String mode, double t, double meanFixed, double meanRandom, int samples, String voided) {}

    /**
     * Follows engine.TraceCompilationDetails: every "opt ..." line (queued, start, done, failed, deoptimization,
     * invalidation) is an event. Compilations queued or started but not yet finished are in flight; Tier 2
     * completions are counted to know that warm-up reached optimized code.
     */
    static final class CompilationLog extends Handler {
        private static final Pattern EVENT = Pattern.compile("opt (\\w+).*?\\bid=(\\d+)");
        final List<String> events = new CopyOnWriteArrayList<>();
        final Set<String> inFlight = ConcurrentHashMap.newKeySet();
        final AtomicInteger tier2Done = new AtomicInteger();

        @Override
        public void publish(LogRecord r) {
            String m = r.getMessage();
            Matcher e = m == null ? null : EVENT.matcher(m);
            if (e == null || !e.find()) {
                return;
            }
            events.add(m);
            switch (e.group(1)) {
                case "queued", "start" -> inFlight.add(e.group(2));
                case "done", "failed", "unque" -> inFlight.remove(e.group(2)); // "opt unque." when a target is dequeued
                default -> {}
            }
            if (e.group(1).equals("done") && m.contains("|Tier 2|")) {
                tier2Done.incrementAndGet();
            }
        }

        /** The last event of each compilation still in flight. */
        String lastEventsInFlight() {
            List<String> last = new ArrayList<>();
            for (String id : inFlight) {
                for (int i = events.size() - 1; i >= 0; i--) {
                    if (events.get(i).matches(".*\\bid=" + id + "\\b.*")) {
                        last.add(events.get(i).replaceAll("\\s+", " ").strip());
                        break;
                    }
                }
            }
            return String.join("; ", last);
        }

        boolean settled() {
            return tier2Done.get() > 0 && inFlight.isEmpty();
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    }

    static Result measure(Workload w, boolean constantTime, int samples, long seed) {
        String mode = constantTime ? "constant-time" : "normal";
        CompilationLog log = new CompilationLog();
        try (Engine engine = Engine.newBuilder()
                        .allowExperimentalOptions(true)
                        .option("engine.WarnInterpreterOnly", "false")
                        .option("engine.TraceCompilationDetails", "true")
                        .logHandler(log)
                        .build();
                Context c = Context.newBuilder("bpf")
                        .engine(engine)
                        .allowExperimentalOptions(true)
                        .option("bpf.ConstantTime", Boolean.toString(constantTime))
                        .option("bpf.SecretFields", w.secretFields())
                        .option("bpf.Arch", "x86_64")
                        .build()) {
            Value filter;
            try {
                filter = c.eval(Source.newBuilder(
                                "bpf",
                                ByteSequence.create(RawFormat.encode(w.program(), ByteOrder.LITTLE_ENDIAN)),
                                "leak.bpf")
                        .mimeType("application/x-bpf-" + w.profile())
                        .buildLiteral());
            } catch (PolyglotException e) {
                if (!e.isSyntaxError()) {
                    throw e;
                }
                return new Result(
                        w.name(), mode, Double.NaN, Double.NaN, Double.NaN, 0, "refused at load: " + e.getMessage());
            }
            Random rnd = new Random(seed);
            // Both classes draw from pools of distinct arrays of the same size, so memory and cache behaviour is the
            // same for both and only the secret value differs (a single reused array would be hotter in cache).
            byte[][] fixedPool = new byte[POOL][];
            byte[][] randomPool = new byte[POOL][];
            for (int i = 0; i < POOL; i++) {
                fixedPool[i] = w.fixed().get();
                randomPool[i] = w.random().apply(rnd);
            }
            long sink = 0;
            // Warm up until Tier 2 code exists, nothing is queued or compiling, and the log has been quiet for
            // QUIET_ROUNDS rounds.
            long warmStart = System.nanoTime();
            int quiet = 0;
            int seen = log.events.size();
            while (!log.settled() || quiet < QUIET_ROUNDS) {
                if (System.nanoTime() - warmStart > MAX_WARM_NANOS) {
                    return new Result(
                            w.name(),
                            mode,
                            Double.NaN,
                            Double.NaN,
                            Double.NaN,
                            0,
                            "compilation did not settle within " + MAX_WARM_NANOS / 1_000_000_000L + " s of warm-up ("
                                    + log.events.size() + " events; still in flight: " + log.lastEventsInFlight()
                                    + ")");
                }
                for (int i = 0; i < WARM_ROUND_CALLS; i++) {
                    sink += filter.execute((i & 1) == 0 ? fixedPool[i & (POOL - 1)] : randomPool[i & (POOL - 1)])
                            .asLong();
                }
                int now = log.events.size();
                quiet = now == seen ? quiet + 1 : 0;
                seen = now;
            }
            System.err.printf(
                    "[leakage] %s, %s: warm after %.1f s, %d compilation events%n",
                    w.name(), mode, (System.nanoTime() - warmStart) / 1e9, seen);
            long[] fixedTimes = new long[samples];
            long[] randomTimes = new long[samples];
            int nf = 0;
            int nr = 0;
            while (nf < samples || nr < samples) {
                boolean cls = rnd.nextBoolean();
                if (cls && nf >= samples || !cls && nr >= samples) {
                    continue;
                }
                byte[] input = cls ? fixedPool[rnd.nextInt(POOL)] : randomPool[rnd.nextInt(POOL)];
                long t0 = System.nanoTime();
                sink += filter.execute(input).asLong();
                long dt = System.nanoTime() - t0;
                if (cls) {
                    fixedTimes[nf++] = dt;
                } else {
                    randomTimes[nr++] = dt;
                }
            }
            if (sink == 42) {
                System.out.print("");
            }
            List<String> during = log.events.subList(seen, log.events.size());
            if (!during.isEmpty()) {
                return new Result(
                        w.name(),
                        mode,
                        Double.NaN,
                        Double.NaN,
                        Double.NaN,
                        samples,
                        "VOID: " + during.size() + " compilation event(s) during measurement, first: "
                                + during.get(0).strip());
            }
            double[] a = crop(fixedTimes);
            double[] b = crop(randomTimes);
            return new Result(w.name(), mode, welch(a, b), mean(a), mean(b), samples, null);
        }
    }

    /** Drops the slowest 10% (interrupts, GC, timer noise), as dudect's percentile cropping does. */
    static double[] crop(long[] times) {
        long[] sorted = times.clone();
        Arrays.sort(sorted);
        int keep = (int) (sorted.length * 0.9);
        double[] out = new double[keep];
        for (int i = 0; i < keep; i++) {
            out[i] = sorted[i];
        }
        return out;
    }

    static double mean(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v;
        }
        return s / x.length;
    }

    static double variance(double[] x, double m) {
        double s = 0;
        for (double v : x) {
            s += (v - m) * (v - m);
        }
        return s / (x.length - 1);
    }

    /** Welch's t statistic for two samples with unequal variances. */
    static double welch(double[] a, double[] b) {
        double ma = mean(a);
        double mb = mean(b);
        double se = Math.sqrt(variance(a, ma) / a.length + variance(b, mb) / b.length);
        return se == 0 ? 0 : (ma - mb) / se;
    }

    public static void main(String[] args) {
        int samples = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        try (Engine probe = Engine.newBuilder()
                .option("engine.WarnInterpreterOnly", "false")
                .build()) {
            if (probe.getImplementationName().equals("Interpreted")) {
                System.err.println("warning: the Graal compiler is not active; this measures the fallback interpreter");
            }
            System.out.printf(
                    "dudect-style leakage test, %d samples per class, engine %s%n",
                    samples, probe.getImplementationName());
        }
        System.out.printf(
                "%-34s %-14s %10s %10s %10s  %s%n",
                "program", "mode", "t", "fixed ns", "random ns", "verdict (|t| > 4.5 = leak)");
        boolean voided = false;
        for (Workload w : workloads()) {
            for (boolean ct : new boolean[] {false, true}) {
                Result r = measure(w, ct, samples, 1234);
                if (r.voided() != null) {
                    voided |= r.voided().startsWith("VOID") || r.voided().startsWith("compilation");
                    System.out.printf(
                            "%-34s %-14s %10s %10s %10s  %s%n", r.workload(), r.mode(), "-", "-", "-", r.voided());
                } else {
                    System.out.printf(
                            "%-34s %-14s %10.2f %10.1f %10.1f  %s%n",
                            r.workload(),
                            r.mode(),
                            r.t(),
                            r.meanFixed(),
                            r.meanRandom(),
                            Math.abs(r.t()) > 4.5 ? "LEAK" : "no leak detected");
                }
            }
        }
        if (voided) {
            System.out.println(
                    "some measurements were voided by compilation during measurement; no conclusion from them");
            System.exit(1);
        }
    }
}
