package dev.sluice.tests;

import dev.sluice.core.testing.EngineLog;
import java.util.Map;
import org.graalvm.polyglot.Engine;

/**
 * The engine configurations the cross-checks run Sluice under (the same idea as the bpf module's test EngineMode):
 * the fallback interpreter, and synchronous compilation of every call target on its first call.
 */
public enum EngineMode {
    INTERPRETED(Map.of("engine.Compilation", "false")),
    COMPILE_IMMEDIATELY(Map.of(
            "engine.CompileImmediately",
            "true",
            "engine.BackgroundCompilation",
            "false",
            "engine.CompilationFailureAction",
            "Throw"));

    public final Map<String, String> options;

    EngineMode(Map<String, String> options) {
        this.options = options;
    }

    public Engine newEngine() {
        return newEngine("bpf");
    }

    public Engine newEngine(String language) {
        return EngineLog.engine(language, options, name());
    }
}
