/**
 * SCPL, the syscall policy language of Sluice: parser, checker, Truffle interpreter and compiler to seccomp BPF.
 *
 * <p>Public API (docs/embedding.md): the language ({@code dev.sluice.scpl}), the checked policy and its evaluator
 * ({@code policy}, {@code verify.Checker}), the compiler to BPF ({@code compile}), the OCI importer ({@code oci}),
 * the syscall tables ({@code syscalls}), the failure kinds ({@code error}) and the rule coverage instrument ({@code coverage}). Parser and nodes are internal.
 */
module dev.sluice.scpl {
    requires transitive dev.sluice.core;
    requires transitive dev.sluice.bpf;
    requires transitive org.graalvm.truffle;
    requires org.graalvm.polyglot;
    requires com.fasterxml.jackson.databind;

    exports dev.sluice.scpl;
    exports dev.sluice.scpl.error;
    exports dev.sluice.scpl.policy;
    exports dev.sluice.scpl.verify;
    exports dev.sluice.scpl.compile;
    exports dev.sluice.scpl.oci;
    exports dev.sluice.scpl.syscalls;
    exports dev.sluice.scpl.text;
    exports dev.sluice.scpl.coverage;

    provides com.oracle.truffle.api.provider.TruffleLanguageProvider with
            dev.sluice.scpl.ScplLanguageProvider;
    provides com.oracle.truffle.api.instrumentation.provider.TruffleInstrumentProvider with
            dev.sluice.scpl.coverage.RuleCoverageInstrumentProvider;
}
