package dev.sluice.core.guard;

import java.util.Locale;

/**
 * The values of a language's {@code ConstantBlinding} option (docs/guards.md): {@code auto} blinds the programs the
 * language does not trust (classic BPF: those without a verified signature; eBPF: those loaded as unprivileged, the
 * kernel's {@code net.core.bpf_jit_harden=1}); {@code on} and {@code off} force it.
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

    /** Whether to blind a program the language does (or does not) trust. */
    public boolean blinds(boolean untrusted) {
        return switch (this) {
            case ON -> true;
            case OFF -> false;
            case AUTO -> untrusted;
        };
    }
}
