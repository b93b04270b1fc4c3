package dev.sluice.tests.ebpf;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.LogRecord;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;

import dev.sluice.tests.EngineMode;

/**
 * Sluice's eBPF language as the differential tests drive it: one engine in one {@link EngineMode}, one context for a
 * program type, programs loaded from raw instruction bytes (8-byte little-endian slots, as the kernel takes them).
 */
public final class SluiceEbpfRunner implements AutoCloseable {
    private static final AtomicInteger NAMES = new AtomicInteger();

    private final EngineMode mode;
    private final Engine engine;
    private final Context context;
    /** "opt done" lines of the engine's compilation trace that name a program's root (compiled mode only). */
    private final AtomicInteger programRootsCompiled = new AtomicInteger();

    public SluiceEbpfRunner(EngineMode mode, String programType) {
        this.mode = mode;
        if (mode == EngineMode.INTERPRETED) {
            this.engine = mode.newEngine("ebpf");
        } else {
            this.engine = Engine.newBuilder("ebpf").allowExperimentalOptions(true).options(mode.options).option("engine.WarnInterpreterOnly", "false")
                            .option("engine.TraceCompilation", "true").logHandler(new Handler() {
                                @Override
                                public void publish(LogRecord record) {
                                    String m = record.getMessage();
                                    if (m != null && m.contains("opt done") && m.contains("ebpf-")) {
                                        programRootsCompiled.incrementAndGet();
                                    }
                                }

                                @Override
                                public void flush() {
                                }

                                @Override
                                public void close() {
                                }
                            }).build();
        }
        this.context = Context.newBuilder("ebpf").engine(engine).allowExperimentalOptions(true).option("ebpf.ProgramType", programType)
                        .option("ebpf.InputFormat", "raw").build();
    }

    public EngineMode mode() {
        return mode;
    }

    public Engine engine() {
        return engine;
    }

    /** Loads a program; throws the PolyglotException (a syntax error, located) if Sluice refuses it. */
    public Value load(byte[] code) {
        Source source = Source.newBuilder("ebpf", ByteSequence.create(code), "p" + NAMES.incrementAndGet() + ".ebpf").cached(false).buildLiteral();
        return context.eval(source);
    }

    /** How many compilations of program roots finished ("opt done"); 0 in interpreted mode. */
    public int programRootsCompiled() {
        return programRootsCompiled.get();
    }

    @Override
    public void close() {
        context.close();
        engine.close();
    }
}
