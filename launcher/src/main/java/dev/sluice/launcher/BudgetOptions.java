package dev.sluice.launcher;

import dev.sluice.core.guard.OverBudgetAction;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Budget flags of {@code sluice run} (docs/guards.md): shorthands for the bpf language options
 * {@code bpf.MaxInstructions} and {@code bpf.OverBudgetAction}, put into the polyglot options every context of the
 * command is built with (they win over {@code --bpf.MaxInstructions=...} given as well).
 */
final class BudgetOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(
            names = "--max-instructions",
            paramLabel = "N",
            description = "Stop an evaluation after N instructions (0: unlimited); then --over-budget applies.")
    void maxInstructions(int n) {
        if (n < 0) {
            throw new ParameterException(
                    mixee.commandLine(), "--max-instructions must be >= 0 (0: unlimited), not " + n);
        }
        put("bpf.MaxInstructions", Integer.toString(n));
    }

    @Option(
            names = "--over-budget",
            paramLabel = "error|verdict:N",
            description = {
                "What an evaluation over budget gives: error (the command stops with the instruction named, exit 1)",
                "or verdict:N (N: a number or a seccomp action such as KILL_PROCESS). Default: error."
            })
    void overBudget(String action) {
        try {
            OverBudgetAction.seccompVerdicts("bpf.OverBudgetAction").convert(action);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(
                    mixee.commandLine(),
                    "--over-budget: '" + action
                            + "' is not error or verdict:N (N: a 32-bit number or a seccomp action name)");
        }
        put("bpf.OverBudgetAction", action.strip());
    }

    private void put(String key, String value) {
        ((Main) mixee.root().userObject()).polyglot.all().put(key, value);
    }
}
