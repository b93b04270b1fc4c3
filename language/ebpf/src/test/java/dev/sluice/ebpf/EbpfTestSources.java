package dev.sluice.ebpf;

import org.graalvm.polyglot.Source;

/** Sources of eBPF programs for the tests (the engines and their modes are core's {@code EngineMode}). */
public final class EbpfTestSources {
    private EbpfTestSources() {}

    /** A source of assembly text. */
    public static Source asm(String text) {
        return Source.newBuilder("ebpf", text, "Unnamed")
                .mimeType("text/x-ebpf")
                .buildLiteral();
    }
}
