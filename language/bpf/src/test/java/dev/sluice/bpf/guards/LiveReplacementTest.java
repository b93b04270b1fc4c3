package dev.sluice.bpf.guards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.testing.EngineMode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Live replacement: 8 threads run a filter handle while the main thread swaps its program many times. Program v
 * returns {@code v << 16 | ((nr + 7v) & 0xffff)}: the high half names the program, the low half is computed by that
 * same program, so a mix of two programs shows as a mismatch (torn), and a version older than the last completed swap
 * shows as stale.
 */
class LiveReplacementTest {
    static final int THREADS = 8;

    static Value load(Context c, int version) {
        return c.eval(Source.newBuilder(
                        "bpf",
                        ByteSequence.create(GuardPrograms.raw(GuardPrograms.tagged(version, 7 * version))),
                        "v" + version + ".bpf")
                .buildLiteral());
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void noStaleOrTornVerdictsUnderConcurrentSwaps(EngineMode mode) throws Exception {
        boolean compiled = mode != EngineMode.INTERPRETED;
        int swaps = compiled ? 8 : 200;
        long t0 = System.nanoTime();
        AtomicLong handleCompilations = new AtomicLong();
        AtomicLong handleInvalidations = new AtomicLong();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord r) {
                String m = r.getMessage();
                if (m != null && m.contains("bpf-seccomp-handle ")) {
                    if (m.startsWith("opt done")) {
                        handleCompilations.incrementAndGet();
                    } else if (m.startsWith("opt inval")) {
                        handleInvalidations.incrementAndGet();
                    }
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        // Compiled: compile on first call, but in the background, so evaluating threads never wait for the compiler.
        try (Engine engine = Engine.newBuilder("bpf")
                        .allowExperimentalOptions(true)
                        .options(mode.options)
                        .option("engine.WarnInterpreterOnly", "false")
                        .option("engine.BackgroundCompilation", Boolean.toString(compiled))
                        .option("engine.TraceCompilation", "true")
                        .logHandler(handler)
                        .build();
                Context c = mode.contextBuilder("bpf", engine).build()) {
            List<Value> programs = new ArrayList<>();
            for (int v = 0; v <= swaps; v++) {
                programs.add(load(c, v));
            }
            Value handle = programs.get(0).invokeMember("newHandle");
            AtomicLong evaluations = new AtomicLong();
            AtomicLong torn = new AtomicLong();
            AtomicLong stale = new AtomicLong();
            AtomicLong fromTheFuture = new AtomicLong();
            VersionBoard board = new VersionBoard();
            List<String> failures = new CopyOnWriteArrayList<>();
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                Thread w = new Thread(() -> {
                    byte[] data = new byte[64];
                    ThreadLocalRandom rnd = ThreadLocalRandom.current();
                    try {
                        while (!board.stop) {
                            int nr = rnd.nextInt(0, 1 << 20);
                            java.nio.ByteBuffer.wrap(data)
                                    .order(java.nio.ByteOrder.nativeOrder())
                                    .putInt(0, nr);
                            long completedBefore = board.completed;
                            long verdict = handle.execute(data).asLong();
                            long startedAfter = board.started;
                            long v = verdict >>> 16;
                            if ((verdict & 0xffff) != ((nr + 7 * v) & 0xffff)) {
                                torn.incrementAndGet();
                            }
                            if (v < completedBefore) {
                                stale.incrementAndGet();
                            }
                            if (v > startedAfter) {
                                fromTheFuture.incrementAndGet();
                            }
                            evaluations.incrementAndGet();
                        }
                    } catch (Throwable e) {
                        failures.add(e.toString());
                    }
                });
                w.start();
                workers.add(w);
            }
            for (int v = 1; v <= swaps; v++) {
                // Let the current version run (and, compiled, be compiled) before replacing it.
                long seen = evaluations.get();
                long compilations = handleCompilations.get();
                long deadline = System.nanoTime() + 10_000_000_000L;
                while ((evaluations.get() < seen + 50 || compiled && handleCompilations.get() == compilations)
                        && System.nanoTime() < deadline
                        && failures.isEmpty()) {
                    Thread.sleep(1);
                }
                board.started = v;
                assertEquals(v, handle.invokeMember("swap", programs.get(v)).asLong());
                board.completed = v;
            }
            long atEnd = evaluations.get();
            while (evaluations.get() < atEnd + 200 && failures.isEmpty()) {
                Thread.sleep(1);
            }
            board.stop = true;
            for (Thread w : workers) {
                w.join();
            }
            assertEquals(List.of(), failures);
            System.err.println("LiveReplacementTest " + mode + ": " + evaluations.get() + " evaluations, " + swaps
                    + " swaps, handle compiled " + handleCompilations.get() + " times, invalidated "
                    + handleInvalidations.get() + " times, " + (System.nanoTime() - t0) / 1_000_000 + " ms");
            assertTrue(evaluations.get() > swaps * 50L);
            if (compiled) {
                assertTrue(
                        handleCompilations.get() >= 2, "the handle root was compiled, and compiled again after a swap");
                assertTrue(handleInvalidations.get() >= 1, "a swap invalidated the compiled handle");
            }
            assertEquals(0, torn.get(), "torn verdicts");
            assertEquals(0, stale.get(), "verdicts of a program older than the last completed swap");
            assertEquals(0, fromTheFuture.get(), "verdicts of a program not yet swapped in");
            assertEquals((long) swaps, handle.getMember("version").asLong());
            byte[] data = GuardPrograms.seccompData(1);
            assertEquals(
                    ((long) swaps << 16) | (1 + 7 * swaps), handle.execute(data).asLong());
        }
    }

    static final class VersionBoard {
        volatile long started;
        volatile long completed;
        volatile boolean stop;
    }

    @Test
    void swapChecksTheFilterKindAndRunsBatchesOnTheInstalledProgram() {
        try (Context c = Context.newBuilder("bpf").build()) {
            Value handle = load(c, 1).invokeMember("newHandle");
            assertEquals(0, handle.getMember("version").asLong());
            Value socket = c.eval(Source.newBuilder(
                            "bpf", ByteSequence.create(GuardPrograms.raw(GuardPrograms.tagged(2, 0))), "s.bpf")
                    .mimeType("application/x-bpf-socket")
                    .buildLiteral());
            PolyglotException e = assertThrows(PolyglotException.class, () -> handle.invokeMember("swap", socket));
            assertTrue(e.getMessage().startsWith("filter handle: the handle runs seccomp filters"), e.getMessage());
            assertThrows(PolyglotException.class, () -> handle.invokeMember("swap", 42));
            assertEquals(1, handle.invokeMember("swap", load(c, 2)).asLong());
            byte[] records = new byte[128];
            int[] verdicts = new int[2];
            assertEquals(
                    2, handle.invokeMember("runRecords", records, 64, verdicts).asLong());
            assertEquals((2 << 16) | 14, verdicts[0]);
            assertEquals(
                    "v2.bpf",
                    handle.getMember("filter")
                            .getMember("measurement")
                            .getMember("name")
                            .asString());
        }
    }
}
