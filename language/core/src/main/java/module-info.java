/**
 * What more than one Sluice language needs: the error machinery, the seccomp ABI (arches, seccomp_data, actions),
 * interop helpers, trust (signatures, measured loads), guards (budgets, blinding keys) and the pcap format. Depends on
 * no language.
 */
module dev.sluice.core {
    requires transitive org.graalvm.truffle;
    requires org.graalvm.polyglot;

    exports dev.sluice.core.error;
    exports dev.sluice.core.seccomp;
    exports dev.sluice.core.interop;
    exports dev.sluice.core.trust;
    exports dev.sluice.core.guard;
    exports dev.sluice.core.pcap;
}
