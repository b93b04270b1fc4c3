/**
 * The classic BPF language of Sluice.
 *
 * <p>Public API (docs/embedding.md): the language ({@code dev.sluice.bpf}), the instruction set ({@code isa}), the
 * program formats ({@code formats}) and the run-time values an embedder passes or catches ({@code runtime}: packet
 * metadata, failure kinds). The stages behind them are exported only to the modules that use them.
 */
module dev.sluice.bpf {
    requires transitive dev.sluice.core;
    requires transitive org.graalvm.truffle;
    requires org.graalvm.polyglot;

    exports dev.sluice.bpf;
    exports dev.sluice.bpf.isa;
    exports dev.sluice.bpf.formats;
    exports dev.sluice.bpf.runtime;
    exports dev.sluice.bpf.parse to
            dev.sluice.launcher;
    exports dev.sluice.bpf.verify to
            dev.sluice.scpl,
            dev.sluice.launcher;
    exports dev.sluice.bpf.lower to
            dev.sluice.scpl,
            dev.sluice.launcher;
    exports dev.sluice.bpf.nodes to
            dev.sluice.scpl;
    exports dev.sluice.bpf.trace to
            dev.sluice.scpl,
            dev.sluice.launcher;
    exports dev.sluice.bpf.coverage;

    provides com.oracle.truffle.api.provider.TruffleLanguageProvider with
            dev.sluice.bpf.BpfLanguageProvider;
    provides com.oracle.truffle.api.instrumentation.provider.TruffleInstrumentProvider with
            dev.sluice.bpf.coverage.CoverageInstrumentProvider,
            dev.sluice.bpf.trace.StepTraceInstrumentProvider;
}
