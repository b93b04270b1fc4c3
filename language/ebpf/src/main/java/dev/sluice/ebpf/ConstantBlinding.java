package dev.sluice.ebpf;

import java.util.Locale;

/**
 * The values of {@code ebpf.ConstantBlinding} (docs/guards.md, "Constant blinding of eBPF"): auto blinds the
 * constants of programs loaded with {@code ebpf.Unprivileged=true}, as the kernel's {@code net.core.bpf_jit_harden=1}
 * blinds those of unprivileged loaders; on and off force it.
 */
public enum ConstantBlinding {
    AUTO,
    ON,
    OFF;

    /** The option's spelling: auto, on, off. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The value named exactly {@code id}; otherwise an error naming the values. */
    public static ConstantBlinding fromId(String id) {
        for (ConstantBlinding c : values()) {
            if (c.id().equals(id)) {
                return c;
            }
        }
        throw new IllegalArgumentException("'" + id + "' is not auto, on or off");
    }

    /** Whether to blind the programs of a context whose loads are (or are not) unprivileged. */
    public boolean blinds(boolean unprivileged) {
        return switch (this) {
            case ON -> true;
            case OFF -> false;
            case AUTO -> unprivileged;
        };
    }
}
