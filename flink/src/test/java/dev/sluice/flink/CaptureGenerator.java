package dev.sluice.flink;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Seeded Ethernet traffic for the job's tests, and the classic pcap files that hold it in each variant libpcap reads:
 * either byte order, microsecond or nanosecond timestamps, any snaplen. Addresses and ports come from small pools so
 * that typical expressions match some packets and not others; some packets are captured short (caplen < len).
 */
final class CaptureGenerator {
    /** One packet: capture time, the captured bytes and the length on the wire. */
    record Packet(long seconds, long nanos, byte[] captured, int wireLength) {}

    private static final int[] PORTS = {22, 53, 80, 443, 8080, 123, 5353};
    private final Random random;

    CaptureGenerator(long seed) {
        this.random = new Random(seed);
    }

    /** {@code count} packets, starting at {@code startSeconds}, a few seconds apart on average. */
    List<Packet> packets(int count, long startSeconds) {
        List<Packet> out = new ArrayList<>();
        long t = startSeconds * 1_000_000_000L;
        for (int i = 0; i < count; i++) {
            t += 1 + (long) random.nextInt(8_000) * 1_000_000L + random.nextInt(1_000_000);
            byte[] frame = frame();
            byte[] captured =
                    random.nextInt(100) < 10 ? java.util.Arrays.copyOf(frame, random.nextInt(frame.length)) : frame;
            out.add(new Packet(t / 1_000_000_000L, t % 1_000_000_000L, captured, frame.length));
        }
        return out;
    }

    private byte[] frame() {
        ByteBuffer b = ByteBuffer.allocate(1600);
        b.put(mac(random.nextInt(10) == 0)).put(mac(false));
        if (random.nextInt(100) < 12) {
            b.putShort((short) 0x8100).putShort((short) (random.nextBoolean() ? 100 : random.nextInt(4096)));
        }
        int kind = random.nextInt(100);
        if (kind < 55) {
            b.putShort((short) 0x0800);
            ipv4(b);
        } else if (kind < 80) {
            b.putShort((short) 0x86dd);
            ipv6(b);
        } else if (kind < 92) {
            b.putShort((short) 0x0806);
            byte[] arp = new byte[28];
            random.nextBytes(arp);
            b.put(arp);
        } else {
            b.putShort((short) 0x88cc);
            payload(b, random.nextInt(80));
        }
        if (b.position() < 60) {
            b.position(60);
        }
        byte[] frame = new byte[b.position()];
        b.get(0, frame);
        return frame;
    }

    private byte[] mac(boolean broadcast) {
        if (broadcast) {
            return new byte[] {-1, -1, -1, -1, -1, -1};
        }
        return new byte[] {0x02, 0, 0, 0, 0, (byte) (1 + random.nextInt(4))};
    }

    private void ipv4(ByteBuffer b) {
        int start = b.position();
        int proto = pickProtocol();
        b.put((byte) 0x45)
                .put((byte) 0)
                .putShort((short) 0)
                .putShort((short) random.nextInt(65536))
                .putShort((short) 0x4000);
        b.put((byte) 64).put((byte) proto).putShort((short) 0);
        b.put(ipv4Address()).put(ipv4Address());
        transport(b, proto);
        b.putShort(start + 2, (short) (b.position() - start));
    }

    private byte[] ipv4Address() {
        return switch (random.nextInt(4)) {
            case 0 -> new byte[] {10, 0, 0, (byte) (1 + random.nextInt(4))};
            case 1 -> new byte[] {(byte) 192, (byte) 168, 1, (byte) random.nextInt(256)};
            case 2 -> new byte[] {8, 8, 8, 8};
            default ->
                new byte[] {
                    (byte) random.nextInt(224),
                    (byte) random.nextInt(256),
                    (byte) random.nextInt(256),
                    (byte) random.nextInt(256)
                };
        };
    }

    private void ipv6(ByteBuffer b) {
        int proto = pickProtocol() == 1 ? 58 : pickProtocol();
        int lengthAt = b.position() + 4;
        b.putInt(0x60000000).putShort((short) 0).put((byte) proto).put((byte) 64);
        for (int i = 0; i < 2; i++) {
            b.putLong(0x20010db800000000L).putLong(random.nextInt(3));
        }
        int payloadStart = b.position();
        transport(b, proto);
        b.putShort(lengthAt, (short) (b.position() - payloadStart));
    }

    private int pickProtocol() {
        int r = random.nextInt(100);
        return r < 50 ? 6 : r < 85 ? 17 : 1;
    }

    private void transport(ByteBuffer b, int proto) {
        if (proto == 6) {
            b.putShort((short) port())
                    .putShort((short) port())
                    .putInt(random.nextInt())
                    .putInt(random.nextInt());
            b.put((byte) 0x50)
                    .put((byte) (random.nextBoolean() ? 0x02 : 0x10 | random.nextInt(0x40)))
                    .putShort((short) 65535)
                    .putInt(0);
        } else if (proto == 17) {
            b.putShort((short) port())
                    .putShort((short) port())
                    .putShort((short) 8)
                    .putShort((short) 0);
        } else {
            b.put((byte) (random.nextBoolean() ? 8 : 0))
                    .put((byte) 0)
                    .putShort((short) 0)
                    .putInt(random.nextInt());
        }
        payload(b, random.nextInt(100) < 30 ? 400 + random.nextInt(900) : random.nextInt(120));
    }

    private int port() {
        return random.nextInt(100) < 75 ? PORTS[random.nextInt(PORTS.length)] : 1024 + random.nextInt(60000);
    }

    private void payload(ByteBuffer b, int n) {
        byte[] p = new byte[n];
        random.nextBytes(p);
        b.put(p);
    }

    /** A classic pcap file of the packets (link type Ethernet), in the given byte order and timestamp precision. */
    static byte[] pcap(List<Packet> packets, ByteOrder order, boolean nanoseconds, int snaplen) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer h = ByteBuffer.allocate(24).order(order);
        h.putInt(nanoseconds ? 0xa1b23c4d : 0xa1b2c3d4)
                .putShort((short) 2)
                .putShort((short) 4)
                .putInt(0)
                .putInt(0)
                .putInt(snaplen)
                .putInt(1);
        out.writeBytes(h.array());
        for (Packet p : packets) {
            ByteBuffer r = ByteBuffer.allocate(16).order(order);
            r.putInt((int) p.seconds())
                    .putInt((int) (nanoseconds ? p.nanos() : p.nanos() / 1000))
                    .putInt(p.captured().length)
                    .putInt(p.wireLength());
            out.writeBytes(r.array());
            out.writeBytes(p.captured());
        }
        return out.toByteArray();
    }

    /**
     * A pcapng file of the packets: one section per list, each with one Ethernet interface (timestamps in 10^-resolution
     * seconds, given as its if_tsresol unless 6) and a name resolution block to skip, in the given byte order.
     */
    static byte[] pcapng(List<List<Packet>> sections, ByteOrder order, int resolution, int snaplen) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long units = java.math.BigInteger.TEN.pow(resolution).longValueExact();
        for (List<Packet> section : sections) {
            out.writeBytes(block(
                    order,
                    0x0a0d0d0a,
                    ByteBuffer.allocate(16)
                            .order(order)
                            .putInt(0x1a2b3c4d)
                            .putShort((short) 1)
                            .putShort((short) 0)
                            .putLong(-1)
                            .array()));
            ByteBuffer idb = ByteBuffer.allocate(resolution == 6 ? 12 : 20)
                    .order(order)
                    .putShort((short) 1)
                    .putShort((short) 0)
                    .putInt(snaplen);
            if (resolution != 6) {
                idb.putShort((short) 9)
                        .putShort((short) 1)
                        .put((byte) resolution)
                        .put(new byte[3]);
            }
            idb.putInt(0); // opt_endofopt
            out.writeBytes(block(order, 1, idb.array()));
            out.writeBytes(block(order, 4, new byte[4])); // a name resolution block holding only nrb_record_end
            for (Packet p : section) {
                long ticks = p.seconds() * units + p.nanos() * units / 1_000_000_000L;
                // A capturing tool never writes more than the snaplen (libpcap refuses such a pcapng packet).
                byte[] captured = snaplen > 0 && p.captured().length > snaplen
                        ? java.util.Arrays.copyOf(p.captured(), snaplen)
                        : p.captured();
                int padded = captured.length + 3 & ~3;
                ByteBuffer epb = ByteBuffer.allocate(20 + padded).order(order);
                epb.putInt(0)
                        .putInt((int) (ticks >>> 32))
                        .putInt((int) ticks)
                        .putInt(captured.length)
                        .putInt(p.wireLength())
                        .put(captured);
                out.writeBytes(block(order, 6, epb.array()));
            }
        }
        return out.toByteArray();
    }

    private static byte[] block(ByteOrder order, int type, byte[] body) {
        int length = 12 + body.length;
        return ByteBuffer.allocate(length)
                .order(order)
                .putInt(type)
                .putInt(length)
                .put(body)
                .putInt(length)
                .array();
    }
}
