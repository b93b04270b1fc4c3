package dev.sluice.scpl.compile;

import dev.sluice.bpf.isa.Program;
import dev.sluice.scpl.policy.Policy;
import java.util.List;

/**
 * The output of {@link ScplCompiler#compile}: the seccomp BPF program (verified), the checked policy, the warnings
 * and the translation-validation statistics ({@code validation.enabled()} false when it was turned off).
 */
public record CompileResult(
        Program program, Policy policy, List<String> warnings, Validation validation, int trampolines) {
    /** Cases checked (seccomp_data records run through both semantics) and the time it took. */
    public record Validation(boolean enabled, long casesChecked, long nanos) {
        public double millis() {
            return nanos / 1e6;
        }

        @Override
        public String toString() {
            return enabled
                    ? String.format("translation validation: %d cases agree (%.1f ms)", casesChecked, millis())
                    : "translation validation: off";
        }
    }
}
