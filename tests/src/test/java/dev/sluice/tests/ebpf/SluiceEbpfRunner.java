package dev.sluice.tests.ebpf;

import dev.sluice.core.testing.EngineMode;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;

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
        this(mode, programType, "");
    }

    /** {@code maps}: the {@code ebpf.Maps} option, the maps programs refer to by index (name:type:key:value:max,...). */
    public SluiceEbpfRunner(EngineMode mode, String programType, String maps) {
        this(mode, programType, maps, true);
    }

    /** {@code verify}: false runs programs unverified, every load and store under its run-time guard (ebpf.Verify). */
    public SluiceEbpfRunner(EngineMode mode, String programType, String maps, boolean verify) {
        this(mode, programType, maps, verify, "auto");
    }

    /** {@code blinding}: the {@code ebpf.ConstantBlinding} option (auto, on, off). */
    public SluiceEbpfRunner(EngineMode mode, String programType, String maps, boolean verify, String blinding) {
        this.mode = mode;
        if (mode == EngineMode.INTERPRETED) {
            this.engine = mode.newEngine("ebpf");
        } else {
            this.engine = Engine.newBuilder("ebpf")
                    .allowExperimentalOptions(true)
                    .options(mode.options)
                    .option("engine.WarnInterpreterOnly", "false")
                    .option("engine.TraceCompilation", "true")
                    .logHandler(new Handler() {
                        @Override
                        public void publish(LogRecord record) {
                            String m = record.getMessage();
                            if (m != null && m.contains("opt done") && m.contains("ebpf-")) {
                                programRootsCompiled.incrementAndGet();
                            }
                        }

                        @Override
                        public void flush() {}

                        @Override
                        public void close() {}
                    })
                    .build();
        }
        // Socket filters take the Ethernet frame BPF_PROG_TEST_RUN takes, and see it as the test run does.
        this.context = Context.newBuilder("ebpf")
                .engine(engine)
                .allowExperimentalOptions(true)
                .option("ebpf.ProgramType", programType)
                .option("ebpf.InputFormat", "raw")
                .option("ebpf.Maps", maps)
                .option("ebpf.SocketData", "network")
                .option("ebpf.Verify", Boolean.toString(verify))
                .option("ebpf.ConstantBlinding", blinding)
                .build();
    }

    public EngineMode mode() {
        return mode;
    }

    public Engine engine() {
        return engine;
    }

    /** Loads a program; throws the PolyglotException (a syntax error, located) if Sluice refuses it. */
    public Value load(byte[] code) {
        Source source = Source.newBuilder("ebpf", ByteSequence.create(code), "p" + NAMES.incrementAndGet() + ".ebpf")
                .cached(false)
                .buildLiteral();
        return context.eval(source);
    }

    private Context objectContext;

    /**
     * Loads an ELF object as an embedder does ({@code context.eval} of its bytes, in a context of the same engine
     * that reads ELF): the object with its {@code programs} by section and its {@code maps}, global data included.
     */
    public Value loadObject(byte[] elf, String name) {
        if (objectContext == null) {
            objectContext = Context.newBuilder("ebpf")
                    .engine(engine)
                    .allowExperimentalOptions(true)
                    .option("ebpf.InputFormat", "elf")
                    .option("ebpf.SocketData", "network")
                    .build();
        }
        return objectContext.eval(Source.newBuilder("ebpf", ByteSequence.create(elf), name)
                .cached(false)
                .buildLiteral());
    }

    /** What one run gave: r0, and for XDP the packet afterwards (null otherwise). */
    public record FrameRun(long r0, byte[] packet) {}

    /**
     * Runs a loaded program on the Ethernet frame BPF_PROG_TEST_RUN gets: an XDP program on a copy of it (its writes
     * kept), a socket filter on the frame itself (with ebpf.SocketData=network it sees what the test run shows it). A
     * guest error is thrown as the PolyglotException.
     */
    public static FrameRun runOnFrame(Value program, boolean xdp, byte[] frame) {
        if (xdp) {
            byte[] packet = frame.clone();
            long r0 = program.invokeMember("runInPlace", (Object) packet).asLong();
            return new FrameRun(r0, packet);
        }
        return new FrameRun(program.execute((Object) frame.clone()).asLong(), null);
    }

    /** How many compilations of program roots finished ("opt done"); 0 in interpreted mode. */
    public int programRootsCompiled() {
        return programRootsCompiled.get();
    }

    @Override
    public void close() {
        context.close();
        if (objectContext != null) {
            objectContext.close();
        }
        engine.close();
    }
}
