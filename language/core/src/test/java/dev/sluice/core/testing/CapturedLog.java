package dev.sluice.core.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import org.graalvm.polyglot.Engine;

/** Every message one engine logs, kept for a test to read (compilation and inlining traces). */
public class CapturedLog extends Handler {
    public final List<String> lines = new CopyOnWriteArrayList<>();

    /** Whether some logged line contains every one of {@code parts}. */
    public boolean has(String... parts) {
        return lines.stream().anyMatch(m -> m != null && List.of(parts).stream().allMatch(m::contains));
    }

    /**
     * An engine of {@code language} that compiles in the foreground, fails on a failed compilation and logs its
     * compilations here; {@code whenToCompile} are further option name/value pairs.
     */
    public Engine tracingEngine(String language, String... whenToCompile) {
        Engine.Builder builder = Engine.newBuilder(language)
                .allowExperimentalOptions(true)
                .option("engine.BackgroundCompilation", "false")
                .option("engine.CompilationFailureAction", "Throw")
                .option("engine.TraceCompilation", "true")
                .logHandler(this);
        for (int i = 0; i < whenToCompile.length; i += 2) {
            builder.option(whenToCompile[i], whenToCompile[i + 1]);
        }
        return builder.build();
    }

    @Override
    public void publish(LogRecord r) {
        lines.add(r.getMessage());
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
}
