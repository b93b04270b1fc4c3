package dev.sluice.ebpf.trace;

import com.oracle.truffle.api.instrumentation.TruffleInstrument;

/**
 * A Truffle instrument that records the eBPF instructions a run enters with the registers they see. The host gets its
 * service with {@code engine.getInstruments().get(StepTraceInstrument.ID).lookup(StepTrace.class)};
 * {@code sluice explain --lang ebpf} uses it.
 */
@TruffleInstrument.Registration(
        id = StepTraceInstrument.ID,
        name = "Sluice eBPF step trace",
        version = "0.1.0",
        services = StepTrace.class, //
        website = "https://sluice.dev")
public final class StepTraceInstrument extends TruffleInstrument {
    public static final String ID = "sluice-ebpf-trace";

    @Override
    protected void onCreate(Env env) {
        env.registerService(new StepTrace(env.getInstrumenter()));
    }
}
