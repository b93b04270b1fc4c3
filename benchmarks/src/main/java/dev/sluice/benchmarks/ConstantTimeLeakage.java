package dev.sluice.benchmarks;

import static dev.sluice.bpf.isa.Opcodes.*;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;

import dev.sluice.bpf.formats.RawFormat;
import dev.sluice.bpf.isa.Insn;
import dev.sluice.bpf.isa.Program;
import dev.sluice.core.seccomp.Arch;
import dev.sluice.core.seccomp.SeccompData;

/**
 * A dudect-style leakage benchmark (Reparaz, Balasch, Verbauwhede, "Dude, is my code constant time?", 2017) for
 * compiled code: one seccomp filter that branches on a secret argument into a long or a short path, timed over two
 * input classes (class 0: arg0 = the fixed value that takes the long path; class 1: random arg0, the short path),
 * interleaved at random. Welch's t-test over the two timing distributions, after cropping the slowest samples as
 * dudect does. |t| above 4.5 means a leak. It runs the same program in normal mode (expected: a clear leak) and in
 * constant-time mode (expected: none). A benchmark with a report, not a CI gate: timing is machine- and load-dependent.
 *
 * <p>Run: {@code benchmarks/leakage.sh [samples]}.
 */
public final class ConstantTimeLeakage {
    private static final int SECRET_MATCH = 0x5EC12E7;

    private ConstantTimeLeakage() {
    }

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

    record Result(String mode, double t, double meanFixed, double meanRandom, int samples) {
    }

    static Result measure(Engine engine, boolean constantTime, int samples, long seed) {
        try (Context c = Context.newBuilder("bpf").engine(engine).allowExperimentalOptions(true)
                        .option("bpf.ConstantTime", Boolean.toString(constantTime)).option("bpf.SecretFields", "arg0").build()) {
            Value filter = c.eval(Source.newBuilder("bpf", ByteSequence.create(RawFormat.encode(secretBranchProgram(), ByteOrder.LITTLE_ENDIAN)), "leak.bpf")
                            .mimeType("application/x-bpf-seccomp").buildLiteral());
            Random rnd = new Random(seed);
            // Both classes draw from pools of distinct arrays of the same size, so memory and cache behaviour is the
            // same for both and only the secret value differs (a single reused array would be hotter in cache).
            int pool = 4096;
            byte[][] fixedPool = new byte[pool][];
            byte[][] random = new byte[pool][];
            for (int i = 0; i < pool; i++) {
                fixedPool[i] = SeccompData.encode(Arch.X86_64, 1, 0, SECRET_MATCH);
                random[i] = SeccompData.encode(Arch.X86_64, 1, 0, rnd.nextInt() & 0x7fffffff);
            }
            // Warm up until compiled: the default thresholds compile after a few thousand calls.
            long sink = 0;
            for (int i = 0; i < 200_000; i++) {
                sink += filter.execute((i & 1) == 0 ? fixedPool[i & (pool - 1)] : random[i & (pool - 1)]).asLong();
            }
            long[] fixedTimes = new long[samples];
            long[] randomTimes = new long[samples];
            int nf = 0;
            int nr = 0;
            while (nf < samples || nr < samples) {
                boolean cls = rnd.nextBoolean();
                if (cls && nf >= samples || !cls && nr >= samples) {
                    continue;
                }
                byte[] input = cls ? fixedPool[rnd.nextInt(pool)] : random[rnd.nextInt(pool)];
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
            double[] a = crop(fixedTimes);
            double[] b = crop(randomTimes);
            return new Result(constantTime ? "constant-time" : "normal", welch(a, b), mean(a), mean(b), samples);
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
        try (Engine engine = Engine.newBuilder().option("engine.WarnInterpreterOnly", "false").build()) {
            if (engine.getImplementationName().equals("Interpreted")) {
                System.err.println("warning: the Graal compiler is not active; this measures the fallback interpreter");
            }
            System.out.printf("dudect-style leakage test, %d samples per class, engine %s%n", samples, engine.getImplementationName());
            System.out.printf("%-14s %12s %14s %14s  %s%n", "mode", "t", "fixed ns", "random ns", "verdict (|t| > 4.5 = leak)");
            for (boolean ct : new boolean[]{false, true}) {
                Result r = measure(engine, ct, samples, 1234);
                System.out.printf("%-14s %12.2f %14.1f %14.1f  %s%n", r.mode(), r.t(), r.meanFixed(), r.meanRandom(), Math.abs(r.t()) > 4.5 ? "LEAK" : "no leak detected");
            }
        }
    }
}
