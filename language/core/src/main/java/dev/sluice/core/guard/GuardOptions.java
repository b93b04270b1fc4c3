package dev.sluice.core.guard;

import dev.sluice.core.error.CoreFailure;
import dev.sluice.core.error.SluiceException;

/**
 * The guard options of a context, read once: budgets and the over-budget action (docs/guards.md).
 *
 * @param maxInstructions per invocation; 0 = unlimited
 * @param instructionsPerSecond per program over the window; 0 = unlimited
 * @param invocationsPerSecond per program over the window; 0 = unlimited
 * @param windowMillis the accounting window of the per-second budgets
 * @param errorOnOverBudget raise a guest error (true) or return {@code overBudgetVerdict} (false)
 * @param overBudgetVerdict the declared verdict when not raising an error
 * @param constantBlinding whether this load's author constants are blinded in the interpreter and compiled code
 * @param counters whether to count invocations and instructions even without a per-program budget
 */
public record GuardOptions(
        int maxInstructions,
        long instructionsPerSecond,
        long invocationsPerSecond,
        long windowMillis,
        boolean errorOnOverBudget,
        int overBudgetVerdict,
        boolean constantBlinding,
        boolean counters) {
    public static final GuardOptions NONE = new GuardOptions(0, 0, 0, 1000, true, 0, false, false);

    /** The same options for one load, with blinding on or off. */
    public GuardOptions withConstantBlinding(boolean on) {
        return new GuardOptions(
                maxInstructions,
                instructionsPerSecond,
                invocationsPerSecond,
                windowMillis,
                errorOnOverBudget,
                overBudgetVerdict,
                on,
                counters);
    }

    /** The same options with the counters on or off. */
    public GuardOptions withCounters(boolean on) {
        return new GuardOptions(
                maxInstructions,
                instructionsPerSecond,
                invocationsPerSecond,
                windowMillis,
                errorOnOverBudget,
                overBudgetVerdict,
                constantBlinding,
                on);
    }

    /** Whether a per-program budget over a window is set (then every invocation is admitted and charged). */
    public boolean windowed() {
        return instructionsPerSecond > 0 || invocationsPerSecond > 0;
    }

    /** Whether any budget or the counters are set (then the interpreter may count instructions). */
    public boolean budgeted() {
        return maxInstructions > 0 || windowed() || counters;
    }

    /**
     * Validated options; {@code optionPrefix} is the language's option namespace ({@code "bpf"}), named in errors. The
     * over-budget action was validated when the context was built ({@link OverBudgetAction}); its verdict is a 32-bit
     * value here.
     */
    public static GuardOptions of(
            String optionPrefix,
            int maxInstructions,
            long instructionsPerSecond,
            long invocationsPerSecond,
            long windowMillis,
            OverBudgetAction action) {
        requireAtLeast(optionPrefix + ".MaxInstructions", maxInstructions, 0);
        requireAtLeast(optionPrefix + ".BudgetInstructionsPerSecond", instructionsPerSecond, 0);
        requireAtLeast(optionPrefix + ".BudgetInvocationsPerSecond", invocationsPerSecond, 0);
        requireAtLeast(optionPrefix + ".BudgetWindowMillis", windowMillis, 1);
        return new GuardOptions(
                maxInstructions,
                instructionsPerSecond,
                invocationsPerSecond,
                windowMillis,
                action.error(),
                (int) action.verdict(),
                false,
                false);
    }

    /** As measured into the load log. */
    public String measured() {
        return "maxInstructions=" + maxInstructions + ",instructionsPerSecond=" + instructionsPerSecond
                + ",invocationsPerSecond=" + invocationsPerSecond + ",budgetWindowMillis=" + windowMillis
                + ",budgetCounters=" + counters + ",overBudgetAction="
                + (errorOnOverBudget ? "error" : "verdict:" + Integer.toUnsignedString(overBudgetVerdict));
    }

    private static void requireAtLeast(String option, long value, long least) {
        if (value < least) {
            throw SluiceException.create(CoreFailure.BAD_OPTION, option + ": " + value + " is below " + least);
        }
    }
}
