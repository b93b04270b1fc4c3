package dev.sluice.ebpf;

import java.util.Locale;

/**
 * Where a socket_filter program's data starts in its input, an Ethernet frame (the values of {@code ebpf.SocketData}):
 * at the link-layer header, as on an AF_PACKET socket, or after the 14-byte Ethernet header, as on an IP socket and in
 * the kernel's BPF_PROG_TEST_RUN.
 */
public enum SocketData {
    LINK,
    NETWORK;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The value named exactly {@code id}; otherwise an error naming both. */
    public static SocketData fromId(String id) {
        for (SocketData d : values()) {
            if (d.id().equals(id)) {
                return d;
            }
        }
        throw new IllegalArgumentException("'" + id + "' is not link or network");
    }
}
