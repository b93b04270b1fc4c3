package dev.sluice.benchmarks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A deterministic set of realistic Ethernet frames: mostly IPv4 TCP (web, TLS, ssh; handshakes, pure ACKs, full
 * segments), some of it 802.1Q-tagged, DNS and other UDP, IPv6, ICMP, ARP, non-first IPv4 fragments and LLDP.
 * Addresses come from pools so that the host/net list matches a share of the traffic. The same seed gives the same
 * bytes on every machine.
 *
 * <p>{@code java -cp ... dev.sluice.benchmarks.PacketSet OUT.pcap [count [seed]]} writes the set as a pcap and prints
 * its SHA-256.
 */
public final class PacketSet {
    public static final int DEFAULT_COUNT = 10_000;
    public static final long DEFAULT_SEED = 0x511CE_2026L;

    public record Frame(long timestampMicros, byte[] bytes) {}

    private static final int ETH_IPV4 = 0x0800, ETH_IPV6 = 0x86dd, ETH_ARP = 0x0806, ETH_LLDP = 0x88cc;
    private static final int PROTO_ICMP = 1, PROTO_TCP = 6, PROTO_UDP = 17, PROTO_ICMPV6 = 58;
    private static final int FIN = 0x01, SYN = 0x02, PSH = 0x08, ACK = 0x10;

    private final SplittableRandom rnd;
    private long clock = 1_700_000_000_000_000L;

    private PacketSet(long seed) {
        this.rnd = new SplittableRandom(seed);
    }

    public static List<Frame> generate(int count, long seed) {
        PacketSet g = new PacketSet(seed);
        List<Frame> frames = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            g.clock += 1 + g.rnd.nextInt(400);
            frames.add(new Frame(g.clock, g.frame()));
        }
        return frames;
    }

    /** The frames of {@code -Dsluice.bench.pcap=FILE} when set (what compare.sh gives libpcap), else generated. */
    public static List<byte[]> load() throws IOException {
        String file = System.getProperty("sluice.bench.pcap");
        if (file != null) {
            return PcapWriter.readFrames(Path.of(file));
        }
        return generate(DEFAULT_COUNT, DEFAULT_SEED).stream().map(Frame::bytes).toList();
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: PacketSet OUT.pcap [count [seed]]");
            System.exit(2);
        }
        int count = args.length > 1 ? Integer.parseInt(args[1]) : DEFAULT_COUNT;
        long seed = args.length > 2 ? Long.decode(args[2]) : DEFAULT_SEED;
        List<Frame> frames = generate(count, seed);
        PcapWriter.write(Path.of(args[0]), frames);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        long bytes = 0;
        for (Frame f : frames) {
            sha.update(f.bytes());
            bytes += f.bytes().length;
        }
        System.out.printf(
                "%s: %d frames, %d bytes of frames (mean %d), seed %#x, sha256 of frames %s%n",
                args[0], count, bytes, bytes / count, seed, HexFormat.of().formatHex(sha.digest()));
    }

    private byte[] frame() {
        int p = rnd.nextInt(1000);
        if (p < 600) {
            return ethernet(ETH_IPV4, ipv4(PROTO_TCP, tcp()), p < 80);
        } else if (p < 760) {
            return ethernet(ETH_IPV4, ipv4(PROTO_UDP, udp()), p < 700 && p >= 690);
        } else if (p < 860) {
            boolean useTcp = rnd.nextInt(3) != 0;
            return ethernet(ETH_IPV6, ipv6(useTcp ? PROTO_TCP : PROTO_UDP, useTcp ? tcp() : udp()), false);
        } else if (p < 900) {
            return ethernet(ETH_IPV4, ipv4(PROTO_ICMP, icmpEcho()), false);
        } else if (p < 910) {
            return ethernet(ETH_IPV6, ipv6(PROTO_ICMPV6, icmpEcho()), false);
        } else if (p < 950) {
            return ethernet(ETH_ARP, arp(), false);
        } else if (p < 980) {
            return ethernet(ETH_IPV4, ipv4Fragment(), false);
        } else {
            return ethernet(ETH_LLDP, random(40 + rnd.nextInt(60)), false);
        }
    }

    private byte[] ethernet(int etherType, byte[] payload, boolean vlan) {
        byte[] destination = mac();
        byte[] source = mac();
        int tag = vlan ? rnd.nextInt(8) << 13 | 1 + rnd.nextInt(4094) : 0;
        return Frames.ethernet(destination, source, tag, etherType, payload);
    }

    private byte[] mac() {
        return Frames.mac(rnd);
    }

    /** An IPv4 address: a quarter from 10.0.0.0/24 (hosts 1-16 are in the host list), then the listed nets, then public. */
    private int ipv4Address() {
        int p = rnd.nextInt(100);
        if (p < 25) {
            return 10 << 24 | 1 + rnd.nextInt(254);
        } else if (p < 40) {
            return 192 << 24 | 168 << 16 | rnd.nextInt(256) << 8 | 1 + rnd.nextInt(254);
        } else if (p < 48) {
            return 172 << 24 | (16 + rnd.nextInt(16)) << 16 | rnd.nextInt(65536);
        } else if (p < 52) {
            return 100 << 24 | (64 + rnd.nextInt(64)) << 16 | rnd.nextInt(65536);
        }
        int a;
        do {
            a = rnd.nextInt();
        } while ((a >>> 24) == 10 || (a >>> 24) == 0 || (a >>> 24) >= 224 || (a >>> 24) == 127);
        return a;
    }

    private byte[] ipv4(int protocol, byte[] payload) {
        return ipv4(protocol, payload, ipv4Address(), ipv4Address(), rnd.nextInt(8) == 0 ? 0 : 0x4000);
    }

    private byte[] ipv4(int protocol, byte[] payload, int src, int dst, int flagsAndOffset) {
        ByteBuffer b = ByteBuffer.allocate(20 + payload.length);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (20 + payload.length)).putShort((short) rnd.nextInt(65536));
        b.putShort((short) flagsAndOffset)
                .put((byte) (32 + rnd.nextInt(96)))
                .put((byte) protocol)
                .putShort((short) 0);
        b.putInt(src).putInt(dst).put(payload);
        byte[] out = b.array();
        int sum = 0;
        for (int i = 0; i < 20; i += 2) {
            sum += (out[i] & 0xff) << 8 | out[i + 1] & 0xff;
        }
        sum = (sum & 0xffff) + (sum >>> 16);
        sum = (sum & 0xffff) + (sum >>> 16);
        out[10] = (byte) (~sum >> 8);
        out[11] = (byte) ~sum;
        return out;
    }

    /** A non-first fragment whose payload happens to hold port 80 bytes: `tcp port 80` must not match it. */
    private byte[] ipv4Fragment() {
        byte[] payload = random(8 * (1 + rnd.nextInt(150)));
        payload[0] = 0;
        payload[1] = 80;
        payload[2] = 0;
        payload[3] = 80;
        return ipv4(
                PROTO_TCP,
                payload,
                ipv4Address(),
                ipv4Address(),
                (rnd.nextBoolean() ? 0x2000 : 0) | 1 + rnd.nextInt(1000));
    }

    private byte[] ipv6(int nextHeader, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(40 + payload.length);
        b.putInt(6 << 28 | rnd.nextInt(1 << 20))
                .putShort((short) payload.length)
                .put((byte) nextHeader)
                .put((byte) 64);
        for (int i = 0; i < 2; i++) {
            b.putLong(rnd.nextInt(4) == 0 ? 0xfe80_0000_0000_0000L : 0x2001_0db8_0000_0000L | rnd.nextInt(65536))
                    .putLong(rnd.nextLong());
        }
        return b.put(payload).array();
    }

    private int ephemeralPort() {
        return 32768 + rnd.nextInt(28232);
    }

    private byte[] tcp() {
        int p = rnd.nextInt(100);
        int service = p < 22 ? 80 : p < 80 ? 443 : p < 86 ? 22 : p < 90 ? 8080 : 1024 + rnd.nextInt(64000);
        boolean fromServer = rnd.nextBoolean();
        int flags;
        int payload;
        int f = rnd.nextInt(100);
        if (f < 6) {
            flags = fromServer ? SYN | ACK : SYN;
            payload = 0;
        } else if (f < 9) {
            flags = FIN | ACK;
            payload = 0;
        } else if (f < 55) {
            flags = ACK;
            payload = 0;
        } else if (f < 75) {
            flags = PSH | ACK;
            payload = 1448;
        } else {
            flags = PSH | ACK;
            payload = 1 + rnd.nextInt(1200);
        }
        int options = (flags & SYN) != 0 ? 20 : 12; // MSS/SACK/timestamps/wscale on SYNs, timestamps otherwise
        ByteBuffer b = ByteBuffer.allocate(20 + options + payload);
        int client = ephemeralPort();
        b.putShort((short) (fromServer ? service : client)).putShort((short) (fromServer ? client : service));
        b.putInt(rnd.nextInt()).putInt((flags & ACK) != 0 ? rnd.nextInt() : 0);
        b.put((byte) ((20 + options) / 4 << 4)).put((byte) flags).putShort((short) (500 + rnd.nextInt(65000)));
        b.putShort((short) rnd.nextInt(65536)).putShort((short) 0);
        if ((flags & SYN) != 0) { // MSS 1460, SACK permitted, timestamps, NOP, window scale 7
            b.putInt(0x020405b4)
                    .putShort((short) 0x0402)
                    .putShort((short) 0x080a)
                    .putInt(rnd.nextInt())
                    .putInt(0)
                    .put((byte) 1)
                    .put(new byte[] {3, 3, 7});
        } else { // NOP, NOP, timestamps
            b.putInt(0x0101080a).putInt(rnd.nextInt()).putInt(rnd.nextInt());
        }
        b.put(random(payload));
        return b.array();
    }

    private byte[] udp() {
        int p = rnd.nextInt(100);
        byte[] payload;
        int src;
        int dst;
        if (p < 45) { // DNS query / response
            payload = random(p < 25 ? 28 + rnd.nextInt(40) : 60 + rnd.nextInt(400));
            src = p < 25 ? ephemeralPort() : 53;
            dst = p < 25 ? 53 : ephemeralPort();
        } else if (p < 70) { // QUIC
            payload = random(p < 60 ? 1200 + rnd.nextInt(52) : 30 + rnd.nextInt(100));
            src = ephemeralPort();
            dst = 443;
        } else if (p < 80) { // NTP
            payload = random(48);
            src = 123;
            dst = 123;
        } else if (p < 90) { // mDNS
            payload = random(40 + rnd.nextInt(300));
            src = 5353;
            dst = 5353;
        } else {
            payload = random(20 + rnd.nextInt(500));
            src = ephemeralPort();
            dst = 1024 + rnd.nextInt(64000);
        }
        ByteBuffer b = ByteBuffer.allocate(8 + payload.length);
        b.putShort((short) src)
                .putShort((short) dst)
                .putShort((short) (8 + payload.length))
                .putShort((short) 0)
                .put(payload);
        return b.array();
    }

    private byte[] icmpEcho() {
        ByteBuffer b = ByteBuffer.allocate(64);
        b.put((byte) (rnd.nextBoolean() ? 8 : 0))
                .put((byte) 0)
                .putShort((short) 0)
                .putShort((short) rnd.nextInt(65536))
                .putShort((short) rnd.nextInt(100));
        return b.put(random(56)).array();
    }

    private byte[] arp() {
        ByteBuffer b = ByteBuffer.allocate(28);
        b.putShort((short) 1)
                .putShort((short) ETH_IPV4)
                .put((byte) 6)
                .put((byte) 4)
                .putShort((short) (rnd.nextBoolean() ? 1 : 2));
        b.put(mac()).putInt(ipv4Address()).put(mac()).putInt(ipv4Address());
        return b.array();
    }

    private byte[] random(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) rnd.nextInt(256);
        }
        return b;
    }
}
