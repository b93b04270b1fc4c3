/** The INET-DIAG socket-filter language of Sluice: the kernel's inet_diag bytecode and ss's filter syntax. */
module dev.sluice.inetdiag {
    requires transitive org.graalvm.truffle;
    requires org.graalvm.polyglot;
    requires transitive dev.sluice.core;

    exports dev.sluice.inetdiag;
    exports dev.sluice.inetdiag.isa;
    exports dev.sluice.inetdiag.formats;
    exports dev.sluice.inetdiag.parse;
    exports dev.sluice.inetdiag.verify;
    exports dev.sluice.inetdiag.lower;
    exports dev.sluice.inetdiag.nodes;
    exports dev.sluice.inetdiag.runtime;
    exports dev.sluice.inetdiag.kernel;
    exports dev.sluice.inetdiag.trace;

    provides com.oracle.truffle.api.provider.TruffleLanguageProvider with
            dev.sluice.inetdiag.InetDiagLanguageProvider;
    provides com.oracle.truffle.api.instrumentation.provider.TruffleInstrumentProvider with
            dev.sluice.inetdiag.trace.OpTraceInstrumentProvider;
}
