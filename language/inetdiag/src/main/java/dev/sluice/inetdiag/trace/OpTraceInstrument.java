package dev.sluice.inetdiag.trace;

import com.oracle.truffle.api.instrumentation.TruffleInstrument;

/**
 * A Truffle instrument that records the ops an INET-DIAG filter runs and the branch each takes (the ops' statement
 * events). The host gets its service with
 * {@code engine.getInstruments().get(OpTraceInstrument.ID).lookup(OpTrace.class)}; {@code sluice explain --lang
 * inetdiag} uses it.
 */
@TruffleInstrument.Registration(
        id = OpTraceInstrument.ID,
        name = "Sluice INET-DIAG op trace",
        version = "0.1.0",
        services = OpTrace.class, //
        website = "https://sluice.dev")
public final class OpTraceInstrument extends TruffleInstrument {
    public static final String ID = "sluice-inetdiag-trace";

    @Override
    protected void onCreate(Env env) {
        env.registerService(new OpTrace(env.getInstrumenter()));
    }
}
