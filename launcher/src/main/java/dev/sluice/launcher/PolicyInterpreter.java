package dev.sluice.launcher;

import dev.sluice.core.seccomp.SeccompData;
import dev.sluice.scpl.ScplLanguage;
import java.util.Arrays;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;

/**
 * A policy loaded into SCPL's own interpreter (the meaning its compiled BPF is validated against), running the calls
 * {@code sluice run} gave the compiled filter: for {@code --coverage} (the rule coverage instrument counts its rules)
 * and {@code --inspect} (Chrome DevTools stops at its rules). Every verdict must equal the filter's: a difference is an
 * internal error, as in {@code explain}.
 */
final class PolicyInterpreter {
    private final Value policy;
    private long calls;

    private PolicyInterpreter(Value policy) {
        this.policy = policy;
    }

    /** Loads {@code loaded}'s text into the scpl language of {@code context} (includes are read through it). */
    static PolicyInterpreter load(Context context, LoadedProgram loaded) {
        Source source = Source.newBuilder(ScplLanguage.ID, loaded.sourceText(), loaded.name())
                .mimeType(ScplLanguage.MIME)
                .buildLiteral();
        return new PolicyInterpreter(context.eval(source));
    }

    /** Runs {@code n} records of {@code records} through the policy; each verdict must be the filter's in {@code verdicts}. */
    void run(byte[] records, int[] verdicts, int n) {
        for (int i = 0; i < n; i++) {
            byte[] call = Arrays.copyOfRange(records, i * SeccompData.SIZE, (i + 1) * SeccompData.SIZE);
            int verdict = (int) policy.execute((Object) call).asLong();
            if (verdict != verdicts[i]) {
                throw new IllegalStateException(String.format(
                        "the policy (0x%08x) and its compiled filter (0x%08x) disagree on record %d",
                        verdict, verdicts[i], calls + i));
            }
        }
        calls += n;
    }

    /** How many calls ran. */
    long calls() {
        return calls;
    }
}
