package dev.sluice.bpf;

import java.util.Map;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;

/**
 * The engine configurations every data-driven test runs under, as SimpleLanguage and GraalWasm test: the fallback
 * interpreter, synchronous compilation of every call target on first call, and background compilation after a short
 * warm-up.
 */
public enum EngineMode {
    INTERPRETED(Map.of("engine.Compilation", "false")),
    COMPILE_IMMEDIATELY(Map.of("engine.CompileImmediately", "true", "engine.BackgroundCompilation", "false",
                    "engine.CompilationFailureAction", "Throw")),
    BACKGROUND(Map.of("engine.BackgroundCompilation", "true", "engine.FirstTierCompilationThreshold", "10",
                    "engine.LastTierCompilationThreshold", "20", "engine.CompilationFailureAction", "Throw"));

    public final Map<String, String> options;

    EngineMode(Map<String, String> options) {
        this.options = options;
    }

    public Engine newEngine() {
        return Engine.newBuilder().allowExperimentalOptions(true).options(options).option("engine.WarnInterpreterOnly", "false").build();
    }

    public Context.Builder contextBuilder(Engine engine) {
        return Context.newBuilder("bpf").engine(engine).allowExperimentalOptions(true);
    }
}
