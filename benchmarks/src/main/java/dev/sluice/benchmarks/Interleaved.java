package dev.sluice.benchmarks;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntUnaryOperator;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;

/**
 * The gcc -O2 limit and Sluice's compiled batch, blinded and unblinded, timed in one process over the same arrays, one
 * pass of each in turn, round after round; two stretches: {@code repeated} (every pass in the capture's order, as JMH
 * and pcap_peers.c time them) and {@code shuffled} (each round another order of the same packets).
 *
 * <p>Why (docs/performance.md, "Interleaved passes"): on this kind of machine the speed of the same compiled code moves
 * by up to 2x from second to second, with the code, data and JVM unchanged, so parties timed one after the other can
 * each meet another level; and when every pass repeats the previous one, the CPU's branch predictor learns the set's
 * sequence of outcomes, differently for different code (the limit's `udp dst 53` ran 4x faster on a repeated order than
 * on orders that change each pass). The shuffled stretch is the link that never repeats itself.
 *
 * <p>The limit is the filter as bpf2c.py writes it, built as a shared library ({@code cc -O2 -shared -fPIC}), its
 * {@code spans} entry called once per pass through the FFM API with {@code Linker.Option.critical(true)}: it reads the
 * very Java arrays Sluice's {@code runBatch(data, offsets, lengths)} reads, and both count the accepted packets only.
 * Every party's count must equal the limit's.
 *
 * <p>{@code java <graal flags> -Dsluice.bench.pcap=FILE -cp ... dev.sluice.benchmarks.Interleaved LIBFILTERS.so
 * FILTER [ROUNDS]}; output, per stretch: {@code interleaved FILTER MODE PARTY MIN P10 MEDIAN} (ns per packet over
 * the recorded passes), then {@code interleaved-ratio FILTER MODE A/B MEDIAN P10 P90} (the ratio of the two parties'
 * passes in the same round, its median and spread over the rounds).
 */
public final class Interleaved {
    private Interleaved() {}

    /**
     * {@code -Dinterleaved.kind}: {@code bpf} (classic filters, the default), or {@code xdp} or {@code socket}: the eBPF
     * program of {@code -Dinterleaved.source=FILE.s} against the same program translated by ebpf2c.py.
     */
    private static final String KIND = System.getProperty("interleaved.kind", "bpf");

    private static final String EBPF_HOST_INVOKE = "org.graalvm.polyglot.Value<EbpfProgram>.invoke";

    /** {@code -Dinterleaved.tiers=compiled,unblinded}: Sluice's classic parties (empty: the limit alone). */
    private static final List<String> TIERS =
            List.of(System.getProperty("interleaved.tiers", "compiled,unblinded")
                            .split(","))
                    .stream()
                    .filter(t -> !t.isEmpty())
                    .toList();

    /** A party: one pass over all packets, returning the accepted count. */
    private interface Pass {
        /** One pass over the packets in their {@code order}-th order (0: as in the capture). */
        long run(int order) throws Throwable;
    }

    public static void main(String[] args) throws Throwable {
        if (args.length < 2) {
            System.err.println("usage: Interleaved LIBFILTERS.so FILTER [ROUNDS]");
            System.exit(2);
        }
        Path library = Path.of(args[0]);
        String filter = args[1];
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 2000;

        List<byte[]> frames = PacketSet.load();
        int n = frames.size();
        int total = frames.stream().mapToInt(f -> f.length).sum();
        byte[] buffer = new byte[total];
        int orders = Integer.getInteger("interleaved.orders", 16);
        int[][] offsets = new int[orders][n];
        int[][] lengths = new int[orders][n];
        int at = 0;
        for (int i = 0; i < n; i++) {
            System.arraycopy(frames.get(i), 0, buffer, at, frames.get(i).length);
            offsets[0][i] = at;
            lengths[0][i] = frames.get(i).length;
            at += frames.get(i).length;
        }
        // The shuffled stretch goes through K orders of the same packets (-Dinterleaved.orders=K, default 16; order 0
        // is the capture's, the others a fixed-seed shuffle of its spans), one per round: no branch predictor can then
        // learn the set's sequence of outcomes from pass to pass, as it can when every pass repeats the last.
        SplittableRandom random = new SplittableRandom(0x0DE5L);
        for (int o = 1; o < orders; o++) {
            offsets[o] = offsets[0].clone();
            lengths[o] = lengths[0].clone();
            for (int i = n - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = offsets[o][i];
                offsets[o][i] = offsets[o][j];
                offsets[o][j] = t;
                t = lengths[o][i];
                lengths[o][i] = lengths[o][j];
                lengths[o][j] = t;
            }
        }

        try (Arena arena = Arena.ofConfined()) {
            Pass limit = limit(arena, library, filter, buffer, offsets, lengths);
            List<String> names = new ArrayList<>(List.of("limit"));
            List<Pass> passes = new ArrayList<>(List.of(limit));
            List<Context> contexts = new ArrayList<>();
            if (KIND.equals("bpf")) {
                for (String tier : TIERS) {
                    CompileWatch watch = new CompileWatch();
                    Context context = Sluice.context("socket", Tier.of(tier), watch);
                    Value program = Sluice.load(context, "socket", filter, Sluice.packetFilter(filter));
                    contexts.add(context);
                    names.add(tier.equals("compiled") ? "sluice" : "sluice-unblinded");
                    passes.add(batch(
                            program, buffer, offsets, lengths, watch, CompileWatch.HOST_INVOKE, "bpf-socket-runBatch"));
                }
            } else {
                // eBPF: the default for a privileged load (blinding off), then blinded as an unprivileged load runs.
                String text = Files.readString(Path.of(System.getProperty("interleaved.source")));
                for (String blinding : List.of("off", "on")) {
                    CompileWatch watch = new CompileWatch();
                    Context.Builder builder = Context.newBuilder("ebpf")
                            .allowExperimentalOptions(true)
                            .option("ebpf.ConstantBlinding", blinding)
                            .option("engine.TraceCompilation", "true")
                            .logHandler(watch);
                    if (KIND.equals("xdp")) {
                        builder.option("ebpf.ProgramType", "xdp");
                    } else {
                        // The frames from their link-layer header, as EbpfBenchmark and ebpf_gcc_peer.c run them.
                        builder.option("ebpf.ProgramType", "socket_filter").option("ebpf.SocketData", "link");
                    }
                    Tier.of("compiled").configure(builder);
                    Context context = builder.build();
                    Value program = context.eval(Source.newBuilder("ebpf", text, filter)
                            .mimeType("text/x-ebpf")
                            .build());
                    contexts.add(context);
                    names.add(blinding.equals("off") ? "sluice" : "sluice-blinded");
                    passes.add(batch(program, buffer, offsets, lengths, watch, EBPF_HOST_INVOKE));
                }
            }
            long expected = limit.run(0);
            for (int p = 1; p < passes.size(); p++) {
                long accepted = passes.get(p).run(0);
                if (accepted != expected) {
                    throw new IllegalStateException(filter + ": " + names.get(p) + " accepted " + accepted
                            + " packets, the gcc limit " + expected);
                }
            }
            System.out.printf("interleaved-count %s %d%n", filter, expected);
            measure(filter, "repeated", names, passes, rounds, n, expected, r -> 0);
            measure(filter, "shuffled", names, passes, rounds, n, expected, r -> r % orders);
            for (Context c : contexts) {
                c.close();
            }
        }
    }

    /** A party running {@code program}'s {@code runBatch}, warmed until {@code roots} have Tier 2 code. */
    private static Pass batch(
            Value program, byte[] buffer, int[][] offsets, int[][] lengths, CompileWatch watch, String... roots) {
        // Classic filters: counts only, as the limit's loop (every verdict decides the count). eBPF: every r0 stored,
        // as the limit's loop does, since an XDP program's verdicts are all nonzero and a count alone lets a compiler
        // drop the program.
        long[] results = KIND.equals("bpf") ? null : new long[offsets[0].length];
        Pass batch = order -> (results == null
                        ? program.invokeMember("runBatch", buffer, offsets[order], lengths[order])
                        : program.invokeMember("runBatch", buffer, offsets[order], lengths[order], results))
                .asLong();
        watch.warmUntilCompiled(
                () -> {
                    try {
                        batch.run(0);
                    } catch (Throwable e) {
                        throw new IllegalStateException(e);
                    }
                },
                CompileWatch.WARM_SECONDS,
                roots);
        return batch;
    }

    /**
     * Two stretches of {@code rounds} rounds, one pass of each party per round, the first unrecorded (every party then
     * runs its steady code); prints each party's fastest, 10th-percentile and median pass and the per-round ratios.
     */
    private static void measure(
            String filter,
            String mode,
            List<String> names,
            List<Pass> passes,
            int rounds,
            int n,
            long expected,
            IntUnaryOperator orderOfRound)
            throws Throwable {
        int parties = passes.size();
        long[][] ns = new long[parties][rounds];
        for (int stretch = 0; stretch < 2; stretch++) {
            for (int r = 0; r < rounds; r++) {
                int order = orderOfRound.applyAsInt(r);
                // The parties' order turns each round, so that none always follows the same one.
                for (int k = 0; k < parties; k++) {
                    int p = (r + k) % parties;
                    long t0 = System.nanoTime();
                    long accepted = passes.get(p).run(order);
                    ns[p][r] = System.nanoTime() - t0;
                    if (accepted != expected) {
                        throw new IllegalStateException(names.get(p) + " accepted " + accepted + ", not " + expected);
                    }
                }
            }
        }
        for (int p = 0; p < parties; p++) {
            long[] sorted = ns[p].clone();
            Arrays.sort(sorted);
            System.out.printf(
                    "interleaved %s %s %s %.3f %.3f %.3f%n",
                    filter,
                    mode,
                    names.get(p),
                    sorted[0] / (double) n,
                    sorted[rounds / 10] / (double) n,
                    sorted[rounds / 2] / (double) n);
        }
        for (int a = 1; a < parties; a++) {
            ratio(filter, mode, names.get(a) + "/limit", ns[a], ns[0]);
        }
        if (parties == 3) {
            ratio(filter, mode, names.get(1) + "/" + names.get(2), ns[1], ns[2]);
        }
    }

    private static void ratio(String filter, String mode, String name, long[] a, long[] b) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[i] / (double) b[i];
        }
        Arrays.sort(r);
        System.out.printf(
                "interleaved-ratio %s %s %s %.3f %.3f %.3f%n",
                filter, mode, name, r[r.length / 2], r[r.length / 10], r[r.length * 9 / 10]);
    }
    /**
     * The gcc limit's {@code spans} entry for {@code filter}, called on the same Java arrays Sluice reads: with
     * {@code Linker.Option.critical(true)} the downcall gets the heap arrays' addresses (pinned for the call), so both
     * parties read the same bytes from the same cache lines.
     */
    private static Pass limit(
            Arena arena, Path library, String filter, byte[] buffer, int[][] offsets, int[][] lengths) {
        Linker linker = Linker.nativeLinker();
        SymbolLookup lookup = SymbolLookup.libraryLookup(library, arena);
        // struct compiled_filter { name, run, one, spans } (filters.h) or struct ebpf_program { name, one, run, spans }
        // (ebpf_programs.h): four pointers, the spans entry last; the table ends with a null name.
        String symbol = KIND.equals("bpf") ? "compiled_filters" : "ebpf_programs";
        MemorySegment table = lookup.find(symbol)
                .orElseThrow(() -> new IllegalStateException(library + " has no " + symbol))
                .reinterpret(Long.MAX_VALUE);
        MemorySegment spans = null;
        for (long entry = 0; ; entry += 32) {
            MemorySegment name = table.get(ValueLayout.ADDRESS, entry);
            if (name.equals(MemorySegment.NULL)) {
                break;
            }
            if (name.reinterpret(256).getString(0).equals(filter)) {
                spans = table.get(ValueLayout.ADDRESS, entry + 24);
                break;
            }
        }
        if (spans == null) {
            throw new IllegalStateException(filter + " was not compiled into " + library + " (bpf2c.py)");
        }
        FunctionDescriptor classic = FunctionDescriptor.of(
                ValueLayout.JAVA_LONG,
                ValueLayout.ADDRESS,
                ValueLayout.ADDRESS,
                ValueLayout.ADDRESS,
                ValueLayout.JAVA_LONG);
        MethodHandle handle = linker.downcallHandle(
                spans,
                KIND.equals("bpf") ? classic : classic.appendArgumentLayouts(ValueLayout.ADDRESS),
                Linker.Option.critical(true));
        MemorySegment data = MemorySegment.ofArray(buffer);
        MemorySegment[] offs = new MemorySegment[offsets.length];
        MemorySegment[] lens = new MemorySegment[offsets.length];
        for (int o = 0; o < offsets.length; o++) {
            offs[o] = MemorySegment.ofArray(offsets[o]);
            lens[o] = MemorySegment.ofArray(lengths[o]);
        }
        long n = offsets[0].length;
        if (!KIND.equals("bpf")) {
            MemorySegment results = MemorySegment.ofArray(new long[offsets[0].length]);
            return order -> (long) handle.invokeExact(data, offs[order], lens[order], n, results);
        }
        return order -> (long) handle.invokeExact(data, offs[order], lens[order], n);
    }
}
