package dev.sluice.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;

/** Loading workloads into a Sluice context the way an embedder does. */
final class Sluice {
    private Sluice() {}

    /** The committed workload files (benchmarks/data), from -Dsluice.bench.data or the working directory. */
    static Path dataDir() {
        Path dir = Path.of(System.getProperty("sluice.bench.data", "benchmarks/data"));
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("workload directory " + dir.toAbsolutePath()
                    + " not found: run from the repository root or set -Dsluice.bench.data");
        }
        return dir;
    }

    static Context context(String profile, Tier tier) {
        return context(profile, tier, null);
    }

    /** A context; with a watch, compilations are traced to it (see {@link CompileWatch}). */
    static Context context(String profile, Tier tier, CompileWatch watch) {
        Context.Builder b =
                Context.newBuilder("bpf").allowExperimentalOptions(true).option("bpf.Profile", profile);
        if (watch != null) {
            b.option("engine.TraceCompilation", "true").logHandler(watch);
        }
        if (profile.equals("seccomp")) {
            b.option("bpf.Arch", "x86_64");
        }
        tier.configure(b);
        Context ctx = b.build();
        String impl = ctx.getEngine().getImplementationName();
        if (tier.compiles() && impl.contains("Interpreted")) {
            ctx.close();
            throw new IllegalStateException("the Graal compiler is not active (engine: " + impl
                    + "); run with the flags in benchmarks/compare.sh");
        }
        return ctx;
    }

    /** Evaluates a raw sock_filter program; the MIME type fixes the profile. */
    static Value load(Context ctx, String profile, String name, byte[] raw) {
        Source src = Source.newBuilder("bpf", ByteSequence.create(raw), name)
                .mimeType("application/x-bpf-" + profile)
                .buildLiteral();
        return ctx.eval(src);
    }

    static byte[] packetFilter(String name) throws IOException {
        return DddProgram.toRaw(dataDir().resolve(name + ".ddd"));
    }

    static byte[] seccompPolicy(String name) throws IOException {
        return Files.readAllBytes(dataDir().resolve("seccomp-" + name + ".bpf"));
    }
}
