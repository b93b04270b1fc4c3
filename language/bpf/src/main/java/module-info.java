/** The classic BPF language of Sluice. */
module dev.sluice.bpf {
    requires transitive dev.sluice.core;
    requires transitive org.graalvm.truffle;
    requires org.graalvm.polyglot;

    exports dev.sluice.bpf;
    exports dev.sluice.bpf.isa;
    exports dev.sluice.bpf.formats;
    exports dev.sluice.bpf.parse;
    exports dev.sluice.bpf.verify;
    exports dev.sluice.bpf.lower;
    exports dev.sluice.bpf.nodes;
    exports dev.sluice.bpf.runtime;
    exports dev.sluice.bpf.trace;

    provides com.oracle.truffle.api.provider.TruffleLanguageProvider with dev.sluice.bpf.BpfLanguageProvider;
}
