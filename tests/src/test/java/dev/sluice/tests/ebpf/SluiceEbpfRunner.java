package dev.sluice.tests.ebpf;

import java.util.concurrent.atomic.AtomicInteger;

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

    public SluiceEbpfRunner(EngineMode mode, String programType) {
        this.mode = mode;
        this.engine = mode.newEngine("ebpf");
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

    @Override
    public void close() {
        context.close();
        engine.close();
    }
}
