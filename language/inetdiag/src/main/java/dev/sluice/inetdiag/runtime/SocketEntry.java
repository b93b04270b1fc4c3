package dev.sluice.inetdiag.runtime;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * What the kernel's filter sees of a socket ({@code struct inet_diag_entry}): family, addresses as four network-order
 * words (an IPv4 address is word 0), local and remote port, bound interface ({@code sk_bound_dev_if}), whether the
 * local port was chosen by the kernel (no SOCK_BINDPORT_LOCK), mark and cgroup v2 id.
 */
public final class SocketEntry {
    public final int family;
    public final int[] src;
    public final int[] dst;
    public final int sport;
    public final int dport;
    public final int ifindex;
    public final boolean autobound;
    public final int mark;
    public final long cgroupId;

    public SocketEntry(
            int family,
            int[] src,
            int[] dst,
            int sport,
            int dport,
            int ifindex,
            boolean autobound,
            int mark,
            long cgroupId) {
        if (src.length != 4 || dst.length != 4) {
            throw new IllegalArgumentException("addresses are four 32-bit words");
        }
        this.family = family;
        this.src = src.clone();
        this.dst = dst.clone();
        this.sport = sport & 0xffff;
        this.dport = dport & 0xffff;
        this.ifindex = ifindex;
        this.autobound = autobound;
        this.mark = mark;
        this.cgroupId = cgroupId;
    }

    /** An address's bytes (4 or 16, network order) as four words, zero-padded. */
    public static int[] words(byte[] address) {
        if (address.length != 4 && address.length != 16) {
            throw new IllegalArgumentException("an address is 4 or 16 bytes, not " + address.length);
        }
        int[] w = new int[4];
        for (int i = 0; i < address.length / 4; i++) {
            w[i] = (address[4 * i] & 0xff) << 24
                    | (address[4 * i + 1] & 0xff) << 16
                    | (address[4 * i + 2] & 0xff) << 8
                    | (address[4 * i + 3] & 0xff);
        }
        return w;
    }

    public static byte[] bytes(int[] words, int family) {
        int n = family == 10 ? 4 : 1;
        byte[] b = new byte[4 * n];
        for (int i = 0; i < n; i++) {
            b[4 * i] = (byte) (words[i] >>> 24);
            b[4 * i + 1] = (byte) (words[i] >>> 16);
            b[4 * i + 2] = (byte) (words[i] >>> 8);
            b[4 * i + 3] = (byte) words[i];
        }
        return b;
    }

    /** Address text as {@code ss} prints it (IPv6 compressed, v4-mapped as ::ffff:a.b.c.d). */
    public static String addressText(int[] words, int family) {
        try {
            if (family == 10) {
                if (words[0] == 0 && words[1] == 0 && words[2] == 0xffff) {
                    return "::ffff:"
                            + InetAddress.getByAddress(bytes(new int[] {words[3], 0, 0, 0}, 2))
                                    .getHostAddress();
                }
                return compress(bytes(words, 10));
            }
            return InetAddress.getByAddress(bytes(words, 2)).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** RFC 5952 text: the longest run of two or more zero groups becomes "::". */
    private static String compress(byte[] b) {
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = (b[2 * i] & 0xff) << 8 | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                s.append("::");
                i += bestLen - 1;
                continue;
            }
            if (s.length() > 0 && s.charAt(s.length() - 1) != ':') {
                s.append(':');
            }
            s.append(Integer.toHexString(g[i]));
        }
        return s.toString();
    }

    @Override
    public String toString() {
        return "family " + family + " " + addressText(src, family) + ":" + sport + " -> " + addressText(dst, family)
                + ":" + dport + " if " + ifindex + (autobound ? " autobound" : "") + " mark 0x"
                + Integer.toHexString(mark) + " cgroup " + cgroupId;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SocketEntry e
                && e.family == family
                && Arrays.equals(e.src, src)
                && Arrays.equals(e.dst, dst)
                && e.sport == sport
                && e.dport == dport
                && e.ifindex == ifindex
                && e.autobound == autobound
                && e.mark == mark
                && e.cgroupId == cgroupId;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(src) * 31 + Arrays.hashCode(dst) + sport * 65537 + dport;
    }
}
