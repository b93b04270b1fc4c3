package dev.sluice.scpl.policy;

/**
 * The verdict of a policy for one syscall, with the rule that decided it ({@code rule == null} for the default
 * action and for a bad arch) and a short reason for {@code sluice explain}.
 */
public record Decision(int verdict, Rule rule, String reason) {
    /** The unsigned 32-bit verdict, as the bpf language returns it. */
    public long unsignedVerdict() {
        return verdict & 0xffffffffL;
    }

    /** The 1-based source line of the deciding rule, or 0 for the default / bad-arch action. */
    public int line() {
        return rule == null ? 0 : rule.line();
    }
}
