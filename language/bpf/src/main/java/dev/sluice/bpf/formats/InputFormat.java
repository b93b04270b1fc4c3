package dev.sluice.bpf.formats;

import java.util.Locale;

/** The program formats Sluice reads. AUTO detects the format from the content (see docs/formats.md). */
public enum InputFormat {
    AUTO,
    RAW,
    ASM,
    DDD,
    DD;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static InputFormat fromId(String id) {
        for (InputFormat f : values()) {
            if (f.id().equals(id.toLowerCase(Locale.ROOT))) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown input format '" + id + "' (expected raw, asm, ddd, dd or auto)");
    }
}
