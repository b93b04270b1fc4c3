package dev.sluice.core.guard;

import dev.sluice.core.error.CoreFailure;
import dev.sluice.core.error.SluiceException;
import dev.sluice.core.seccomp.SeccompAction;
import java.util.Locale;

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
     * Validated options; {@code optionPrefix} is the language's option namespace ({@code "bpf"}), named in errors.
     * {@code action} is {@code error} or {@code verdict:<n>} (a 32-bit number or a seccomp action name).
     */
    public static GuardOptions of(
            String optionPrefix,
            int maxInstructions,
            long instructionsPerSecond,
            long invocationsPerSecond,
            long windowMillis,
            String action) {
        requireAtLeast(optionPrefix + ".MaxInstructions", maxInstructions, 0);
        requireAtLeast(optionPrefix + ".BudgetInstructionsPerSecond", instructionsPerSecond, 0);
        requireAtLeast(optionPrefix + ".BudgetInvocationsPerSecond", invocationsPerSecond, 0);
        requireAtLeast(optionPrefix + ".BudgetWindowMillis", windowMillis, 1);
        String a = action.strip();
        if (a.equals("error")) {
            return new GuardOptions(
                    maxInstructions, instructionsPerSecond, invocationsPerSecond, windowMillis, true, 0, false, false);
        }
        if (a.startsWith("verdict:")) {
            return new GuardOptions(
                    maxInstructions,
                    instructionsPerSecond,
                    invocationsPerSecond,
                    windowMillis,
                    false,
                    parseVerdict(optionPrefix, a.substring(8).strip(), action),
                    false,
                    false);
        }
        throw SluiceException.create(
                CoreFailure.BAD_OPTION,
                optionPrefix + ".OverBudgetAction: '" + action + "' is not error or verdict:<n>");
    }

    private static int parseVerdict(String optionPrefix, String v, String action) {
        try {
            return SeccompAction.valueOf(v.toUpperCase(Locale.ROOT)).value;
        } catch (IllegalArgumentException e) {
            // not an action name: a number
        }
        try {
            long n = v.startsWith("0x") || v.startsWith("0X") ? Long.parseLong(v.substring(2), 16) : Long.parseLong(v);
            if (n >= 0 && n <= 0xffffffffL) {
                return (int) n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw SluiceException.create(
                CoreFailure.BAD_OPTION,
                optionPrefix + ".OverBudgetAction: '" + action
                        + "': the verdict must be a 32-bit unsigned number or a seccomp action name");
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
