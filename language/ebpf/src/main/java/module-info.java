/** The eBPF language of Sluice (RFC 9669). */
module dev.sluice.ebpf {
    requires transitive dev.sluice.core;
    requires transitive org.graalvm.truffle;
    requires org.graalvm.polyglot;

    exports dev.sluice.ebpf;
    exports dev.sluice.ebpf.isa;
    exports dev.sluice.ebpf.formats;
    exports dev.sluice.ebpf.formats.elf;
    exports dev.sluice.ebpf.parse;
    exports dev.sluice.ebpf.verify;
    exports dev.sluice.ebpf.lower;
    exports dev.sluice.ebpf.nodes;
    exports dev.sluice.ebpf.runtime;
    exports dev.sluice.ebpf.maps;
    exports dev.sluice.ebpf.trace;
    exports dev.sluice.ebpf.coverage;

    provides com.oracle.truffle.api.provider.TruffleLanguageProvider with
            dev.sluice.ebpf.EbpfLanguageProvider;
    provides com.oracle.truffle.api.instrumentation.provider.TruffleInstrumentProvider with
            dev.sluice.ebpf.coverage.CoverageInstrumentProvider,
            dev.sluice.ebpf.trace.StepTraceInstrumentProvider;
}
