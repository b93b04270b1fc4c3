package dev.sluice.ebpf.coverage;

import com.oracle.truffle.api.instrumentation.TruffleInstrument;

/**
 * A Truffle instrument that counts how often each eBPF instruction runs (its statement events). The host gets its
 * service with {@code engine.getInstruments().get(CoverageInstrument.ID).lookup(InstructionCoverage.class)}, starts it
 * before running programs, and reads the counts afterwards; {@code sluice run --lang ebpf --coverage} does that.
 */
@TruffleInstrument.Registration(
        id = CoverageInstrument.ID,
        name = "Sluice eBPF instruction coverage",
        version = "0.1.0",
        services = InstructionCoverage.class, //
        website = "https://sluice.dev")
public final class CoverageInstrument extends TruffleInstrument {
    public static final String ID = "sluice-ebpf-coverage";

    @Override
    protected void onCreate(Env env) {
        env.registerService(new InstructionCoverage(env.getInstrumenter()));
    }
}
