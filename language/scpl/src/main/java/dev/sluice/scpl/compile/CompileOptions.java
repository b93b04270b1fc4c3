package dev.sluice.scpl.compile;

import dev.sluice.core.seccomp.Arch;
import dev.sluice.scpl.policy.Policy.IncludeResolver;
import java.util.List;

/**
 * Options of {@link ScplCompiler#compile}. Immutable; each setter returns a copy.
 *
 * @param arches target arches that override the policy's own {@code arch} list (empty: use the policy's, or
 *            {@code defaultArches} when it names none)
 * @param defaultArches targets of a policy that names none
 * @param validate run translation validation (default on)
 * @param resolver reads {@code include}d files
 */
public record CompileOptions(List<Arch> arches, List<Arch> defaultArches, boolean validate, IncludeResolver resolver) {
    public CompileOptions {
        arches = List.copyOf(arches);
        defaultArches = List.copyOf(defaultArches);
    }

    /** Validation on, includes from the file system, x86_64 for policies that name no arch. */
    public static CompileOptions defaults() {
        return new CompileOptions(List.of(), List.of(Arch.X86_64), true, IncludeResolver.FILES);
    }

    public CompileOptions arches(List<Arch> override) {
        return new CompileOptions(override, defaultArches, validate, resolver);
    }

    public CompileOptions defaultArches(List<Arch> targets) {
        return new CompileOptions(arches, targets, validate, resolver);
    }

    public CompileOptions validate(boolean on) {
        return new CompileOptions(arches, defaultArches, on, resolver);
    }

    public CompileOptions resolver(IncludeResolver r) {
        return new CompileOptions(arches, defaultArches, validate, r);
    }
}
