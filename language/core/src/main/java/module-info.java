/**
 * What more than one Sluice language needs: the error machinery, the seccomp ABI (arches, seccomp_data, actions),
 * interop helpers, trust (signatures, measured loads), guards (budgets, blinding keys) and the pcap format. Depends on
 * no language.
 *
 * <p>Public API (docs/embedding.md): {@code error}, {@code seccomp}, {@code trust}, {@code pcap}, {@code coverage}
 * (the instruction counts the languages' coverage instruments report). The node-level
 * helpers ({@code interop}, {@code guard}, {@code profile}) are for the languages and the launcher only.
 */
module dev.sluice.core {
    requires transitive org.graalvm.truffle;
    requires org.graalvm.polyglot;
    requires jdk.unsupported; // sun.misc.Unsafe, in interop.UncheckedArrays only

    exports dev.sluice.core.error;
    exports dev.sluice.core.seccomp;
    exports dev.sluice.core.trust;
    exports dev.sluice.core.pcap;
    exports dev.sluice.core.coverage;
    exports dev.sluice.core.interop to
            dev.sluice.bpf,
            dev.sluice.scpl,
            dev.sluice.ebpf;
    exports dev.sluice.core.guard to
            dev.sluice.bpf,
            dev.sluice.ebpf,
            dev.sluice.launcher;
    exports dev.sluice.core.byteorder to
            dev.sluice.bpf,
            dev.sluice.ebpf;
    exports dev.sluice.core.profile to
            dev.sluice.bpf,
            dev.sluice.ebpf,
            dev.sluice.inetdiag;
    exports dev.sluice.core.tools to
            dev.sluice.bpf,
            dev.sluice.scpl,
            dev.sluice.ebpf,
            dev.sluice.inetdiag;
}
