package dev.sluice.scpl.coverage;

import com.oracle.truffle.api.instrumentation.TruffleInstrument;

/**
 * A Truffle instrument that counts, per SCPL rule, how often a call reached it (the rule names the call's syscall and
 * was consulted) and how often it decided the verdict, from the rules' statement events. The host gets its service
 * with {@code engine.getInstruments().get(RuleCoverageInstrument.ID).lookup(RuleCoverage.class)}; {@code sluice run
 * --coverage} on a policy does that.
 */
@TruffleInstrument.Registration(
        id = RuleCoverageInstrument.ID,
        name = "Sluice SCPL rule coverage",
        version = "0.1.0",
        services = RuleCoverage.class, //
        website = "https://sluice.dev")
public final class RuleCoverageInstrument extends TruffleInstrument {
    public static final String ID = "sluice-rule-coverage";

    @Override
    protected void onCreate(Env env) {
        env.registerService(new RuleCoverage(env.getInstrumenter()));
    }
}
