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
        throw new IllegalArgumentException("unknown input format '" + id + "' (expected " + names() + ")");
    }

    /** Every format's id, for messages and help: {@code auto, raw, asm, ddd or dd}. */
    public static String names() {
        StringBuilder sb = new StringBuilder();
        InputFormat[] all = values();
        for (int i = 0; i < all.length; i++) {
            sb.append(i == 0 ? "" : i == all.length - 1 ? " or " : ", ").append(all[i].id());
        }
        return sb.toString();
    }
}
