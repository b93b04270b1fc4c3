package dev.sluice.ebpf.isa;

import java.util.Locale;

/**
 * What a program runs on: its context and the helpers it may call. The ids are the names {@code --profile} and the
 * {@code ebpf.ProgramType} option take.
 */
public enum ProgramType {
    /** The bpf_conformance convention: r1 = a private copy of the input memory, r2 = its length. */
    RAW("raw", 0, 0),
    /** BPF_PROG_TYPE_SOCKET_FILTER: r1 = a read-only {@code struct __sk_buff} (writable cb[]); legacy packet loads. */
    SOCKET_FILTER("socket_filter", 1, 192),
    /** BPF_PROG_TYPE_XDP: r1 = {@code struct xdp_md}, whose data and data_end give pointers into the (writable) packet. */
    XDP("xdp", 6, 24);

    private final String id;
    /** The Linux program type ({@code enum bpf_prog_type}), 0 for raw. */
    public final int linuxId;
    /** Size of the context structure r1 points to (0: raw, where r1 points to the input memory). */
    public final int contextSize;

    ProgramType(String id, int linuxId, int contextSize) {
        this.id = id;
        this.linuxId = linuxId;
        this.contextSize = contextSize;
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
