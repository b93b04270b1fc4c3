package dev.sluice.flink;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.util.Collector;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The filter operator: one Sluice context and one loaded filter per parallel task, created in {@link #open} and
 * closed in {@link #close}. Each chunk goes to the filter's {@code runPcap} entry point in one guest call; the
 * matching packets leave as new chunks, one per time window they fall in (so the sink can bucket a chunk as a whole).
 *
 * <p>{@link #open} refuses to run on an engine without the Graal compiler ({@link #requireCompiler}): the filter would
 * still give right answers, about ten times slower, and nothing else would say so.
 */
public final class SluiceFilterFunction extends RichFlatMapFunction<PacketChunk, PacketChunk> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(SluiceFilterFunction.class);

    /** Accumulator names (summed over the tasks; {@link PcapFilterJob} reads them from the job's result). */
    public static final String PACKETS = "sluice.packets";

    public static final String MATCHED = "sluice.matched";
    /** Compilations of the filter's batch root that Graal finished ("opt done"), counted when engine.TraceCompilation is on. */
    public static final String COMPILED = "sluice.compiled";
    /** Nanoseconds spent in the filter's runPcap calls (the filter's own cost, without Flink's). */
    public static final String FILTER_NANOS = "sluice.filterNanos";
    /** The name of the batch root {@code runPcap} runs in (bpf-socket-runPcap): what the compile count looks for. */
    static final String PCAP_ROOT = "bpf-socket-runPcap";

    private final byte[] program;
    private final String programName;
    private final Map<String, String> options;
    private final long windowSeconds;

    private transient Context context;
    private transient Value filter;
    private transient int[] verdicts;
    private transient LongCounter packets;
    private transient LongCounter matched;
    private transient LongCounter compiled;
    private transient LongCounter filterNanos;

    /**
     * @param program the filter in any BPF format (raw sock_filter bytes, bpf_asm, tcpdump -d/-dd/-ddd), as read from
     *            its file; it is shipped with the job, so TaskManagers need no copy
     * @param options engine and language options (engine.*, bpf.*) for the context
     * @param windowSeconds the length of the output time windows
     */
    public SluiceFilterFunction(byte[] program, String programName, Map<String, String> options, long windowSeconds) {
        this.program = program.clone();
        this.programName = programName;
        this.options = new LinkedHashMap<>(options);
        this.windowSeconds = windowSeconds;
    }

    @Override
    public void open(OpenContext openContext) {
        packets = getRuntimeContext().getLongCounter(PACKETS);
        matched = getRuntimeContext().getLongCounter(MATCHED);
        compiled = getRuntimeContext().getLongCounter(COMPILED);
        filterNanos = getRuntimeContext().getLongCounter(FILTER_NANOS);
        try {
            context = newContext(options, new CompilationLog(compiled));
        } catch (IllegalArgumentException e) {
            throw new TaskSetupException(
                    "the TaskManager's engine refuses the options " + options.keySet() + ": " + e.getMessage());
        }
        requireCompiler(context.getEngine().getImplementationName());
        filter = loadFilter(context, program, programName);
        verdicts = new int[0];
    }

    /** A context for socket filters with the given options; its engine log goes to Flink's log (SLF4J). */
    static Context newContext(Map<String, String> options, Handler log) {
        return Context.newBuilder("bpf")
                .allowExperimentalOptions(true)
                .option("bpf.Profile", "socket")
                .options(options)
                .logHandler(log)
                .build();
    }

    /** Loads the program; a program the verifier refuses is a PolyglotException (syntax error) located in it. */
    static Value loadFilter(Context context, byte[] program, String name) {
        return context.eval(Source.newBuilder("bpf", ByteSequence.create(program), name)
                .mimeType("application/x-bpf-socket")
                .buildLiteral());
    }

    /** Fails when the engine is the fallback interpreter, naming the flags and the class-path rule that fix it. */
    static void requireCompiler(String engineImplementation) {
        if (engineImplementation.contains("Interpreted")) {
            throw new TaskSetupException(interpretedMessage(engineImplementation));
        }
    }

    static String interpretedMessage(String engineImplementation) {
        return "Sluice needs the Graal compiler in the TaskManager, but the engine is '" + engineImplementation
                + "' (filters would run about 10x slower): "
                + "start TaskManagers on JDK 25 with -XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI "
                + "--upgrade-module-path=<dir of compiler.jar, truffle-compiler.jar, word.jar, collections.jar> (env.java.opts.taskmanager), "
                + "and put truffle-api, truffle-runtime, polyglot and the Sluice jars in Flink's lib/, never in the job jar (see docs/flink.md)";
    }

    @Override
    public void flatMap(PacketChunk chunk, Collector<PacketChunk> out) {
        int n = chunk.packets;
        if (verdicts.length < n) {
            verdicts = new int[n];
        }
        long started = System.nanoTime();
        long accepted = filter.invokeMember("runPcap", chunk.pcap, verdicts).asLong();
        filterNanos.add(System.nanoTime() - started);
        packets.add(n);
        matched.add(accepted);
        if (accepted == 0) {
            return;
        }
        byte[] pcap = chunk.pcap;
        PcapChunks window = null;
        long windowIndex = Long.MIN_VALUE;
        int at = PcapChunks.GLOBAL_HEADER;
        for (int i = 0; i < n; i++) {
            int length = PcapChunks.RECORD_HEADER + PcapChunks.u32le(pcap, at + 8);
            if (verdicts[i] != 0) {
                long w = Math.floorDiv(PcapChunks.u32le(pcap, at) & 0xffffffffL, windowSeconds);
                if (window == null || w != windowIndex) {
                    if (window != null) {
                        out.collect(window.build());
                    }
                    window = new PcapChunks(chunk.linkType(), Math.min(pcap.length, 1 << 16));
                    windowIndex = w;
                }
                window.copyRecord(pcap, at, length);
            }
            at += length;
        }
        out.collect(window.build());
    }

    @Override
    public void close() {
        filter = null;
        if (context != null) {
            context.close();
            context = null;
        }
    }

    /**
     * The task cannot run the filter as asked: no compiler in its JVM, or an engine option its runtime does not know. A
     * deployment error, not a crash: {@link PcapFilterJob} prints its message alone.
     */
    public static final class TaskSetupException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TaskSetupException(String message) {
            super(message);
        }
    }

    /** Forwards the engine's log to SLF4J and counts finished compilations of the batch root. */
    static final class CompilationLog extends Handler {
        private final LongCounter compiled;

        CompilationLog(LongCounter compiled) {
            this.compiled = compiled;
        }

        @Override
        public void publish(LogRecord record) {
            String message = record.getMessage();
            if (message == null) {
                return;
            }
            if (message.contains("opt done") && message.contains(PCAP_ROOT)) {
                synchronized (compiled) {
                    compiled.add(1);
                }
            }
            if (record.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
                LOG.warn("{}: {}", record.getLoggerName(), message);
            } else {
                LOG.info("{}: {}", record.getLoggerName(), message);
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    }
}
