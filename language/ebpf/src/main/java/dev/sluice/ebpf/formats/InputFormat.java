package dev.sluice.ebpf.formats;

import java.util.Locale;

/**
 * The program formats the eBPF language reads, the values of {@code ebpf.InputFormat}. AUTO: bytes are an ELF object
 * by its magic, else raw; text is asm.
 */
public enum InputFormat {
    AUTO,
    RAW,
    ASM,
    ELF;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The format named exactly {@code id}; otherwise an error listing the names. */
    public static InputFormat fromId(String id) {
        for (InputFormat f : values()) {
            if (f.id().equals(id)) {
                return f;
            }
        }
        throw new IllegalArgumentException("'" + id + "' is not " + names());
    }

    /** Every format's id, for messages and help: {@code auto, raw, asm or elf}. */
    public static String names() {
        StringBuilder sb = new StringBuilder();
        InputFormat[] all = values();
        for (int i = 0; i < all.length; i++) {
            sb.append(i == 0 ? "" : i == all.length - 1 ? " or " : ", ").append(all[i].id());
        }
        return sb.toString();
    }
}
