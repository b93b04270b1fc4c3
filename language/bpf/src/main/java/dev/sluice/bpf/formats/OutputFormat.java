package dev.sluice.bpf.formats;

import java.util.Locale;

/** The program formats Sluice writes (see docs/formats.md). */
public enum OutputFormat {
    /** 8-byte struct sock_filter records, in a chosen byte order. */
    RAW,
    /** The kernel's bpf_asm syntax, with labels on jump targets. */
    ASM,
    /** tcpdump -ddd: count, then decimal {@code code jt jf k} rows. */
    DDD,
    /** tcpdump -dd: C rows {@code { 0x28, 0, 0, 0x0000000c },}. */
    DD,
    /** A pasteable C definition: struct sock_filter array plus struct sock_fprog. */
    C,
    /** tcpdump -d listing, for display. */
    LISTING;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean isText() {
        return this != RAW;
    }

    public static OutputFormat fromId(String id) {
        for (OutputFormat f : values()) {
            if (f.id().equals(id.toLowerCase(Locale.ROOT))) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown output format '" + id + "' (expected " + names() + ")");
    }

    /** Every format's id, for messages: {@code raw, asm, ddd, dd, c or listing}. */
    public static String names() {
        StringBuilder sb = new StringBuilder();
        OutputFormat[] all = values();
        for (int i = 0; i < all.length; i++) {
            sb.append(i == 0 ? "" : i == all.length - 1 ? " or " : ", ").append(all[i].id());
        }
        return sb.toString();
    }
}
