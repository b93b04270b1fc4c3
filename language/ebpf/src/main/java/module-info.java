/** The eBPF language of Sluice (RFC 9669). */
module dev.sluice.ebpf {
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

    provides com.oracle.truffle.api.provider.TruffleLanguageProvider with dev.sluice.ebpf.EbpfLanguageProvider;
}
