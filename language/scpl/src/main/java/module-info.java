/** SCPL, the syscall policy language of Sluice: parser, checker, Truffle interpreter and compiler to seccomp BPF. */
module dev.sluice.scpl {
    requires transitive dev.sluice.core;
    requires transitive dev.sluice.bpf;
    requires transitive org.graalvm.truffle;
    requires org.graalvm.polyglot;
    requires com.fasterxml.jackson.databind;

    exports dev.sluice.scpl;
    exports dev.sluice.scpl.parse;
    exports dev.sluice.scpl.syscalls;
    exports dev.sluice.scpl.verify;
    exports dev.sluice.scpl.nodes;
    exports dev.sluice.scpl.compile;
    exports dev.sluice.scpl.oci;


    provides com.oracle.truffle.api.provider.TruffleLanguageProvider with dev.sluice.scpl.ScplLanguageProvider;
}
