package dev.sluice.inetdiag.kernel;

import dev.sluice.inetdiag.runtime.SocketEntry;

/**
 * One socket of a NETLINK_SOCK_DIAG dump ({@code struct inet_diag_msg} and the attributes Sluice reads). Addresses
 * are the four network-order words of {@code idiag_src}/{@code idiag_dst}; {@code mark} and {@code cgroupId} are null
 * when the kernel did not send them (INET_DIAG_MARK needs CAP_NET_ADMIN); {@code v6only} is INET_DIAG_SKV6ONLY.
 */
public record DiagSocket(
        int protocol,
        int family,
        int state,
        int[] src,
        int sport,
        int[] dst,
        int dport,
        int ifindex,
        long inode,
        int uid,
        int rqueue,
        int wqueue,
        Integer mark,
        Long cgroupId,
        boolean v6only) {

    public static final int IPPROTO_TCP = 6;
    public static final int IPPROTO_UDP = 17;

    /**
     * What the kernel's filter sees of this socket. The dump does not carry the socket's user locks, so whether the
     * port was chosen by the kernel is given ({@link SockDiag#autoboundInodes}).
     */
    public SocketEntry entry(boolean autobound) {
        return new SocketEntry(
                family,
                src,
                dst,
                sport,
                dport,
                ifindex,
                autobound,
                mark == null ? 0 : mark,
                cgroupId == null ? 0 : cgroupId);
    }

    /** A key that names the socket across dumps. */
    public String key() {
        return (protocol == IPPROTO_TCP ? "tcp " : "udp ") + SocketEntry.addressText(src, family) + ":" + sport + " "
                + SocketEntry.addressText(dst, family) + ":" + dport + " inode " + inode;
    }
}
