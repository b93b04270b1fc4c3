package dev.sluice.core.testing;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.graalvm.polyglot.Engine;

/**
 * The one engine log of the engine-mode tests of every module (shared as core's test-jar): warnings and errors any
 * engine logged (a failed background compilation only shows here, so tests check it stays empty), and the
 * compilations that finished ("opt done" lines, in modes that trace compilation). {@link EngineMode} builds its
 * engines with {@link #engine}.
 */
public final class EngineLog extends Handler {
    /** Warnings and errors any engine of this JVM's modes has logged, each with its mode's name. */
    public static final List<String> WARNINGS = new CopyOnWriteArrayList<>();
    /** The "opt done" lines of compilations that finished. */
    public static final List<String> COMPILATIONS = new CopyOnWriteArrayList<>();
    /** The same lines by the name of the mode whose engine logged them. */
    private static final Map<String, List<String>> COMPILATIONS_BY_MODE = new ConcurrentHashMap<>();

    private final String mode;

    private EngineLog(String mode) {
        this.mode = mode;
    }

    /**
     * An engine of {@code language} (null: every installed language) with a mode's options, logging here.
     * Experimental options are allowed and the interpreter-only warning is off (INTERPRETED is deliberate).
     */
    public static Engine engine(String language, Map<String, String> options, String mode) {
        Engine.Builder b = language == null ? Engine.newBuilder() : Engine.newBuilder(language);
        return b.allowExperimentalOptions(true)
                .options(options)
                .option("engine.WarnInterpreterOnly", "false")
                .logHandler(new EngineLog(mode))
                .build();
    }

    /** Whether a finished compilation names a call target whose name contains {@code name}. */
    public static boolean compiled(String name) {
        return COMPILATIONS.stream().anyMatch(line -> line.contains(name));
    }

    /** The "opt done" lines that engines of the mode {@code mode} logged. */
    public static List<String> compilations(String mode) {
        return COMPILATIONS_BY_MODE.getOrDefault(mode, List.of());
    }

    @Override
    public void publish(LogRecord r) {
        String message = r.getMessage();
        if (message != null && message.contains("opt done")) {
            COMPILATIONS.add(message);
            COMPILATIONS_BY_MODE
                    .computeIfAbsent(mode, m -> new CopyOnWriteArrayList<>())
                    .add(message);
        }
        if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
            WARNINGS.add(mode + ": " + r.getLoggerName() + ": " + message);
            System.err.println("[" + mode + "] " + r.getLoggerName() + ": " + message);
        }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
}
