package dev.sluice.tests;

import dev.sluice.bpf.formats.RawFormat;
import dev.sluice.bpf.isa.Program;
import dev.sluice.core.testing.EngineMode;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicInteger;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;

/**
 * Sluice as the tests drive it: one engine in one {@link EngineMode} and one context for a profile; programs are
 * loaded from raw sock_filter bytes in host byte order, as the kernel takes them.
 */
public final class SluiceRunner implements AutoCloseable {
    private static final AtomicInteger NAMES = new AtomicInteger();

    private final EngineMode mode;
    private final Engine engine;
    private final Context context;

    public SluiceRunner(EngineMode mode, String profile) {
        this.mode = mode;
        this.engine = mode.newEngine("bpf");
        this.context = Context.newBuilder("bpf")
                .engine(engine)
                .allowExperimentalOptions(true)
                .option("bpf.Profile", profile)
                .option("bpf.InputFormat", "raw")
                .build();
    }

    public EngineMode mode() {
        return mode;
    }

    public Engine engine() {
        return engine;
    }

    /** Loads a program; throws the PolyglotException (a syntax error) if Sluice's verifier rejects it. */
    public Value load(byte[] rawInsns) {
        Source source = Source.newBuilder("bpf", ByteSequence.create(rawInsns), "p" + NAMES.incrementAndGet() + ".bpf")
                .cached(false)
                .buildLiteral();
        return context.eval(source);
    }

    public Value load(Program program) {
        return load(RawFormat.encode(program, ByteOrder.nativeOrder()));
    }

    /** The verifier's message if Sluice rejects the program, or null if it loads. */
    public String rejection(byte[] rawInsns) {
        try {
            load(rawInsns);
            return null;
        } catch (PolyglotException e) {
            if (!e.isSyntaxError()) {
                throw e;
            }
            return e.getMessage();
        }
    }

    /** Runs a socket filter on many packets in one guest call (runBatch) and returns every verdict. */
    public static int[] runPackets(Value filter, byte[][] packets) {
        int total = 0;
        for (byte[] p : packets) {
            total += p.length;
        }
        byte[] data = new byte[total];
        int[] offsets = new int[packets.length];
        int[] lengths = new int[packets.length];
        int at = 0;
        for (int i = 0; i < packets.length; i++) {
            System.arraycopy(packets[i], 0, data, at, packets[i].length);
            offsets[i] = at;
            lengths[i] = packets[i].length;
            at += packets[i].length;
        }
        int[] verdicts = new int[packets.length];
        filter.invokeMember("runBatch", data, offsets, lengths, verdicts);
        return verdicts;
    }

    @Override
    public void close() {
        context.close();
        engine.close();
    }
}
