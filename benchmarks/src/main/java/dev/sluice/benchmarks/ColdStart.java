package dev.sluice.benchmarks;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Value;

/**
 * Cold start: the time from {@code eval} of a 4096-instruction socket filter to its first execution in compiled code,
 * in a fresh JVM. Modes: {@code eager} (engine.CompileImmediately=true, engine.BackgroundCompilation=false: the first
 * call compiles synchronously) and {@code default} (Truffle's thresholds and background compilation, calls kept
 * coming as a busy filter would see them). A compilation is detected from engine.TraceCompilation's "opt done" line
 * for the filter's root; the next call runs the compiled code. Mode {@code eager-warm} is {@code eager} after another
 * engine has compiled a small filter: it separates the Graal compiler's own warm-up (on a stock JDK the compiler is
 * Java code that starts interpreted) from the work of compiling this program; {@code eager-hot} compiles eight
 * 1024-instruction filters first, so the compiler's own code is JIT-compiled, as in a process that has compiled other
 * filters before. Mode {@code split} measures what compiling parts of a program in parallel could buy ({@link #split}).
 *
 * <p>{@code java <graal flags> -cp ... dev.sluice.benchmarks.ColdStart eager|eager-warm|eager-hot|default [instructions]}
 * or {@code ... ColdStart split PARTS}
 */
public final class ColdStart {
    private ColdStart() {}

    /** A valid straight-line-with-diamonds program: blocks of (ldh, add x, jgt, xor, tax), then ret a. */
    public static byte[] program(int instructions) {
        int blocks = (instructions - 1) / 5;
        ByteBuffer b = ByteBuffer.allocate(instructions * 8).order(ByteOrder.nativeOrder());
        int n = 0;
        for (int i = 0; i < blocks; i++) {
            b.putShort((short) 0x28).put((byte) 0).put((byte) 0).putInt((i % 29) * 2); // ldh [k]
            b.putShort((short) 0x0c).put((byte) 0).put((byte) 0).putInt(0); // add x
            b.putShort((short) 0x25).put((byte) 0).put((byte) 1).putInt(0x7fff); // jgt #0x7fff, jt 0, jf 1
            b.putShort((short) 0xa4).put((byte) 0).put((byte) 0).putInt(i); // xor #i
            b.putShort((short) 0x07).put((byte) 0).put((byte) 0).putInt(0); // tax
            n += 5;
        }
        while (n < instructions - 1) {
            b.putShort((short) 0x04).put((byte) 0).put((byte) 0).putInt(1); // add #1
            n++;
        }
        b.putShort((short) 0x16).put((byte) 0).put((byte) 0).putInt(0); // ret a
        return b.array();
    }

    /** {@code -Dcoldstart.trace=true}: print every compilation event, with the time since start, to stderr. */
    private static final boolean TRACE = Boolean.getBoolean("coldstart.trace");

    private static final long START = System.nanoTime();

    /** {@code -Dcoldstart.options=engine.Mode=latency,...}: engine options for the measured context (not the warm-up). */
    private static final java.util.List<String> EXTRA_OPTIONS =
            System.getProperty("coldstart.options", "").isEmpty()
                    ? java.util.List.of()
                    : java.util.List.of(System.getProperty("coldstart.options").split(","));

    static final class CompilationWatch extends Handler {
        /** Counted down at each of the filter roots' compilations ({@link #split} waits for all its parts). */
        final java.util.concurrent.CountDownLatch compilations;

        volatile long firstDone;
        volatile long tier2Done;
        volatile String firstLine;

        @Override
        public void publish(LogRecord r) {
            String m = r.getMessage();
            if (TRACE && m != null && m.contains("opt ")) {
                System.err.println("  [" + (System.nanoTime() - START) / 1_000_000 + " ms] " + m.strip());
            }
            if (m != null && m.contains("opt done") && m.contains(root)) {
                compilations.countDown();
                long now = System.nanoTime();
                if (firstDone == 0) {
                    firstDone = now;
                    firstLine = m.strip();
                }
                if (m.contains("Tier 2")) {
                    tier2Done = now;
                }
            }
        }

        /** The compiled roots it counts: those whose name in engine.TraceCompilation's lines contains this. */
        private final String root;

        /** Counts the bpf socket filters' roots. */
        CompilationWatch(int expected) {
            this(expected, "bpf-socket ");
        }

        CompilationWatch(int expected, String root) {
            compilations = new java.util.concurrent.CountDownLatch(expected);
            this.root = root;
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    }

    public static void main(String[] args) throws InterruptedException {
        String mode = args.length > 0 ? args[0] : "eager";
        if (mode.equals("split")) {
            split(args.length > 1 ? Integer.parseInt(args[1]) : 2);
            return;
        }
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 4096;
        byte[] raw = program(size);
        byte[] packet = new byte[64];
        for (int i = 0; i < packet.length; i++) {
            packet[i] = (byte) (i * 37 + 11);
        }
        if (mode.equals("eager-warm")) {
            warmCompiler(packet, 1, 21);
        } else if (mode.equals("eager-hot")) {
            warmCompiler(packet, HOT_ROUNDS, 1024);
        }
        CompilationWatch watch = new CompilationWatch(1);
        long t0 = System.nanoTime();
        Context.Builder b = Context.newBuilder("bpf")
                .allowExperimentalOptions(true)
                .option("bpf.Profile", "socket")
                .option("engine.TraceCompilation", "true")
                .logHandler(watch);
        for (String option : EXTRA_OPTIONS) {
            int eq = option.indexOf('=');
            b.option(option.substring(0, eq), option.substring(eq + 1));
        }
        switch (mode) {
            case "eager", "eager-warm", "eager-hot" ->
                b.option("engine.CompileImmediately", "true").option("engine.BackgroundCompilation", "false");
            case "default" -> {}
            default -> throw new IllegalArgumentException("mode: eager, eager-warm, eager-hot or default");
        }
        try (Context ctx = b.build()) {
            long tContext = System.nanoTime();
            Value f = Sluice.load(ctx, "socket", "cold", raw);
            long tEval = System.nanoTime();
            long first = f.execute(packet).asLong();
            long tFirstCall = System.nanoTime();
            long calls = 1;
            long deadline = tEval + 60_000_000_000L;
            while (watch.firstDone == 0 && System.nanoTime() < deadline) {
                if (f.execute(packet).asLong() != first) {
                    throw new IllegalStateException("the filter's result changed between calls");
                }
                calls++;
            }
            if (watch.firstDone == 0) {
                System.out.printf("coldstart %s %d insns: NOT COMPILED within 60 s (%d calls)%n", mode, size, calls);
                System.exit(1);
            }
            long r = f.execute(packet).asLong();
            long tCompiled = System.nanoTime();
            if (r != first) {
                throw new IllegalStateException("compiled code gave " + r + ", the interpreter " + first);
            }
            // In default mode keep calling until tier 2 lands (or 60 s), to report it too.
            while (mode.equals("default") && watch.tier2Done == 0 && System.nanoTime() < deadline) {
                f.execute(packet);
                calls++;
            }
            System.out.printf(
                    "coldstart %s %d insns: context %.0f ms, eval %.0f ms, first call %.0f ms, eval->first compiled execution %.0f ms"
                            + " (%d calls)%s%n",
                    mode,
                    size,
                    ms(tContext - t0),
                    ms(tEval - tContext),
                    ms(tFirstCall - tEval),
                    ms(tCompiled - tContext),
                    calls,
                    watch.tier2Done != 0
                            ? String.format(", eval->tier 2 done %.0f ms", ms(watch.tier2Done - tContext))
                            : "");
            System.out.println("  " + watch.firstLine);
            if (!EXTRA_OPTIONS.isEmpty()) {
                System.out.println("  with " + String.join(", ", EXTRA_OPTIONS));
            }
        }
    }

    /**
     * {@code split PARTS}: what splitting a 4096-instruction program into PARTS separately compiled parts could buy at
     * most in a fresh JVM. PARTS distinct filters of 4096 / PARTS instructions are evaluated and called once each;
     * their compilations run in the background on PARTS compiler threads ({@code engine.CompilerThreads}), and the time
     * runs from the first eval to the last part's compiled code. {@code split 1} is the whole program the same way.
     */
    private static void split(int parts) throws InterruptedException {
        CompilationWatch watch = new CompilationWatch(parts);
        try (Context ctx = Context.newBuilder("bpf")
                .allowExperimentalOptions(true)
                .option("bpf.Profile", "socket")
                .option("engine.CompileImmediately", "true")
                .option("engine.MultiTier", "false")
                .option("engine.CompilerThreads", String.valueOf(parts))
                .option("engine.TraceCompilation", "true")
                .logHandler(watch)
                .build()) {
            byte[] packet = new byte[64];
            long t0 = System.nanoTime();
            Value[] filters = new Value[parts];
            for (int i = 0; i < parts; i++) {
                byte[] part = program(4096 / parts);
                part[part.length - 12] = (byte) i; // the last add's constant: distinct programs
                filters[i] = Sluice.load(ctx, "socket", "part" + i, part);
            }
            for (Value f : filters) {
                f.execute(packet); // queues its compilation
            }
            if (!watch.compilations.await(120, java.util.concurrent.TimeUnit.SECONDS)) {
                System.out.printf("coldstart split %d: NOT COMPILED within 120 s%n", parts);
                System.exit(1);
            }
            System.out.printf(
                    "coldstart split %d x %d insns, %d compiler threads: eval->all parts compiled %.0f ms%n",
                    parts, 4096 / parts, parts, ms(System.nanoTime() - t0));
        }
    }

    /** Rounds of {@code eager-hot}: enough 1024-instruction compilations for the compiler's own code to be JIT-compiled. */
    private static final int HOT_ROUNDS = 8;

    /**
     * Compiles {@code rounds} filters of {@code size} instructions, each in a separate engine, so the compiler itself is
     * warm: one small filter ({@code eager-warm}) loads and links the compiler; many large ones ({@code eager-hot})
     * leave its hot paths compiled by HotSpot, as in a long-running process that has compiled other filters before.
     */
    private static void warmCompiler(byte[] packet, int rounds, int size) {
        for (int round = 0; round < rounds; round++) {
            long t = System.nanoTime();
            try (Context warm = Context.newBuilder("bpf")
                    .allowExperimentalOptions(true)
                    .option("bpf.Profile", "socket")
                    .option("engine.CompileImmediately", "true")
                    .option("engine.BackgroundCompilation", "false")
                    .build()) {
                Value filter = Sluice.load(warm, "socket", "warm" + round, program(size));
                for (int i = 0; i < 3; i++) {
                    filter.execute(packet);
                }
            }
            if (rounds > 1) {
                System.out.printf(
                        "  warm-up round %d: %d instructions, %.0f ms%n", round, size, ms(System.nanoTime() - t));
            }
        }
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
