package dev.sluice.bpf.trace;

import com.oracle.truffle.api.instrumentation.TruffleInstrument;

/**
 * A Truffle instrument that records the instructions a classic BPF run enters, with the registers each is about to
 * see, from the instructions' statement events (the interpreter's own). The host gets its service with
 * {@code engine.getInstruments().get(StepTraceInstrument.ID).lookup(StepTrace.class)}; {@code sluice explain} does
 * that.
 */
@TruffleInstrument.Registration(
        id = StepTraceInstrument.ID,
        name = "Sluice step trace",
        version = "0.1.0",
        services = StepTrace.class, //
        website = "https://sluice.dev")
public final class StepTraceInstrument extends TruffleInstrument {
    public static final String ID = "sluice-step-trace";

    @Override
    protected void onCreate(Env env) {
        env.registerService(new StepTrace(env.getInstrumenter()));
    }
}
