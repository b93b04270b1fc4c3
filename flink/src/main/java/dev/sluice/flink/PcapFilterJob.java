package dev.sluice.flink;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.filesystem.OutputFileConfig;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.SerializedThrowable;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.SourceSection;

/**
 * {@code PcapFilterJob --input PATH... --filter PROGRAM [--output DIR] [--count]}: reads pcap and pcapng files (a file or
 * a directory, recursively) with {@link PcapFileFormat}, keeps the packets the classic BPF filter PROGRAM accepts
 * ({@link SluiceFilterFunction}) and writes them as pcap files, one per subtask and time window
 * ({@link PacketWindowBuckets}); {@code --count} prints the number of matching packets as the last line. PROGRAM is
 * any BPF format Sluice reads; a tcpdump expression is compiled beforehand ({@code tcpdump -ddd -y EN10MB EXPR}).
 *
 * <p>The program is loaded and verified here, before the job is submitted, so a bad program is a located error on
 * the command line, not a failed task. Exit codes as the {@code sluice} command's: 0 ok, 1 invalid input or failed
 * job (one line), 2 usage, 70 internal error (with its stack trace).
 */
public final class PcapFilterJob {
    static final int DEFAULT_CHUNK_PACKETS = 256;
    static final int DEFAULT_CHUNK_BYTES = 4 << 20;
    static final long DEFAULT_WINDOW_SECONDS = 3600;
    /** The failures that are the user's input or deployment, printed as their message alone. */
    private static final Set<String> USER_ERRORS =
            Set.of(PcapFormatException.class.getName(), SluiceFilterFunction.TaskSetupException.class.getName());

    static final String USAGE = """
                    usage: PcapFilterJob --input PATH [--input PATH]... --filter PROGRAM (--output DIR | --count) [options]
                      --input PATH          a pcap or pcapng file, or a directory of them (read recursively)
                      --filter PROGRAM      a classic BPF socket filter in any format Sluice reads (raw, bpf_asm,
                                            tcpdump -d/-dd/-ddd); for an expression: tcpdump -ddd -y EN10MB 'EXPR' > F
                      --output DIR          where the matching packets go: DIR/<window start>/part-*.pcap
                      --count               print the number of matching packets on the last line
                      --chunk-packets N     packets per Flink record (default 256)
                      --window SECONDS      output time window of the capture timestamps (default 3600)
                      --parallelism N       the job's parallelism (default: the environment's)
                      --engine.NAME=VALUE, --bpf.NAME=VALUE  Truffle engine and bpf language options for the filter
                    """;

    private PcapFilterJob() {}

    /** What the command line asks for. */
    public record Options(
            List<String> inputs,
            String filterPath,
            byte[] program,
            String output,
            boolean count,
            int chunkPackets,
            int chunkBytes,
            long windowSeconds,
            int parallelism,
            Map<String, String> engineOptions) {}

    /** The job's totals, from its accumulators, and its run time (Flink's net run time, cluster start-up excluded). */
    public record Result(long packets, long matched, long compiledRoots, long filterNanos, long runtimeMillis) {}

    /** A command-line problem: its exit code and one-line message. */
    public static final class UserError extends Exception {
        private static final long serialVersionUID = 1L;
        final int exitCode;

        UserError(int exitCode, String message) {
            super(message);
            this.exitCode = exitCode;
        }
    }

    public static void main(String[] args) {
        int status = execute(args, StreamExecutionEnvironment::getExecutionEnvironment, System.out, System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    /** Runs the command line on the environment the supplier gives; returns the exit code. */
    static int execute(
            String[] args,
            java.util.function.Supplier<StreamExecutionEnvironment> environment,
            PrintStream out,
            PrintStream err) {
        try {
            Options options = parse(args);
            if (options == null) {
                out.print(USAGE);
                return 0;
            }
            verifyProgram(options);
            checkInputs(options);
            Result result = run(environment.get(), options);
            if (options.count()) {
                out.println(result.matched());
            }
            return 0;
        } catch (UserError e) {
            err.println("PcapFilterJob: " + e.getMessage());
            if (e.exitCode == 2) {
                err.println("run with --help for usage");
            }
            return e.exitCode;
        } catch (Exception e) {
            String userMessage = userErrorIn(e);
            if (userMessage != null) {
                err.println("PcapFilterJob: " + userMessage);
                return 1;
            }
            err.println("PcapFilterJob: internal error, please report it:");
            e.printStackTrace(err);
            return 70;
        }
    }

    /** Parses the arguments; null for --help. */
    public static Options parse(String[] args) throws UserError {
        List<String> inputs = new ArrayList<>();
        String filter = null;
        String output = null;
        boolean count = false;
        int chunkPackets = DEFAULT_CHUNK_PACKETS;
        long window = DEFAULT_WINDOW_SECONDS;
        int parallelism = -1;
        Map<String, String> engineOptions = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--help", "-h" -> {
                    return null;
                }
                case "--input" -> inputs.add(value(args, ++i, a));
                case "--filter" -> filter = value(args, ++i, a);
                case "--output" -> output = value(args, ++i, a);
                case "--count" -> count = true;
                case "--chunk-packets" -> chunkPackets = (int) positive(value(args, ++i, a), a, Integer.MAX_VALUE);
                case "--window" -> window = positive(value(args, ++i, a), a, Long.MAX_VALUE);
                case "--parallelism" -> parallelism = (int) positive(value(args, ++i, a), a, 32768);
                default -> {
                    int eq = a.indexOf('=');
                    if ((a.startsWith("--engine.") || a.startsWith("--bpf.")) && eq > 2) {
                        engineOptions.put(a.substring(2, eq), a.substring(eq + 1));
                    } else {
                        throw new UserError(2, "unknown argument '" + a + "'");
                    }
                }
            }
        }
        if (inputs.isEmpty()) {
            throw new UserError(2, "--input is required");
        }
        if (filter == null) {
            throw new UserError(2, "--filter is required");
        }
        if (output == null && !count) {
            throw new UserError(2, "give --output DIR, --count or both");
        }
        byte[] program = readProgram(filter);
        return new Options(
                List.copyOf(inputs),
                filter,
                program,
                output,
                count,
                chunkPackets,
                DEFAULT_CHUNK_BYTES,
                window,
                parallelism,
                engineOptions);
    }

    private static String value(String[] args, int i, String flag) throws UserError {
        if (i >= args.length) {
            throw new UserError(2, flag + " needs a value");
        }
        return args[i];
    }

    private static long positive(String text, String flag, long max) throws UserError {
        try {
            long v = Long.parseLong(text);
            if (v >= 1 && v <= max) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UserError(2, flag + ": '" + text + "' is not a number from 1 to " + max);
    }

    private static byte[] readProgram(String file) throws UserError {
        try {
            return java.nio.file.Files.readAllBytes(java.nio.file.Path.of(file));
        } catch (java.nio.file.NoSuchFileException e) {
            throw new UserError(1, file + ": no such file");
        } catch (IOException e) {
            throw new UserError(1, file + ": cannot read (" + e.getMessage() + ")");
        }
    }

    /**
     * Loads the program as the tasks will, without compiling, so that a program Sluice refuses, or an unknown option,
     * stops the job before it is submitted. A client JVM without the compiler has only the fallback runtime, which
     * knows none of the compiler's engine options: there only the language options are checked here (the tasks check
     * the rest).
     */
    static void verifyProgram(Options options) throws UserError {
        boolean clientCompiles;
        try (Engine probe = Engine.newBuilder("bpf")
                .option("engine.WarnInterpreterOnly", "false")
                .build()) {
            clientCompiles = !probe.getImplementationName().contains("Interpreted");
        }
        Map<String, String> checkOptions = new LinkedHashMap<>();
        options.engineOptions().forEach((k, v) -> {
            if (clientCompiles || !k.startsWith("engine.")) {
                checkOptions.put(k, v);
            }
        });
        if (clientCompiles) {
            checkOptions.put("engine.Compilation", "false");
        }
        checkOptions.put("engine.WarnInterpreterOnly", "false");
        Context context;
        try {
            context = SluiceFilterFunction.newContext(checkOptions, new java.util.logging.ConsoleHandler());
        } catch (IllegalArgumentException e) {
            throw new UserError(2, e.getMessage());
        }
        try (context) {
            SluiceFilterFunction.loadFilter(context, options.program(), options.filterPath());
        } catch (PolyglotException e) {
            if (e.isInternalError() || !e.isGuestException()) {
                throw e;
            }
            String message = String.valueOf(e.getMessage());
            if (message.startsWith(options.filterPath() + ":")) {
                throw new UserError(1, message); // already located (FILE:line:col: ...)
            }
            SourceSection at = e.getSourceLocation();
            String where = at != null && at.hasLines()
                    ? options.filterPath() + ":" + at.getStartLine() + ":" + at.getStartColumn()
                    : options.filterPath();
            throw new UserError(1, where + ": " + message);
        }
    }

    private static void checkInputs(Options options) throws UserError {
        for (String input : options.inputs()) {
            Path path = new Path(input);
            try {
                if (!path.getFileSystem().exists(path)) {
                    throw new UserError(1, input + ": no such file or directory");
                }
            } catch (IOException e) {
                throw new UserError(1, input + ": cannot read (" + e.getMessage() + ")");
            }
        }
    }

    /** Builds the job on {@code env} (batch mode: the inputs are bounded) and runs it to the end. */
    public static Result run(StreamExecutionEnvironment env, Options options) throws Exception {
        env.setRuntimeMode(RuntimeExecutionMode.BATCH);
        Configuration config = new Configuration();
        // A bad capture or a TaskManager without the compiler is not transient: fail at once, with that cause.
        config.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        env.configure(config);
        // Operators keep no reference to a chunk after handing it on, so chained operators may pass it uncopied.
        env.getConfig().enableObjectReuse();
        if (options.parallelism() > 0) {
            env.setParallelism(options.parallelism());
        }
        Path[] paths = options.inputs().stream().map(Path::new).toArray(Path[]::new);
        FileSource<PacketChunk> source = FileSource.forBulkFileFormat(
                        new PcapFileFormat(options.chunkPackets(), options.chunkBytes()), paths)
                .build();
        DataStream<PacketChunk> chunks = env.fromSource(source, WatermarkStrategy.noWatermarks(), "pcap files");
        DataStream<PacketChunk> matching = chunks.flatMap(new SluiceFilterFunction(
                        options.program(), options.filterPath(), options.engineOptions(), options.windowSeconds()))
                .name("sluice filter");
        if (options.output() != null) {
            matching.sinkTo(FileSink.forBulkFormat(new Path(options.output()), new PcapFileWriter.Factory())
                            .withBucketAssigner(new PacketWindowBuckets(options.windowSeconds()))
                            .withOutputFileConfig(OutputFileConfig.builder()
                                    .withPartPrefix("part")
                                    .withPartSuffix(".pcap")
                                    .build())
                            .build())
                    .name("pcap output");
        } else {
            matching.sinkTo(new DiscardingSink<>()).name("count only");
        }
        JobExecutionResult result = env.execute("sluice pcap filter " + options.filterPath());
        return new Result(
                counter(result, SluiceFilterFunction.PACKETS),
                counter(result, SluiceFilterFunction.MATCHED),
                counter(result, SluiceFilterFunction.COMPILED),
                counter(result, SluiceFilterFunction.FILTER_NANOS),
                result.getNetRuntime());
    }

    private static long counter(JobExecutionResult result, String name) {
        Object v = result.getAccumulatorResult(name);
        return v == null ? 0 : ((Number) v).longValue();
    }

    /** The message of the first user error (bad capture, no compiler) in a failure's causes, or null. */
    static String userErrorIn(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String className = t instanceof SerializedThrowable s
                    ? s.getOriginalErrorClassName()
                    : t.getClass().getName();
            if (USER_ERRORS.contains(className)) {
                return t.getMessage();
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }
}
