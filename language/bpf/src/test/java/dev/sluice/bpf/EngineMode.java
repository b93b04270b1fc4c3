package dev.sluice.bpf;

import dev.sluice.core.testing.EngineLog;
import java.util.List;
import java.util.Map;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;

/**
 * The engine configurations every data-driven test runs under, as SimpleLanguage and GraalWasm test: the fallback
 * interpreter, synchronous compilation of every call target on first call, and background compilation after a short
 * warm-up.
 *
 * <p>A failed compilation can only throw into the caller when compilation is synchronous. In BACKGROUND mode it is
 * printed to the engine log instead; every engine made here logs to {@link #ENGINE_WARNINGS}, which tests check is
 * empty, so that a background compilation failure still fails the build.
 */
public enum EngineMode {
    INTERPRETED(Map.of("engine.Compilation", "false")),
    COMPILE_IMMEDIATELY(Map.of(
            "engine.CompileImmediately",
            "true",
            "engine.BackgroundCompilation",
            "false",
            "engine.CompilationFailureAction",
            "Throw")),
    BACKGROUND(Map.of(
            "engine.BackgroundCompilation",
            "true",
            "engine.FirstTierCompilationThreshold",
            "10",
            "engine.LastTierCompilationThreshold",
            "20",
            "engine.CompilationFailureAction",
            "Print",
            "engine.TraceCompilation",
            "true"));

    /** Warnings and errors any engine of these modes has logged (e.g. a failed background compilation). */
    public static final List<String> ENGINE_WARNINGS = EngineLog.WARNINGS;

    /** Compilations that finished ("opt done" lines), for modes that trace compilation (BACKGROUND). */
    public static final List<String> COMPILATIONS = EngineLog.COMPILATIONS;

    public final Map<String, String> options;

    EngineMode(Map<String, String> options) {
        this.options = options;
    }

    public Engine newEngine() {
        return EngineLog.engine(null, options, name());
    }

    public Context.Builder contextBuilder(Engine engine) {
        return Context.newBuilder("bpf").engine(engine).allowExperimentalOptions(true);
    }
}
