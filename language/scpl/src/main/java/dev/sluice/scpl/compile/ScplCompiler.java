package dev.sluice.scpl.compile;

import dev.sluice.bpf.isa.Opcodes;
import dev.sluice.bpf.isa.Profile;
import dev.sluice.bpf.verify.Verifier;
import dev.sluice.core.error.SluiceException;
import dev.sluice.scpl.error.ScplFailure;
import dev.sluice.scpl.policy.Policy;
import dev.sluice.scpl.verify.Checker;
import java.util.List;

/**
 * Compiles SCPL to a seccomp BPF program: check, generate the decision tree, assemble (with trampolines), verify
 * with the Sluice verifier, and (by default) validate the translation against the policy's reference meaning.
 */
public final class ScplCompiler {
    private ScplCompiler() {}

    public static CompileResult compile(String sourceName, String text, CompileOptions options) {
        Policy policy = Checker.check(
                sourceName,
                text,
                options.arches().isEmpty() ? options.defaultArches() : options.arches(),
                !options.arches().isEmpty(),
                options.resolver());
        return compile(policy, options.validate());
    }

    /** Compiles an already checked policy. */
    public static CompileResult compile(Policy policy, boolean validate) {
        Assembler.Assembled out = CodeGen.generate(policy);
        if (out.program().length() > Opcodes.MAX_INSNS) {
            throw SluiceException.create(
                    ScplFailure.SCPL_TOO_LARGE, out.program().length(), largestPart(out.parts()), "");
        }
        Verifier.verify(out.program(), Profile.SECCOMP);
        CompileResult.Validation v =
                validate ? Validator.validate(policy, out.program()) : new CompileResult.Validation(false, 0, 0);
        return new CompileResult(out.program(), policy, List.copyOf(policy.warnings()), v, out.trampolines());
    }

    /** The biggest part of the filter: the search of one ABI, or the argument checks of all rules together. */
    static String largestPart(String[] parts) {
        java.util.Map<String, Integer> sizes = new java.util.TreeMap<>();
        java.util.Map<String, Integer> ruleSizes = new java.util.TreeMap<>();
        for (String p : parts) {
            if (p.startsWith("arguments of ")) {
                sizes.merge("argument checks", 1, Integer::sum);
                ruleSizes.merge(p.substring("arguments of ".length()), 1, Integer::sum);
            } else {
                sizes.merge(p, 1, Integer::sum);
            }
        }
        var largest = sizes.entrySet().stream()
                .max(java.util.Map.Entry.comparingByValue())
                .orElseThrow();
        if (!largest.getKey().equals("argument checks")) {
            return largest.getKey() + " (" + largest.getValue() + " instructions)";
        }
        var rule = ruleSizes.entrySet().stream()
                .max(java.util.Map.Entry.comparingByValue())
                .orElseThrow();
        return String.format(
                "argument checks (%d instructions for %d rules; the largest is %s with %d)",
                largest.getValue(), ruleSizes.size(), rule.getKey(), rule.getValue());
    }
}
