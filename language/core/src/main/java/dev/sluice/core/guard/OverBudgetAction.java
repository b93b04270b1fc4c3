package dev.sluice.core.guard;

import dev.sluice.core.seccomp.SeccompAction;
import java.util.Locale;
import org.graalvm.options.OptionType;

/**
 * What a run over its budget does, the value of a language's {@code OverBudgetAction} option: raise a guest error, or
 * return {@link #verdict()}.
 *
 * @param error raise a guest error (then {@code verdict} is 0)
 * @param verdict what the run returns when not raising an error
 */
public record OverBudgetAction(boolean error, long verdict) {
    public static final OverBudgetAction ERROR = new OverBudgetAction(true, 0);

    /** As measured into a load log and printed: {@code error} or {@code verdict:<unsigned n>}. */
    public String id() {
        return error ? "error" : "verdict:" + Long.toUnsignedString(verdict);
    }

    /**
     * The option type of {@code bpf.OverBudgetAction}: {@code error} or {@code verdict:<n>}, n a 32-bit unsigned number
     * (decimal or 0x hex) or a seccomp action name; blanks around either part are ignored. Truffle reports a bad value
     * when the context is built, with a message naming {@code option} (e.g. {@code "bpf.OverBudgetAction"}).
     */
    public static OptionType<OverBudgetAction> seccompVerdicts(String option) {
        return new OptionType<>("OverBudgetAction", text -> parse(option, text.strip(), text, true));
    }

    /**
     * The option type of {@code ebpf.OverBudgetAction}: {@code error} or {@code verdict:<n>}, n any 64-bit number as
     * {@link Long#decode} reads it (the value of r0).
     */
    public static OptionType<OverBudgetAction> numericVerdicts(String option) {
        return new OptionType<>("OverBudgetAction", text -> parse(option, text, text, false));
    }

    private static OverBudgetAction parse(String option, String action, String given, boolean seccomp) {
        if (action.equals("error")) {
            return ERROR;
        }
        if (!action.startsWith("verdict:")) {
            throw new IllegalArgumentException(option + ": '" + given + "' is not error or verdict:<n>");
        }
        String v = action.substring("verdict:".length());
        if (!seccomp) {
            try {
                return new OverBudgetAction(false, Long.decode(v));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + ": '" + given + "': the verdict must be a number");
            }
        }
        return new OverBudgetAction(false, Integer.toUnsignedLong(seccompVerdict(option, v.strip(), given)));
    }

    private static int seccompVerdict(String option, String v, String given) {
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
        throw new IllegalArgumentException(
                option + ": '" + given + "': the verdict must be a 32-bit unsigned number or a seccomp action name");
    }
}
