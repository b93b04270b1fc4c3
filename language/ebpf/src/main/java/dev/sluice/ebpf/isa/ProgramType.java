package dev.sluice.ebpf.isa;

import java.util.Locale;

/**
 * What a program runs on: its context and the helpers it may call. The ids are the names {@code --profile} and the
 * {@code ebpf.ProgramType} option take.
 */
public enum ProgramType {
    /** The bpf_conformance convention: r1 = a private copy of the input memory, r2 = its length. */
    RAW("raw");

    private final String id;

    ProgramType(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static ProgramType fromId(String id) {
        for (ProgramType t : values()) {
            if (t.id.equals(id.toLowerCase(Locale.ROOT))) {
                return t;
            }
        }
        StringBuilder known = new StringBuilder();
        for (ProgramType t : values()) {
            known.append(known.isEmpty() ? "" : ", ").append(t.id);
        }
        throw new IllegalArgumentException("unknown program type '" + id + "' (known: " + known + ")");
    }
}
