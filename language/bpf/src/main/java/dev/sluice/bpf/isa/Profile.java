package dev.sluice.bpf.isa;

/** The kind of program: what its input is and which extra kernel rules apply. */
public enum Profile {
    /** A seccomp filter: input is a 64-byte struct seccomp_data; seccomp_check_filter applies. */
    SECCOMP,
    /** A socket filter: input is packet bytes plus optional skb metadata; the full classic ISA. */
    SOCKET;

    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static Profile fromId(String id) {
        for (Profile p : values()) {
            if (p.id().equals(id)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown profile '" + id + "' (expected seccomp or socket)");
    }
}
