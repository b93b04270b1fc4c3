package dev.sluice.benchmarks;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The second packet set of compare.sh: a deterministic model of what one capture point on a link sees, where packets
 * belong to flows and arrive in trains, unlike {@link PacketSet} whose frames are drawn independently.
 *
 * <p>The model (docs/performance.md, "The link mix", states the parameters and where they come from):
 *
 * <ul>
 *   <li>Flows (a 5-tuple, its MACs, IP version and VLAN tag fixed for the flow's life) of ten kinds in five classes:
 *       TCP (port 80, TLS on 443, ssh, other), UDP (DNS to port 53, QUIC, NTP, other UDP: RTP-like streams and bulk
 *       datagrams that are fragmented), ICMP echo (v4 and v6), ARP and LLDP.
 *   <li>Flow sizes in packets are heavy-tailed: a Pareto distribution (shape {@link #PARETO_SHAPE}) truncated at
 *       {@link #MAX_FLOW_PACKETS}, so a few elephant flows carry a large share of the packets and most flows are
 *       mice. DNS, NTP and ARP are request/response exchanges of one to four packets.
 *   <li>Each class keeps a number of flows open at once ({@link Kind#concurrency}); a finished flow is replaced by a
 *       new one. Each step picks a class by its weight, then an open flow of that class (an elephant six times as
 *       often as a mouse), and emits a train of that flow's next packets: geometric length, mean 6 for elephants
 *       (a congestion window's back-to-back segments), 2.5 for medium flows, 1.5 for mice, 1 for request/response
 *       kinds (the answer comes a round-trip later, behind other flows' packets).
 *   <li>Within a flow the packets follow the protocol: a TCP flow is SYN, SYN-ACK, ACK, a request, then full-size
 *       data segments with an ACK every second segment, then FIN-ACKs both ways; flows open at the start of the
 *       capture are joined mid-way (no handshake), as on a real capture.
 *   <li>20% of TCP/UDP flows are IPv6, 12% of all IP flows are 802.1Q-tagged, 5% of other-UDP flows send datagrams
 *       larger than the MTU (two IPv4 fragments each; the second's payload reads port 53 where a UDP header would
 *       be), and 0.3% of frames are truncated captures (18-53 bytes, shorter than their headers; the kernel's
 *       test run refuses frames under 18 bytes).
 *   <li>Addresses: clients from 10.0.0.0/24 (hosts 1-16 of which are in the host list), 192.168/16, 172.16/12,
 *       100.64/10 or public space; servers mostly public.
 * </ul>
 *
 * <p>{@code java -cp ... dev.sluice.benchmarks.LinkMix OUT.pcap [count [seed]]} writes the set as a pcap and prints
 * its SHA-256 and measured composition.
 */
public final class LinkMix {
    public static final long DEFAULT_SEED = 0x11_4C_2026L;
    static final double PARETO_SHAPE = 1.2;
    static final int MAX_FLOW_PACKETS = 4000;
    static final double IPV6_SHARE = 0.20;
    static final double VLAN_SHARE = 0.12;
    static final double FRAGMENTING_SHARE = 0.05;
    static final double TRUNCATED_SHARE = 0.003;

    /** A flow's kind; {@code weight} is its class's share of the trains, {@code concurrency} its open flows. */
    enum Kind {
        WEB(Protocol.TCP, 80, 0.20),
        TLS(Protocol.TCP, 443, 0.58),
        SSH(Protocol.TCP, 22, 0.06),
        OTHER_TCP(Protocol.TCP, 0, 0.16),
        DNS(Protocol.UDP, 53, 0.36),
        QUIC(Protocol.UDP, 443, 0.22),
        NTP(Protocol.UDP, 123, 0.10),
        OTHER_UDP(Protocol.UDP, 0, 0.32),
        PING(Protocol.ICMP, 0, 1),
        ARP(Protocol.ARP, 0, 0.85),
        LLDP(Protocol.ARP, 0, 0.15);

        final Protocol protocol;
        final int port;
        /** Share of the new flows of its class. */
        final double birthShare;

        Kind(Protocol protocol, int port, double birthShare) {
            this.protocol = protocol;
            this.port = port;
            this.birthShare = birthShare;
        }
    }

    /** A class of flows: its share of the trains and how many of its flows are open at once. */
    enum Protocol {
        TCP(0.70, 40),
        UDP(0.23, 20),
        ICMP(0.03, 2),
        ARP(0.04, 1);

        final double trainShare;
        final int concurrency;

        Protocol(double trainShare, int concurrency) {
            this.trainShare = trainShare;
            this.concurrency = concurrency;
        }
    }

    private static final int ETH_IPV4 = 0x0800, ETH_IPV6 = 0x86dd, ETH_ARP = 0x0806, ETH_VLAN = Frames.ETH_VLAN;
    private static final int ETH_LLDP = 0x88cc;
    private static final int PROTO_ICMP = 1, PROTO_TCP = 6, PROTO_UDP = 17, PROTO_ICMPV6 = 58;
    private static final int FIN = 0x01, SYN = 0x02, PSH = 0x08, ACK = 0x10;

    private final SplittableRandom rnd;
    private final Map<Protocol, List<Flow>> open = new HashMap<>();
    private long clock = 1_700_000_000_000_000L;

    private LinkMix(long seed) {
        this.rnd = new SplittableRandom(seed);
    }

    public static List<PacketSet.Frame> generate(int count, long seed) {
        LinkMix g = new LinkMix(seed);
        for (Protocol p : Protocol.values()) {
            List<Flow> flows = new ArrayList<>();
            for (int i = 0; i < p.concurrency; i++) {
                flows.add(g.newFlow(p, true));
            }
            g.open.put(p, flows);
        }
        List<PacketSet.Frame> frames = new ArrayList<>(count);
        while (frames.size() < count) {
            Protocol p = g.pickProtocol();
            List<Flow> flows = g.open.get(p);
            Flow flow = g.pickFlow(flows);
            int train = g.trainLength(flow);
            for (int i = 0; i < train && frames.size() < count && !flow.done(); i++) {
                g.clock += flow.elephant() ? 1 + g.rnd.nextInt(12) : 1 + g.rnd.nextInt(60);
                byte[] frame = flow.next();
                if (g.rnd.nextDouble() < TRUNCATED_SHARE) {
                    frame = java.util.Arrays.copyOf(frame, 18 + g.rnd.nextInt(36));
                }
                frames.add(new PacketSet.Frame(g.clock, frame));
            }
            if (flow.done()) {
                flows.set(flows.indexOf(flow), g.newFlow(p, false));
            }
        }
        return frames;
    }

    private Protocol pickProtocol() {
        double r = rnd.nextDouble();
        for (Protocol p : Protocol.values()) {
            r -= p.trainShare;
            if (r < 0) {
                return p;
            }
        }
        return Protocol.TCP;
    }

    private Flow pickFlow(List<Flow> flows) {
        int total = 0;
        for (Flow f : flows) {
            total += f.weight();
        }
        int r = rnd.nextInt(total);
        for (Flow f : flows) {
            r -= f.weight();
            if (r < 0) {
                return f;
            }
        }
        throw new AssertionError();
    }

    private int trainLength(Flow f) {
        double mean = f.kind == Kind.DNS || f.kind == Kind.NTP || f.kind == Kind.PING || f.kind.protocol == Protocol.ARP
                ? 1
                : f.elephant() ? 6 : f.size >= 30 ? 2.5 : 1.5;
        int n = 1;
        while (rnd.nextDouble() < 1 - 1 / mean) {
            n++;
        }
        return n;
    }

    private Kind pickKind(Protocol p) {
        double r = rnd.nextDouble();
        Kind last = null;
        for (Kind k : Kind.values()) {
            if (k.protocol == p) {
                last = k;
                r -= k.birthShare;
                if (r < 0) {
                    return k;
                }
            }
        }
        return last;
    }

    /** Pareto(shape, minimum) packets, truncated: most flows are mice, a few are elephants. */
    private int paretoPackets(int minimum) {
        double u = 1 - rnd.nextDouble(); // (0, 1]
        double size = minimum * Math.pow(u, -1 / PARETO_SHAPE);
        return (int) Math.min(MAX_FLOW_PACKETS, Math.floor(size));
    }

    private Flow newFlow(Protocol p, boolean alreadyOpen) {
        Kind kind = pickKind(p);
        Flow f = new Flow(kind);
        f.size = switch (kind) {
            case WEB, TLS, SSH, OTHER_TCP -> paretoPackets(7);
            case QUIC -> paretoPackets(4);
            case OTHER_UDP -> paretoPackets(3);
            case DNS -> rnd.nextInt(100) < 5 ? 1 : rnd.nextInt(100) < 12 ? 4 : 2;
            case NTP -> 2;
            case PING -> 2 * (1 + rnd.nextInt(5));
            case ARP -> rnd.nextInt(4) == 0 ? 1 : 2;
            case LLDP -> 1;
        };
        if (alreadyOpen && f.size > 8) { // a capture starts in the middle of long flows
            f.sent = rnd.nextInt(f.size / 2);
        }
        return f;
    }

    /** One flow: its endpoints and where it is in its exchange. */
    private final class Flow {
        final Kind kind;
        final boolean ipv6;
        final int vlanTag; // 0: untagged
        final byte[] clientMac = mac(), serverMac = mac();
        final int clientV4 = clientAddress(), serverV4 = serverAddress();
        final long[] clientV6 = {0x2001_0db8_0000_0000L | rnd.nextInt(65536), rnd.nextLong()};
        final long[] serverV6 = {0x2001_0db8_1000_0000L | rnd.nextInt(65536), rnd.nextLong()};
        final int clientPort = 32768 + rnd.nextInt(28232);
        final int serverPort;
        final boolean fragmenting;
        final int clientTtl = 64, serverTtl = 40 + rnd.nextInt(80);
        int ipId = rnd.nextInt(65536);
        int clientSeq = rnd.nextInt(), serverSeq = rnd.nextInt();
        int size;
        int sent;
        byte[] pendingFragment;

        Flow(Kind kind) {
            this.kind = kind;
            boolean ip = kind.protocol != Protocol.ARP;
            this.ipv6 = (kind.protocol == Protocol.TCP || kind.protocol == Protocol.UDP || kind == Kind.PING)
                    && rnd.nextDouble() < (kind == Kind.PING ? 0.3 : IPV6_SHARE);
            this.vlanTag = ip && rnd.nextDouble() < VLAN_SHARE ? 1 + rnd.nextInt(4094) : 0;
            this.serverPort = kind.port != 0 ? kind.port : 1024 + rnd.nextInt(64000);
            this.fragmenting = kind == Kind.OTHER_UDP && !ipv6 && rnd.nextDouble() < FRAGMENTING_SHARE;
        }

        boolean done() {
            return sent >= size && pendingFragment == null;
        }

        boolean elephant() {
            return size >= 200;
        }

        int weight() {
            return elephant() ? 6 : size >= 30 ? 2 : 1;
        }

        byte[] next() {
            if (pendingFragment != null) {
                byte[] f = pendingFragment;
                pendingFragment = null;
                return f;
            }
            int i = sent++;
            return switch (kind.protocol) {
                case TCP -> tcpPacket(i);
                case UDP -> udpPacket(i);
                case ICMP -> icmpPacket(i);
                case ARP -> kind == Kind.ARP ? arpPacket(i) : lldp();
            };
        }

        private byte[] tcpPacket(int i) {
            int last = size - 1;
            if (i == 0) {
                return tcp(true, SYN, 0);
            } else if (i == 1) {
                return tcp(false, SYN | ACK, 0);
            } else if (i == 2) {
                return tcp(true, ACK, 0);
            } else if (i == 3) {
                return tcp(true, PSH | ACK, kind == Kind.SSH ? 36 + rnd.nextInt(100) : 200 + rnd.nextInt(500));
            } else if (i == last - 1) {
                return tcp(true, FIN | ACK, 0);
            } else if (i == last) {
                return tcp(false, FIN | ACK, 0);
            }
            // data phase: two segments from the server, then the client's ACK
            int phase = (i - 4) % 3;
            if (phase == 2) {
                return tcp(true, ACK, 0);
            }
            boolean lastSegment = i >= last - 3;
            int payload = kind == Kind.SSH ? 36 + rnd.nextInt(200) : lastSegment ? 1 + rnd.nextInt(1448) : 1448;
            return tcp(false, lastSegment ? PSH | ACK : ACK, payload);
        }

        private byte[] tcp(boolean fromClient, int flags, int payload) {
            int options = (flags & SYN) != 0 ? 20 : 12;
            ByteBuffer b = ByteBuffer.allocate(20 + options + payload);
            int seq = fromClient ? clientSeq : serverSeq;
            int ack = fromClient ? serverSeq : clientSeq;
            b.putShort((short) (fromClient ? clientPort : serverPort))
                    .putShort((short) (fromClient ? serverPort : clientPort));
            b.putInt(seq).putInt((flags & ACK) != 0 ? ack : 0);
            b.put((byte) ((20 + options) / 4 << 4)).put((byte) flags).putShort((short) (500 + rnd.nextInt(65000)));
            b.putShort((short) rnd.nextInt(65536)).putShort((short) 0);
            if ((flags & SYN) != 0) { // MSS 1460, SACK permitted, timestamps, NOP, window scale 7
                b.putInt(0x020405b4).putShort((short) 0x0402).putShort((short) 0x080a);
                b.putInt(rnd.nextInt()).putInt(0).put((byte) 1).put(new byte[] {3, 3, 7});
            } else { // NOP, NOP, timestamps
                b.putInt(0x0101080a).putInt(rnd.nextInt()).putInt(rnd.nextInt());
            }
            b.put(random(payload));
            int advance = payload + ((flags & (SYN | FIN)) != 0 ? 1 : 0);
            if (fromClient) {
                clientSeq += advance;
            } else {
                serverSeq += advance;
            }
            return ip(fromClient, PROTO_TCP, b.array());
        }

        private byte[] udpPacket(int i) {
            boolean fromClient;
            int payload;
            switch (kind) {
                case DNS -> { // queries (to port 53) first, then the answers
                    fromClient = size == 4 ? i < 2 : i == 0;
                    payload = fromClient ? 28 + rnd.nextInt(40) : 60 + rnd.nextInt(400);
                }
                case NTP -> {
                    fromClient = i == 0;
                    payload = 48;
                }
                case QUIC -> { // two packets from the server, one from the client
                    fromClient = i % 3 == 2 || i == 0;
                    payload = i == 0 ? 1200 : fromClient ? 30 + rnd.nextInt(60) : 1200 + rnd.nextInt(150);
                }
                default -> {
                    fromClient = fragmenting || rnd.nextBoolean();
                    payload = fragmenting ? 1480 + rnd.nextInt(1400) : 160 + rnd.nextInt(40);
                }
            }
            ByteBuffer b = ByteBuffer.allocate(8 + payload);
            b.putShort((short) (fromClient ? clientPort : serverPort))
                    .putShort((short) (fromClient ? serverPort : clientPort))
                    .putShort((short) (8 + payload))
                    .putShort((short) 0)
                    .put(random(payload));
            byte[] datagram = b.array();
            if (datagram.length <= 1480 || ipv6) {
                return ip(fromClient, PROTO_UDP, datagram);
            }
            // Fragmented: the first 1480 bytes (with the UDP header), then the rest at offset 185 (8-byte units).
            byte[] rest = java.util.Arrays.copyOfRange(datagram, 1480, datagram.length);
            rest[0] = 0; // where a UDP header would be, the data reads ports 53, 53: `dst port 53` must not match
            rest[1] = 53;
            rest[2] = 0;
            rest[3] = 53;
            int id = ipId++;
            byte[] first = ipv4(fromClient, PROTO_UDP, java.util.Arrays.copyOf(datagram, 1480), 0x2000, id);
            pendingFragment = frame(ETH_IPV4, ipv4(fromClient, PROTO_UDP, rest, 185, id), fromClient);
            return frame(ETH_IPV4, first, fromClient);
        }

        private byte[] icmpPacket(int i) {
            boolean request = i % 2 == 0;
            ByteBuffer b = ByteBuffer.allocate(64);
            int type = ipv6 ? (request ? 128 : 129) : (request ? 8 : 0);
            b.put((byte) type)
                    .put((byte) 0)
                    .putShort((short) 0)
                    .putShort((short) clientPort)
                    .putShort((short) (i / 2));
            b.put(random(56));
            return ip(request, ipv6 ? PROTO_ICMPV6 : PROTO_ICMP, b.array());
        }

        private byte[] arpPacket(int i) {
            boolean request = i == 0;
            ByteBuffer b = ByteBuffer.allocate(28);
            b.putShort((short) 1).putShort((short) ETH_IPV4).put((byte) 6).put((byte) 4);
            b.putShort((short) (request ? 1 : 2));
            b.put(request ? clientMac : serverMac).putInt(request ? clientV4 : serverV4);
            b.put(request ? new byte[6] : clientMac).putInt(request ? serverV4 : clientV4);
            byte[] frame = frame(ETH_ARP, b.array(), request);
            if (request) { // broadcast
                java.util.Arrays.fill(frame, 0, 6, (byte) 0xff);
            }
            return frame;
        }

        private byte[] lldp() {
            byte[] frame = frame(ETH_LLDP, random(40 + rnd.nextInt(200)), true);
            System.arraycopy(new byte[] {0x01, (byte) 0x80, (byte) 0xc2, 0, 0, 0x0e}, 0, frame, 0, 6);
            return frame;
        }

        private byte[] ip(boolean fromClient, int protocol, byte[] payload) {
            if (ipv6) {
                ByteBuffer b = ByteBuffer.allocate(40 + payload.length);
                b.putInt(6 << 28 | (clientPort & 0xfffff))
                        .putShort((short) payload.length)
                        .put((byte) protocol)
                        .put((byte) (fromClient ? clientTtl : serverTtl));
                long[] src = fromClient ? clientV6 : serverV6;
                long[] dst = fromClient ? serverV6 : clientV6;
                b.putLong(src[0])
                        .putLong(src[1])
                        .putLong(dst[0])
                        .putLong(dst[1])
                        .put(payload);
                return frame(ETH_IPV6, b.array(), fromClient);
            }
            int df = protocol == PROTO_TCP ? 0x4000 : 0;
            return frame(ETH_IPV4, ipv4(fromClient, protocol, payload, df, ipId++), fromClient);
        }

        private byte[] ipv4(boolean fromClient, int protocol, byte[] payload, int flagsAndOffset, int id) {
            ByteBuffer b = ByteBuffer.allocate(20 + payload.length);
            b.put((byte) 0x45)
                    .put((byte) 0)
                    .putShort((short) (20 + payload.length))
                    .putShort((short) id);
            b.putShort((short) flagsAndOffset)
                    .put((byte) (fromClient ? clientTtl : serverTtl))
                    .put((byte) protocol)
                    .putShort((short) 0);
            b.putInt(fromClient ? clientV4 : serverV4)
                    .putInt(fromClient ? serverV4 : clientV4)
                    .put(payload);
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

        private byte[] frame(int etherType, byte[] payload, boolean fromClient) {
            return Frames.ethernet(
                    fromClient ? serverMac : clientMac,
                    fromClient ? clientMac : serverMac,
                    vlanTag,
                    etherType,
                    payload);
        }
    }

    private byte[] mac() {
        return Frames.mac(rnd);
    }

    /** Clients: 30% in 10.0.0.0/24 (hosts 1-16 are listed), 15% 192.168/16, 8% 172.16/12, 5% 100.64/10, else public. */
    private int clientAddress() {
        int p = rnd.nextInt(100);
        if (p < 30) {
            return 10 << 24 | 1 + rnd.nextInt(254);
        } else if (p < 45) {
            return 192 << 24 | 168 << 16 | rnd.nextInt(256) << 8 | 1 + rnd.nextInt(254);
        } else if (p < 53) {
            return 172 << 24 | (16 + rnd.nextInt(16)) << 16 | rnd.nextInt(65536);
        } else if (p < 58) {
            return 100 << 24 | (64 + rnd.nextInt(64)) << 16 | rnd.nextInt(65536);
        }
        return publicAddress();
    }

    /** Servers: 10% in 10.0.0.0/24 (internal services), else public. */
    private int serverAddress() {
        return rnd.nextInt(10) == 0 ? 10 << 24 | 1 + rnd.nextInt(254) : publicAddress();
    }

    private int publicAddress() {
        int a;
        do {
            a = rnd.nextInt();
        } while ((a >>> 24) == 10
                || (a >>> 24) == 0
                || (a >>> 24) >= 224
                || (a >>> 24) == 127
                || (a >>> 16) == (192 << 8 | 168)
                || (a >>> 20) == (172 << 4 | 1)
                || (a >>> 22) == (100 << 2 | 1));
        return a;
    }

    private byte[] random(int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    /** What a frame is, read from its bytes: the categories the composition is stated in. */
    public record Composition(
            Map<String, Integer> counts, int frames, double meanTrain, int flows, double topFlowsShare) {
        public double share(String category) {
            return counts.getOrDefault(category, 0) / (double) frames;
        }
    }

    /**
     * Reads the frames back: the share of each category (tcp, udp, icmp, arp, other-l2 by the innermost protocol;
     * ipv6, vlan, fragment, truncated, syn, dns-query besides), the mean run of consecutive frames of one flow (the
     * 5-tuple, either direction), the number of flows and the share of packets carried by the largest 1% of flows.
     */
    public static Composition composition(List<byte[]> frames) {
        Map<String, Integer> counts = new java.util.TreeMap<>();
        Map<String, Integer> flowPackets = new HashMap<>();
        String previousFlow = null;
        int runs = 0;
        for (byte[] f : frames) {
            String flow = classify(f, counts);
            flowPackets.merge(flow, 1, Integer::sum);
            if (!flow.equals(previousFlow)) {
                runs++;
            }
            previousFlow = flow;
        }
        List<Integer> sizes = new ArrayList<>(flowPackets.values());
        sizes.sort(java.util.Comparator.reverseOrder());
        int top = Math.max(1, sizes.size() / 100);
        int carried = 0;
        for (int i = 0; i < top; i++) {
            carried += sizes.get(i);
        }
        return new Composition(
                counts, frames.size(), frames.size() / (double) runs, sizes.size(), carried / (double) frames.size());
    }

    private static String classify(byte[] f, Map<String, Integer> counts) {
        ByteBuffer b = ByteBuffer.wrap(f);
        int at = 12;
        int type = f.length >= 14 ? b.getShort(at) & 0xffff : 0;
        if (type == ETH_VLAN && f.length >= 18) {
            at += 4;
            type = b.getShort(at) & 0xffff;
        }
        at += 2;
        int header = switch (type) {
            case ETH_IPV4 -> 20;
            case ETH_IPV6 -> 40;
            case ETH_ARP -> 28;
            default -> 0;
        };
        if (f.length < at + header || f.length < 14) { // a capture cut short within its headers
            counts.merge("truncated", 1, Integer::sum);
            return "truncated";
        }
        if (at == 18) {
            counts.merge("vlan", 1, Integer::sum);
        }
        int protocol;
        String src;
        String dst;
        int l4;
        if (type == ETH_IPV4) {
            protocol = f[at + 9] & 0xff;
            src = Integer.toHexString(b.getInt(at + 12));
            dst = Integer.toHexString(b.getInt(at + 16));
            if ((b.getShort(at + 6) & 0x3fff) != 0) {
                counts.merge("fragment", 1, Integer::sum);
            }
            if ((b.getShort(at + 6) & 0x1fff) != 0) { // a non-first fragment has no transport header
                counts.merge(protocol == PROTO_UDP ? "udp" : "other-ip", 1, Integer::sum);
                return "frag " + src + " " + dst + " " + (b.getShort(at + 4) & 0xffff);
            }
            l4 = at + 4 * (f[at] & 0x0f);
        } else if (type == ETH_IPV6) {
            counts.merge("ipv6", 1, Integer::sum);
            protocol = f[at + 6] & 0xff;
            src = Long.toHexString(b.getLong(at + 16));
            dst = Long.toHexString(b.getLong(at + 32));
            l4 = at + 40;
        } else {
            counts.merge(type == ETH_ARP ? "arp" : "other-l2", 1, Integer::sum);
            return type == ETH_ARP
                    ? "arp " + Math.min(b.getInt(at + 14), b.getInt(at + 24)) + " "
                            + Math.max(b.getInt(at + 14), b.getInt(at + 24))
                    : "l2 " + f.length;
        }
        int transportHeader = protocol == PROTO_TCP ? 20 : protocol == PROTO_UDP ? 8 : 0;
        if (f.length < l4 + transportHeader) {
            counts.merge("truncated", 1, Integer::sum);
            return "truncated";
        }
        String category = switch (protocol) {
            case PROTO_TCP -> "tcp";
            case PROTO_UDP -> "udp";
            case PROTO_ICMP, PROTO_ICMPV6 -> "icmp";
            default -> "other-ip";
        };
        counts.merge(category, 1, Integer::sum);
        int sport = 0;
        int dport = 0;
        if (protocol == PROTO_TCP || protocol == PROTO_UDP) {
            sport = b.getShort(l4) & 0xffff;
            dport = b.getShort(l4 + 2) & 0xffff;
            if (protocol == PROTO_TCP && (f[l4 + 13] & SYN) != 0) {
                counts.merge("syn", 1, Integer::sum);
            }
            if (protocol == PROTO_UDP && dport == 53) {
                counts.merge("dns-query", 1, Integer::sum);
            }
        }
        String a = src + ":" + sport;
        String c = dst + ":" + dport;
        return protocol + " " + (a.compareTo(c) < 0 ? a + " " + c : c + " " + a);
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: LinkMix OUT.pcap [count [seed]]");
            System.exit(2);
        }
        int count = args.length > 1 ? Integer.parseInt(args[1]) : PacketSet.DEFAULT_COUNT;
        long seed = args.length > 2 ? Long.decode(args[2]) : DEFAULT_SEED;
        List<PacketSet.Frame> frames = generate(count, seed);
        PcapWriter.write(Path.of(args[0]), frames);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        long bytes = 0;
        for (PacketSet.Frame f : frames) {
            sha.update(f.bytes());
            bytes += f.bytes().length;
        }
        Composition c = composition(frames.stream().map(PacketSet.Frame::bytes).toList());
        StringBuilder shares = new StringBuilder();
        c.counts().forEach((k, n) -> shares.append(String.format(" %s %.1f%%", k, 100.0 * n / c.frames())));
        System.out.printf(
                "%s: %d frames, %d bytes of frames (mean %d), seed %#x, sha256 of frames %s%n"
                        + "  link mix:%s; %d flows, the largest 1%% carry %.0f%% of the packets; mean train %.2f"
                        + " packets of one flow in a row%n",
                args[0],
                count,
                bytes,
                bytes / count,
                seed,
                HexFormat.of().formatHex(sha.digest()),
                shares,
                c.flows(),
                100 * c.topFlowsShare(),
                c.meanTrain());
    }
}
