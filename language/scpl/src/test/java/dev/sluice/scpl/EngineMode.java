package dev.sluice.scpl;

import dev.sluice.core.testing.EngineLog;
import java.util.Map;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;

/**
 * The engine configurations the SCPL interpreter's tool tests run under: the fallback interpreter, and synchronous
 * compilation of every call target on its first call (a failed compilation throws into the test). Engines log to
 * core's {@link EngineLog}, whose {@code compiled} says whether a call target's compilation finished.
 */
public enum EngineMode {
    INTERPRETED(Map.of("engine.Compilation", "false")),
    COMPILE_IMMEDIATELY(Map.of(
            "engine.CompileImmediately",
            "true",
            "engine.BackgroundCompilation",
            "false",
            "engine.CompilationFailureAction",
            "Throw",
            "engine.TraceCompilation",
            "true"));

    public final Map<String, String> options;

    EngineMode(Map<String, String> options) {
        this.options = options;
    }

    public Engine newEngine() {
        return EngineLog.engine(null, options, name());
    }

    /** A context of the scpl language on {@code engine}, policies targeting x86_64 unless they name their arches. */
    public Context.Builder contextBuilder(Engine engine) {
        return Context.newBuilder("scpl")
                .engine(engine)
                .allowExperimentalOptions(true)
                .option("scpl.Arch", "x86_64");
    }
}
