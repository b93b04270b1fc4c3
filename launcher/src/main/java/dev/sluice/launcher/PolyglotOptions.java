package dev.sluice.launcher;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;

/**
 * Engine and language options given on the command line as GraalVM launchers take them:
 * {@code --engine.TraceCompilation=true}, {@code --compiler.X=v}, {@code --bpf.Arch=s390x}, {@code --log.file=F}; a
 * bare {@code --engine.X} means {@code true}. The Chrome inspector's {@code --inspect[=[HOST:]PORT]} and
 * {@code --inspect.X=v} are such options too (docs/tools.md). They are taken out of the arguments before the subcommand's own options
 * are parsed (up to a {@code --}, after which everything belongs to {@code exec}'s command) and go into every polyglot
 * engine the command creates. An unknown option name is a usage error reported by the engine.
 */
final class PolyglotOptions {
    private static final String[] PREFIXES = {
        "--engine.", "--compiler.", "--bpf.", "--scpl.", "--ebpf.", "--inetdiag.", "--log.", "--polyglot.", "--inspect."
    };

    private final Map<String, String> options = new LinkedHashMap<>();

    /** Removes polyglot options from {@code args} into this object; returns the remaining arguments. */
    String[] extract(String[] args) {
        List<String> rest = new ArrayList<>();
        boolean afterDoubleDash = false;
        for (String arg : args) {
            if (!afterDoubleDash && arg.equals("--")) {
                afterDoubleDash = true;
            }
            if (!afterDoubleDash && isPolyglotOption(arg)) {
                String body = arg.substring(2);
                int eq = body.indexOf('=');
                options.put(eq < 0 ? body : body.substring(0, eq), eq < 0 ? "true" : body.substring(eq + 1));
            } else {
                rest.add(arg);
            }
        }
        return rest.toArray(new String[0]);
    }

    private static boolean isPolyglotOption(String arg) {
        if (arg.equals("--inspect") || arg.startsWith("--inspect=")) {
            return true;
        }
        for (String p : PREFIXES) {
            if (arg.startsWith(p) && arg.length() > p.length()) {
                return true;
            }
        }
        return false;
    }

    String get(String key) {
        return options.get(key);
    }

    Map<String, String> all() {
        return options;
    }

    /** A context for the bpf language with the user's options, then the given ones (which win). */
    Context newContext(Map<String, String> languageOptions) {
        return newContext(languageOptions, false);
    }

    /** Whether the command line asks for the Chrome inspector ({@code --inspect}). */
    boolean inspecting() {
        return options.containsKey("inspect");
    }

    /** The user's options without the inspector's ({@code inspect}, {@code inspect.X}). */
    private Map<String, String> withoutInspector() {
        Map<String, String> out = new LinkedHashMap<>(options);
        out.keySet().removeIf(k -> k.equals("inspect") || k.startsWith("inspect."));
        return out;
    }

    /**
     * A context for the scpl language alone, with read-only access to files (a policy's includes), the user's options
     * (the inspector's too) without those of other languages, then the given ones (which win): where {@code run
     * --inspect} debugs a policy's rules.
     */
    Context newScplContext(Map<String, String> languageOptions) {
        Context.Builder b = Context.newBuilder("scpl")
                .allowExperimentalOptions(true)
                .allowIO(org.graalvm.polyglot.io.IOAccess.newBuilder()
                        .fileSystem(org.graalvm.polyglot.io.FileSystem.newReadOnlyFileSystem(
                                org.graalvm.polyglot.io.FileSystem.newDefaultFileSystem()))
                        .build());
        try {
            for (Map.Entry<String, String> e : options.entrySet()) {
                if (!e.getKey().startsWith("bpf.")
                        && !e.getKey().startsWith("ebpf.")
                        && !e.getKey().startsWith("inetdiag.")) {
                    b.option(e.getKey(), e.getValue());
                }
            }
            b.options(languageOptions);
            return b.build();
        } catch (IllegalArgumentException e) {
            throw UserError.usage(e.getMessage());
        }
    }

    /**
     * A context for the bpf language, and with {@code scpl} also for the scpl language with read-only access to files
     * (a policy's includes), with the user's options, then the given ones (which win).
     */
    Context newContext(Map<String, String> languageOptions, boolean scpl) {
        return newContext(languageOptions, scpl, true);
    }

    /**
     * As {@link #newContext(Map, boolean)}; without {@code withInspector} the inspector's options are left out (the
     * compiled filter of a policy whose rules {@code run --inspect} debugs in another context).
     */
    Context newContext(Map<String, String> languageOptions, boolean scpl, boolean withInspector) {
        Context.Builder b =
                (scpl ? Context.newBuilder("bpf", "scpl") : Context.newBuilder("bpf")).allowExperimentalOptions(true);
        if (scpl) {
            b.allowIO(org.graalvm.polyglot.io.IOAccess.newBuilder()
                    .fileSystem(org.graalvm.polyglot.io.FileSystem.newReadOnlyFileSystem(
                            org.graalvm.polyglot.io.FileSystem.newDefaultFileSystem()))
                    .build());
        }
        try {
            b.options(withInspector ? options : withoutInspector());
            b.options(languageOptions);
            return b.build();
        } catch (IllegalArgumentException e) {
            throw UserError.usage(e.getMessage());
        }
    }

    /** A context for the inetdiag language with the user's engine and inetdiag options, then the given ones (which win). */
    Context newInetDiagContext(Map<String, String> languageOptions) {
        Context.Builder b = Context.newBuilder("inetdiag")
                .allowExperimentalOptions(true)
                .allowHostAccess(org.graalvm.polyglot.HostAccess.newBuilder(org.graalvm.polyglot.HostAccess.EXPLICIT)
                        .allowArrayAccess(true)
                        .build());
        try {
            for (Map.Entry<String, String> e : options.entrySet()) {
                if (!e.getKey().startsWith("bpf.")
                        && !e.getKey().startsWith("scpl.")
                        && !e.getKey().startsWith("ebpf.")) {
                    b.option(e.getKey(), e.getValue());
                }
            }
            b.options(languageOptions);
            return b.build();
        } catch (IllegalArgumentException e) {
            throw UserError.usage(e.getMessage());
        }
    }

    /** An engine with the user's engine options (for --version). */
    Engine newEngine() {
        Engine.Builder b =
                Engine.newBuilder().allowExperimentalOptions(true).option("engine.WarnInterpreterOnly", "false");
        try {
            for (Map.Entry<String, String> e : options.entrySet()) {
                if (!e.getKey().startsWith("bpf.") && !e.getKey().startsWith("scpl.")) {
                    b.option(e.getKey(), e.getValue());
                }
            }
            return b.build();
        } catch (IllegalArgumentException e) {
            throw UserError.usage(e.getMessage());
        }
    }
}
