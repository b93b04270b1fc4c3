package dev.sluice.core.testing;

import java.util.List;
import java.util.Map;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;

/**
 * The engine configurations the execution tests of every module run under, as SimpleLanguage and GraalWasm test: the
 * fallback interpreter, synchronous compilation of every call target on its first call, and background compilation
 * after a short warm-up. Most tests run {@link #INTERPRETED_AND_COMPILED}; the bpf language's data-driven and guard
 * tests also run {@link #BACKGROUND}.
 *
 * <p>A failed compilation can only throw into the caller when compilation is synchronous. In BACKGROUND mode it is
 * printed to the engine log instead; every engine made here logs to {@link #ENGINE_WARNINGS}, which tests check is
 * empty, so that a background compilation failure still fails the build. Both compiling modes trace compilation, so a
 * test can check that its root really was compiled ({@link #compiled}, {@link #compilations()}).
 */
public enum EngineMode {
    INTERPRETED(Map.of("engine.Compilation", "false")),
    COMPILED(Map.of(
            "engine.CompileImmediately",
            "true",
            "engine.BackgroundCompilation",
            "false",
            "engine.CompilationFailureAction",
            "Throw",
            "engine.TraceCompilation",
            "true")),
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

    /** The two modes every language's execution tests run under (the interpreter and immediate compilation). */
    public static final List<EngineMode> INTERPRETED_AND_COMPILED = List.of(INTERPRETED, COMPILED);

    /** Warnings and errors any engine of these modes has logged (e.g. a failed background compilation). */
    public static final List<String> ENGINE_WARNINGS = EngineLog.WARNINGS;

    /** The "opt done" lines of every compiling mode. */
    public static final List<String> COMPILATIONS = EngineLog.COMPILATIONS;

    public final Map<String, String> options;

    EngineMode(Map<String, String> options) {
        this.options = options;
    }

    /** An engine for every installed language. */
    public Engine newEngine() {
        return EngineLog.engine(null, options, name());
    }

    /** An engine of one language. */
    public Engine newEngine(String language) {
        return EngineLog.engine(language, options, name());
    }

    /**
     * An engine of one language that compiles only the call targets whose names contain {@code compileOnly} (the
     * language's own roots), so that a compilation failure elsewhere cannot stand for the language's.
     */
    public Engine newEngine(String language, String compileOnly) {
        Map<String, String> withFilter = new java.util.HashMap<>(options);
        withFilter.put("engine.CompileOnly", compileOnly);
        return EngineLog.engine(language, withFilter, name());
    }

    /** A context of {@code language} on {@code engine}, experimental options allowed. */
    public Context.Builder contextBuilder(String language, Engine engine) {
        return Context.newBuilder(language).engine(engine).allowExperimentalOptions(true);
    }

    /** The "opt done" lines engines of this mode logged. */
    public List<String> compilations() {
        return EngineLog.compilations(name());
    }

    /** Whether a finished compilation names a call target whose name contains {@code name}. */
    public static boolean compiled(String name) {
        return EngineLog.compiled(name);
    }
}
