package dev.sluice.benchmarks;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;

/**
 * Compile latency of a long eBPF program (docs/performance.md, "Registers in frame slots", the paragraph on what
 * decides the eBPF figure): {@code WARM} programs of 1,024 instructions compiled first in contexts of their own (the
 * compiler's own code JIT-compiled, as in a process that has compiled programs before; 0 for a fresh JVM), then one of
 * {@code N} instructions, eagerly (compiled at its first call, in the calling thread), timed from eval to the first
 * call's return. The program: blocks of {@code ldxh} from the input, {@code add}, {@code add}, {@code xor},
 * {@code mov}, with no branches among them (the verifier follows one path through the blocks).
 *
 * <p>{@code java <graal flags> -cp ... dev.sluice.benchmarks.EbpfColdStart verified|unverified [N [WARM]]}:
 * {@code verified}: an XDP program that checks 64 bytes against {@code data_end} once, so every load is proven;
 * {@code unverified}: a raw program run with {@code ebpf.Verify=false}, so every load is guarded. Prints one line:
 * {@code ebpf-coldstart MODE N insns: eval->first call returned T ms; compilation ...} (engine.TraceCompilation's
 * figures: total, partial evaluation + backend, IR nodes).
 */
public final class EbpfColdStart {
    private EbpfColdStart() {}

    /** The program: in {@code verified} form an XDP program over at least 64 bytes, else a raw one over 8. */
    static String program(boolean verified, int instructions, int salt) {
        StringBuilder b = new StringBuilder();
        int n;
        if (verified) {
            b.append("ldxw %r2, [%r1+0]\n") // data
                    .append("ldxw %r3, [%r1+4]\n") // data_end
                    .append("mov %r4, %r2\n")
                    .append("add %r4, 64\n")
                    .append("mov %r0, 1\n")
                    .append("jgt %r4, %r3, out\n")
                    .append("mov %r1, %r2\n")
                    .append("mov %r3, 7\n");
            n = 8;
        } else {
            b.append("mov %r0, 0\n").append("ldxdw %r3, [%r1]\n").append("mov %r4, %r3\n");
            n = 3;
        }
        int last = instructions - (verified ? 2 : 1); // the exit, and the verified form's `and`
        while (n + 5 <= last) {
            b.append("ldxh %r5, [%r1+").append((n % 3) * 2).append("]\n");
            b.append("add %r0, %r5\n");
            b.append("add %r0, 1\n");
            b.append("xor %r0, ").append(n + salt).append('\n');
            b.append("mov %r6, %r0\n");
            n += 5;
        }
        while (n < last) {
            b.append("add %r0, 1\n");
            n++;
        }
        if (verified) {
            b.append("and %r0, 3\n").append("out:\n"); // an XDP action
        }
        b.append("exit\n");
        return b.toString();
    }

    /** Compiles and runs one program; returns the line to print. */
    static String compileOnce(boolean verified, int instructions, int salt) {
        // The program's own root ("ebpf-xdp:coldstart-7"), not the host's Value.execute root or a constant's.
        ColdStart.CompilationWatch watch =
                new ColdStart.CompilationWatch(1, "ebpf-" + (verified ? "xdp" : "raw") + ":coldstart-" + salt + " ");
        try (Context context = Context.newBuilder("ebpf")
                .allowExperimentalOptions(true)
                .option("ebpf.Verify", verified ? "true" : "false")
                .option("ebpf.ProgramType", verified ? "xdp" : "raw")
                .option("engine.CompileImmediately", "true")
                .option("engine.BackgroundCompilation", "false")
                .option("engine.MultiTier", "false")
                .option("engine.TraceCompilation", "true")
                .logHandler(watch)
                .build()) {
            long start = System.nanoTime();
            Value program =
                    context.eval(Source.newBuilder("ebpf", program(verified, instructions, salt), "coldstart-" + salt)
                            .mimeType("text/x-ebpf")
                            .buildLiteral());
            byte[] input = new byte[verified ? 128 : 8];
            program.execute(input);
            long ms = (System.nanoTime() - start) / 1_000_000;
            String compilation = watch.firstLine == null
                    ? "no compilation reported"
                    : watch.firstLine
                            .replaceAll(".*\\|Time +", "compilation ")
                            .replaceAll("\\|AST.*\\|IR +", ", IR ")
                            .replaceAll("\\|CodeSize.*", "");
            return String.format(
                    "ebpf-coldstart %s %d insns: eval->first call returned %d ms; %s",
                    verified ? "verified" : "unverified", instructions, ms, compilation);
        }
    }

    public static void main(String[] args) {
        if (args.length < 1 || !(args[0].equals("verified") || args[0].equals("unverified"))) {
            System.err.println("usage: EbpfColdStart verified|unverified [INSTRUCTIONS [WARM]]");
            System.exit(2);
        }
        boolean verified = args[0].equals("verified");
        int instructions = args.length > 1 ? Integer.parseInt(args[1]) : 4096;
        int warm = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        for (int i = 0; i < warm; i++) {
            System.err.println("  warm-up: " + compileOnce(verified, 1024, 1000 * (i + 1)));
        }
        System.out.println(compileOnce(verified, instructions, 7));
    }
}
