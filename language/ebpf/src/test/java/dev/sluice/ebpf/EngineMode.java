package dev.sluice.ebpf;

import dev.sluice.core.testing.EngineLog;
import java.util.List;
import java.util.Map;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;

/**
 * The engine configurations the eBPF tests run under: the fallback interpreter, and synchronous compilation of every
 * call target on its first call (a compilation failure throws into the test). Compiled mode traces compilation, so a
 * test can check that its program's root really was compiled ({@link #compiled}).
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
            "true",
            "engine.CompileOnly",
            "ebpf-"));

    /** Warnings and errors any engine of these modes has logged. */
    public static final List<String> ENGINE_WARNINGS = EngineLog.WARNINGS;
    /** The "opt done" lines of compiled mode. */
    public static final List<String> COMPILATIONS = EngineLog.COMPILATIONS;

    public final Map<String, String> options;

    EngineMode(Map<String, String> options) {
        this.options = options;
    }

    public Engine newEngine() {
        return EngineLog.engine("ebpf", options, name());
    }

    public Context.Builder contextBuilder(Engine engine) {
        return Context.newBuilder("ebpf").engine(engine).allowExperimentalOptions(true);
    }

    /** A source of assembly text. */
    public static org.graalvm.polyglot.Source asm(String text) {
        return org.graalvm.polyglot.Source.newBuilder("ebpf", text, "Unnamed")
                .mimeType("text/x-ebpf")
                .buildLiteral();
    }

    /** Whether an "opt done" line names a call target whose name contains {@code name}. */
    public static boolean compiled(String name) {
        return EngineLog.compiled(name);
    }
}
