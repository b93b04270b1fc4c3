package dev.sluice.launcher;

import dev.sluice.core.error.SluiceException;
import dev.sluice.inetdiag.runtime.SocketEntry;
import dev.sluice.inetdiag.runtime.SocketRecord;
import java.net.NetworkInterface;
import java.net.SocketException;

/**
 * A socket given on the command line for {@code explain}/{@code run --lang inetdiag}, in the order {@code ss} prints
 * its columns: {@code LOCAL PEER [dev IFINDEX|NAME] [mark N] [cgroup ID] [autobound]}, with each address as
 * {@code ADDR:PORT} ({@code [ADDR]:PORT} for IPv6), e.g. {@code '127.0.0.1:22 127.0.0.1:51234 mark 0x10'}.
 */
record SocketSpec(String text, SocketEntry entry) {
    static SocketSpec parse(String text) {
        String[] words = text.trim().split("\\s+");
        if (words.length < 2 || words[0].isEmpty()) {
            throw bad(text, "give the local and the peer address, e.g. '127.0.0.1:22 127.0.0.1:51234'");
        }
        Endpoint local = endpoint(text, words[0], "local");
        Endpoint peer = endpoint(text, words[1], "peer");
        boolean v6 = local.address.length == 16 || peer.address.length == 16;
        int ifindex = 0;
        int mark = 0;
        long cgroup = 0;
        boolean autobound = false;
        for (int i = 2; i < words.length; i++) {
            String w = words[i];
            if (w.equals("autobound")) {
                autobound = true;
                continue;
            }
            if (i + 1 >= words.length || !(w.equals("dev") || w.equals("mark") || w.equals("cgroup"))) {
                throw bad(text, "'" + w + "' is not one of dev IFINDEX|NAME, mark N, cgroup ID, autobound");
            }
            String value = words[++i];
            switch (w) {
                case "dev" ->
                    ifindex = value.matches("\\d+")
                            ? (int) number(text, value, "dev", 0xffffffffL)
                            : interfaceIndex(text, value);
                case "mark" -> mark = (int) number(text, value, "mark", 0xffffffffL);
                default -> cgroup = number(text, value, "cgroup", Long.MAX_VALUE);
            }
        }
        byte[] src = v6 ? mapped(local.address) : local.address;
        byte[] dst = v6 ? mapped(peer.address) : peer.address;
        return new SocketSpec(
                text.trim(),
                new SocketEntry(
                        v6 ? 10 : 2,
                        SocketEntry.words(src),
                        SocketEntry.words(dst),
                        local.port,
                        peer.port,
                        ifindex,
                        autobound,
                        mark,
                        cgroup));
    }

    /** The socket as the language's byte record. */
    byte[] record() {
        return SocketRecord.encode(entry);
    }

    private record Endpoint(byte[] address, int port) {}

    private static Endpoint endpoint(String text, String word, String what) {
        int colon = word.lastIndexOf(':');
        String address;
        if (word.startsWith("[")) {
            int close = word.indexOf(']');
            if (close < 0 || colon != close + 1) {
                throw bad(text, what + " '" + word + "': an IPv6 address is written [ADDR]:PORT");
            }
            address = word.substring(1, close);
        } else {
            if (colon < 0 || word.indexOf(':') != colon) {
                throw bad(text, what + " '" + word + "' is not ADDR:PORT (IPv6: [ADDR]:PORT)");
            }
            address = word.substring(0, colon);
        }
        int port = (int) number(text, word.substring(colon + 1), what + " port", 0xffff);
        try {
            return new Endpoint(SocketRecord.parseAddress(address, what + " address"), port);
        } catch (SluiceException e) {
            throw bad(text, e.detail());
        }
    }

    private static byte[] mapped(byte[] a) {
        if (a.length == 16) {
            return a;
        }
        byte[] m = new byte[16];
        m[10] = (byte) 0xff;
        m[11] = (byte) 0xff;
        System.arraycopy(a, 0, m, 12, 4);
        return m;
    }

    private static long number(String text, String value, String what, long max) {
        try {
            long n = value.startsWith("0x") || value.startsWith("0X")
                    ? Long.parseLong(value.substring(2), 16)
                    : Long.parseLong(value);
            if (n < 0 || n > max) {
                throw bad(text, what + " " + value + " is outside 0.." + max);
            }
            return n;
        } catch (NumberFormatException e) {
            throw bad(text, what + " '" + value + "' is not a number");
        }
    }

    private static int interfaceIndex(String text, String name) {
        try {
            NetworkInterface nif = NetworkInterface.getByName(name);
            if (nif == null) {
                throw bad(text, "dev " + name + ": no such interface on this machine (give its index instead)");
            }
            return nif.getIndex();
        } catch (SocketException e) {
            throw bad(text, "dev " + name + ": " + e.getMessage());
        }
    }

    private static UserError bad(String text, String reason) {
        return UserError.usage("--socket '" + text.trim() + "': " + reason);
    }
}
