package dev.sluice.tests.pcap;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.random.RandomGenerator;

/**
 * Realistic random Ethernet frames for filter conformance: IPv4 (with options and fragments), IPv6 (with extension
 * headers), ARP, 802.1Q and 802.1ad VLAN tags, TCP, UDP, ICMP, ICMPv6, GRE and other protocols, addresses and ports
 * drawn from small pools so that typical filter expressions match some frames and not others, and some captures cut
 * short (caplen < len), including inside the headers.
 */
public final class FrameGenerator {
    public static final byte[] KNOWN_MAC = {0x02, 0, 0, 0, 0, 0x01};
    public static final int ETHERTYPE_IPV4 = 0x0800;
    public static final int ETHERTYPE_IPV6 = 0x86dd;
    public static final int ETHERTYPE_ARP = 0x0806;
    public static final int ETHERTYPE_VLAN = 0x8100;
    public static final int ETHERTYPE_QINQ = 0x88a8;
    public static final int ETHERTYPE_LLDP = 0x88cc;

    private final RandomGenerator rnd;

    public FrameGenerator(RandomGenerator rnd) {
        this.rnd = rnd;
    }

    private int pick(int... values) {
        return values[rnd.nextInt(values.length)];
    }

    private boolean chance(int percent) {
        return rnd.nextInt(100) < percent;
    }

    public PcapFile.Frame frame() {
        ByteBuffer b = ByteBuffer.allocate(2048);
        b.put(dstMac()).put(srcMac());
        if (chance(15)) {
            if (chance(25)) {
                b.putShort((short) ETHERTYPE_QINQ).putShort((short) (rnd.nextInt(8) << 13 | rnd.nextInt(4096)));
            }
            b.putShort((short) ETHERTYPE_VLAN)
                    .putShort((short) (rnd.nextInt(8) << 13 | (chance(50) ? 100 : rnd.nextInt(4096))));
        }
        int r = rnd.nextInt(100);
        if (r < 50) {
            b.putShort((short) ETHERTYPE_IPV4);
            ipv4(b);
        } else if (r < 75) {
            b.putShort((short) ETHERTYPE_IPV6);
            ipv6(b);
        } else if (r < 87) {
            b.putShort((short) ETHERTYPE_ARP);
            arp(b);
        } else {
            b.putShort((short) pick(ETHERTYPE_LLDP, 0x88cc, 0x0842, 0x22f0, rnd.nextInt(0x10000), rnd.nextInt(1500)));
            payload(b, rnd.nextInt(100));
        }
        if (b.position() < 60 && chance(60)) {
            b.position(60); // Ethernet padding to the minimum frame size
        }
        int len = b.position();
        byte[] frame = new byte[len];
        b.get(0, frame);
        if (chance(15)) {
            int caplen = chance(30) ? rnd.nextInt(Math.min(len, 40)) : rnd.nextInt(len);
            return new PcapFile.Frame(java.util.Arrays.copyOf(frame, caplen), len);
        }
        return new PcapFile.Frame(frame, len);
    }

    private byte[] dstMac() {
        int r = rnd.nextInt(100);
        if (r < 10) {
            return new byte[] {-1, -1, -1, -1, -1, -1};
        } else if (r < 18) {
            return new byte[] {
                0x01, 0x00, 0x5e, (byte) rnd.nextInt(128), (byte) rnd.nextInt(256), (byte) rnd.nextInt(256)
            };
        } else if (r < 33) {
            return KNOWN_MAC.clone();
        }
        return unicastMac();
    }

    private byte[] srcMac() {
        return chance(15) ? KNOWN_MAC.clone() : unicastMac();
    }

    private byte[] unicastMac() {
        byte[] mac = new byte[6];
        rnd.nextBytes(mac);
        mac[0] &= (byte) 0xfe;
        return mac;
    }

    private int ipv4Address() {
        return switch (rnd.nextInt(8)) {
            case 0 -> 0x0a010203; // 10.1.2.3
            case 1 -> 0x0a000000 | rnd.nextInt(1 << 24); // 10/8
            case 2 -> 0xc0a80000 | rnd.nextInt(1 << 16); // 192.168/16
            case 3 -> 0x08080808; // 8.8.8.8
            case 4 -> 0xe0000000 | rnd.nextInt(1 << 24); // 224/8 multicast
            case 5 -> 0xac100000 | rnd.nextInt(1 << 16); // 172.16/16
            default -> rnd.nextInt();
        };
    }

    private void ipv4(ByteBuffer b) {
        int start = b.position();
        int ihl = chance(80) ? 5 : 6 + rnd.nextInt(3);
        int proto = switch (rnd.nextInt(20)) {
            case 0, 1, 2, 3, 4, 5, 6, 7 -> 6;
            case 8, 9, 10, 11, 12, 13 -> 17;
            case 14, 15, 16 -> 1;
            case 17 -> 47;
            default -> rnd.nextInt(256);
        };
        int frag = chance(85) ? (chance(50) ? 0x4000 : 0) : (chance(50) ? 0x2000 : 0) | (1 + rnd.nextInt(0x1fff));
        b.put((byte) (0x40 | ihl))
                .put((byte) rnd.nextInt(256))
                .putShort((short) 0)
                .putShort((short) rnd.nextInt(0x10000))
                .putShort((short) frag)
                .put((byte) (1 + rnd.nextInt(255)))
                .put((byte) proto)
                .putShort((short) rnd.nextInt(0x10000))
                .putInt(ipv4Address())
                .putInt(ipv4Address());
        for (int i = 20; i < ihl * 4; i++) {
            b.put((byte) 1); // NOP options
        }
        transport(b, proto, false);
        b.putShort(start + 2, (short) (b.position() - start));
    }

    private void ipv6(ByteBuffer b) {
        int start = b.position();
        int r = rnd.nextInt(20);
        int next = switch (r) {
            case 0, 1, 2, 3, 4, 5, 6 -> 6;
            case 7, 8, 9, 10, 11, 12 -> 17;
            case 13, 14, 15 -> 58;
            case 16 -> 44; // fragment header
            case 17 -> 0; // hop-by-hop options
            default -> rnd.nextInt(256);
        };
        b.putInt(0x60000000 | rnd.nextInt(1 << 20))
                .putShort((short) 0)
                .put((byte) next)
                .put((byte) (1 + rnd.nextInt(255)));
        b.put(ipv6Address()).put(ipv6Address());
        int proto = next;
        if (next == 44 || next == 0) {
            proto = pick(6, 17);
            b.put((byte) proto).put((byte) 0);
            if (next == 44) {
                b.putShort((short) (chance(50) ? 0 : rnd.nextInt(0x10000) & ~7)).putInt(rnd.nextInt());
            } else {
                b.putShort((short) 0x0104).putShort((short) 0); // PadN
            }
        }
        transport(b, proto, true);
        b.putShort(start + 4, (short) (b.position() - start - 40));
    }

    private byte[] ipv6Address() {
        byte[] a = new byte[16];
        switch (rnd.nextInt(4)) {
            case 0 -> {
                a[0] = (byte) 0xfe;
                a[1] = (byte) 0x80;
                rnd.nextBytes(a);
                a[0] = (byte) 0xfe;
                a[1] = (byte) 0x80;
            }
            case 1 -> {
                a[0] = (byte) 0xff;
                a[1] = 0x02;
                a[15] = 1;
            }
            case 2 -> {
                a[0] = 0x20;
                a[1] = 0x01;
                a[2] = 0x0d;
                a[3] = (byte) 0xb8;
                a[15] = (byte) rnd.nextInt(4);
            }
            default -> rnd.nextBytes(a);
        }
        return a;
    }

    private int port() {
        return switch (rnd.nextInt(11)) {
            case 0 -> 80;
            case 1 -> 443;
            case 2 -> 22;
            case 3, 10 -> 53;
            case 4 -> 8080;
            case 5, 6 -> 1000 + rnd.nextInt(1001);
            default -> rnd.nextInt(0x10000);
        };
    }

    private void transport(ByteBuffer b, int proto, boolean v6) {
        switch (proto) {
            case 6 -> {
                int offset = chance(75) ? 5 : 6 + rnd.nextInt(3);
                int flags = pick(0x02, 0x12, 0x10, 0x18, 0x11, 0x04, 0x14, rnd.nextInt(0x100));
                b.putShort((short) port())
                        .putShort((short) port())
                        .putInt(rnd.nextInt())
                        .putInt(rnd.nextInt())
                        .put((byte) (offset << 4))
                        .put((byte) flags)
                        .putShort((short) rnd.nextInt(0x10000))
                        .putInt(0);
                for (int i = 20; i < offset * 4; i++) {
                    b.put((byte) 1);
                }
                if (chance(15)) {
                    b.put("GET /index.html HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                payload(b, rnd.nextInt(chance(20) ? 1400 : 60));
            }
            case 17 -> {
                int start = b.position();
                b.putShort((short) port())
                        .putShort((short) port())
                        .putShort((short) 0)
                        .putShort((short) 0);
                if (chance(20)) {
                    b.putInt(0xdeadbeef);
                }
                payload(b, rnd.nextInt(chance(20) ? 1400 : 60));
                b.putShort(start + 4, (short) (b.position() - start));
            }
            case 1, 58 -> {
                int type = proto == 1 ? pick(0, 8, 8, 3, 11, rnd.nextInt(256)) : pick(128, 129, 135, 136, 1);
                b.put((byte) type)
                        .put((byte) rnd.nextInt(4))
                        .putShort((short) 0)
                        .putInt(rnd.nextInt());
                payload(b, rnd.nextInt(64));
            }
            case 47 -> {
                b.putShort((short) 0).putShort((short) pick(0x0800, 0x6558, 0x86dd));
                payload(b, rnd.nextInt(100));
            }
            default -> payload(b, rnd.nextInt(v6 ? 80 : 120));
        }
    }

    private void arp(ByteBuffer b) {
        b.putShort((short) 1)
                .putShort((short) ETHERTYPE_IPV4)
                .put((byte) 6)
                .put((byte) 4)
                .putShort((short) pick(1, 2));
        b.put(srcMac())
                .putInt(ipv4Address())
                .put(chance(50) ? new byte[6] : unicastMac())
                .putInt(ipv4Address());
    }

    private void payload(ByteBuffer b, int n) {
        byte[] p = new byte[n];
        rnd.nextBytes(p);
        b.put(p);
    }
}
