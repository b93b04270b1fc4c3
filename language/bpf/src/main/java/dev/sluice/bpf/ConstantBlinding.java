package dev.sluice.bpf;

import java.util.Locale;

/** The values of {@code bpf.ConstantBlinding} (docs/guards.md). */
public enum ConstantBlinding {
    /** Blind unless the program's signature was verified with {@code bpf.RequireSignature}. */
    AUTO,
    ON,
    OFF;

    /** The option's spelling: auto, on, off. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ConstantBlinding fromId(String id) {
        for (ConstantBlinding c : values()) {
            if (c.id().equals(id)) {
                return c;
            }
        }
        throw new IllegalArgumentException("'" + id + "' is not auto, on or off");
    }

    /** Whether to blind a program whose signature was (or was not) verified. */
    public boolean blinds(boolean signatureVerified) {
        return switch (this) {
            case ON -> true;
            case OFF -> false;
            case AUTO -> !signatureVerified;
        };
    }
}
