package dev.sluice.bpf.guards;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;

/**
 * The cost of the guards in compiled code (a measurement, not a test): ns per seccomp_data record through
 * {@code runRecords} for a libseccomp filter, with each guard on and off. Run: {@code java <graal flags> -cp <test cp> dev.sluice.bpf.guards.GuardCost [filter.bpf]}.
 */
public final class GuardCost {
    public static void main(String[] args) throws Exception {
        Path filter = Path.of(args.length > 0 ? args[0] : "/work/shared/conformance/libseccomp/53-sim-binary_tree.bpf");
        byte[] program = Files.readAllBytes(filter);
        int n = 4096;
        byte[] records = new byte[64 * n];
        ByteBuffer b = ByteBuffer.wrap(records).order(ByteOrder.LITTLE_ENDIAN);
        Random rnd = new Random(1);
        for (int i = 0; i < n; i++) {
            b.putInt(64 * i, rnd.nextInt(460));
            b.putInt(64 * i + 4, 0xc000003e); // AUDIT_ARCH_X86_64
            for (int a = 0; a < 6; a++) {
                b.putLong(64 * i + 16 + 8 * a, rnd.nextInt(8));
            }
        }
        Map<String, Map<String, String>> configs = new LinkedHashMap<>();
        configs.put("no guards", Map.of("bpf.ConstantBlinding", "off"));
        configs.put("MaxInstructions=4096", Map.of("bpf.ConstantBlinding", "off", "bpf.MaxInstructions", "4096"));
        configs.put(
                "MaxInstructions=24 (metered)",
                Map.of(
                        "bpf.ConstantBlinding",
                        "off",
                        "bpf.MaxInstructions",
                        "24",
                        "bpf.OverBudgetAction",
                        "verdict:0"));
        configs.put(
                "MaxInstructions=4096+counters",
                Map.of("bpf.ConstantBlinding", "off", "bpf.MaxInstructions", "4096", "bpf.BudgetCounters", "true"));
        configs.put("ConstantBlinding=on", Map.of("bpf.ConstantBlinding", "on"));
        configs.put(
                "MaxInstructions=24+blinding",
                Map.of("bpf.ConstantBlinding", "on", "bpf.MaxInstructions", "24", "bpf.OverBudgetAction", "verdict:0"));
        configs.put(
                "all: 4096+counters+blinding",
                Map.of("bpf.ConstantBlinding", "on", "bpf.MaxInstructions", "4096", "bpf.BudgetCounters", "true"));
        configs.put(
                "BudgetInvocationsPerSecond",
                Map.of("bpf.ConstantBlinding", "off", "bpf.BudgetInvocationsPerSecond", "1000000000"));
        System.out.println(
                "filter " + filter.getFileName() + " (" + program.length / 8 + " insns), " + n + " records per batch;"
                        + " each config warmed until its runRecords root is compiled at tier 2, then 21 interleaved rounds, median");
        List<String> names = new ArrayList<>(configs.keySet());
        List<Engine> engines = new ArrayList<>();
        List<Context> contexts = new ArrayList<>();
        List<Runnable> runs = new ArrayList<>();
        List<int[]> outs = new ArrayList<>();
        for (String name : names) {
            boolean[] tier2 = new boolean[1];
            Engine engine = Engine.newBuilder("bpf")
                    .option("engine.TraceCompilation", "true")
                    .logHandler(new Handler() {
                        @Override
                        public void publish(LogRecord r) {
                            if (r.getMessage() != null
                                    && r.getMessage().startsWith("opt done")
                                    && r.getMessage().contains("runRecords")
                                    && r.getMessage().contains("Tier 2")) {
                                tier2[0] = true;
                            }
                        }

                        @Override
                        public void flush() {}

                        @Override
                        public void close() {}
                    })
                    .build();
            Context c = Context.newBuilder("bpf")
                    .engine(engine)
                    .option("bpf.Arch", "x86_64")
                    .options(configs.get(name))
                    .build();
            engines.add(engine);
            contexts.add(c);
            Value f = c.eval(Source.newBuilder(
                            "bpf",
                            ByteSequence.create(program),
                            filter.getFileName().toString())
                    .buildLiteral());
            int[] verdicts = new int[n];
            outs.add(verdicts);
            Runnable run = () -> f.invokeMember("runRecords", records, 64, verdicts);
            runs.add(run);
            long deadline = System.nanoTime() + 120_000_000_000L;
            while (!tier2[0] && System.nanoTime() < deadline) {
                run.run();
            }
            if (!tier2[0]) {
                System.out.println("  (" + name + ": not compiled at tier 2 after 120 s)");
            }
        }
        double[][] rounds = new double[names.size()][21];
        // Bytes allocated per record, fewest of the rounds: a guard whose state is not scalar-replaced shows here.
        double[] allocated = new double[names.size()];
        Arrays.fill(allocated, Double.MAX_VALUE);
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        for (int r = 0; r < 21; r++) {
            for (int i = 0; i < names.size(); i++) {
                long bytes = threads.getCurrentThreadAllocatedBytes();
                long t = System.nanoTime();
                for (int k = 0; k < 10; k++) {
                    runs.get(i).run();
                }
                rounds[i][r] = (System.nanoTime() - t) / (10.0 * n);
                allocated[i] = Math.min(allocated[i], (threads.getCurrentThreadAllocatedBytes() - bytes) / (10.0 * n));
            }
        }
        double base = 0;
        for (int i = 0; i < names.size(); i++) {
            Arrays.sort(rounds[i]);
            double med = rounds[i][10];
            if (i == 0) {
                base = med;
            }
            System.out.printf(
                    "  runRecords %-28s %7.2f ns/record  %+6.1f%%  %6.2f B/record  (verdict hash %d)%n",
                    names.get(i), med, 100 * (med / base - 1), allocated[i], Arrays.hashCode(outs.get(i)));
        }
        for (Context c : contexts) {
            c.close();
        }
        for (Engine e : engines) {
            e.close();
        }
    }
}
