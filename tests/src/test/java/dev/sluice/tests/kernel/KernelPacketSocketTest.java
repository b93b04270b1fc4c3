package dev.sluice.tests.kernel;

import static dev.sluice.bpf.isa.Opcodes.*;
import static dev.sluice.tests.Asm.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sluice.bpf.isa.Insn;
import dev.sluice.bpf.runtime.PacketMeta;
import dev.sluice.core.testing.EngineMode;
import dev.sluice.tests.SluiceRunner;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Socket-filter metadata on a real device: an AF_PACKET socket on the loopback interface sees our own UDP datagrams
 * as Ethernet frames (link-layer header at the data start, network header at 14, a device, skb->protocol set). The
 * filter is P behind a prefix that passes only our incoming datagrams (IPv4, UDP, our port, PACKET_HOST) and resets A.
 * Each case states the value the kernel gives; the kernel must give it, and Sluice must give it for the same frame
 * with the matching {@link PacketMeta} (protocol 0x0800, loopback device, link-layer offset 0, network offset 14).
 *
 * <p>Needs CAP_NET_RAW (skips visibly otherwise).
 */
class KernelPacketSocketTest {
    private static final int EQUAL = 3;
    private static final int NOT_EQUAL = 2;
    private static final int ARPHRD_LOOPBACK = 772;
    private static final int PAYLOAD = 40;
    private static final int FRAME = 14 + 20 + 8 + PAYLOAD;

    private static int fd = -1;
    private static int loIndex;
    private static int port;
    private static DatagramSocket sender;
    private static Arena arena;
    private static MemorySegment buffer;
    private static final List<SluiceRunner> RUNNERS = new ArrayList<>();

    @BeforeAll
    static void open() throws Exception {
        String reason = null;
        if (!Libc.SUPPORTED) {
            reason = "packet sockets need Linux on x86_64";
        } else {
            NetworkInterface lo = NetworkInterface.getByName("lo");
            if (lo == null) {
                reason = "no loopback interface named lo";
            } else {
                loIndex = lo.getIndex();
                Libc.Result s = Libc.socket(
                        Libc.AF_PACKET, Libc.SOCK_RAW, Short.toUnsignedInt(Short.reverseBytes((short) Libc.ETH_P_ALL)));
                if (s.failed()) {
                    reason = "socket(AF_PACKET, SOCK_RAW) failed with errno " + s.errno()
                            + (s.errno() == Libc.EPERM ? " (needs CAP_NET_RAW)" : "");
                } else {
                    fd = (int) s.value();
                }
            }
        }
        if (reason != null) {
            System.err.println("SKIPPED KernelPacketSocketTest: " + reason);
        }
        Assumptions.assumeTrue(reason == null, "SKIPPED: " + reason);
        arena = Arena.ofShared();
        buffer = arena.allocate(65536, 8);
        MemorySegment sll = arena.allocate(20, 8); // struct sockaddr_ll
        sll.set(ValueLayout.JAVA_SHORT, 0, (short) Libc.AF_PACKET);
        sll.set(ValueLayout.JAVA_SHORT, 2, Short.reverseBytes((short) Libc.ETH_P_ALL));
        sll.set(ValueLayout.JAVA_INT, 4, loIndex);
        Libc.Result b = Libc.bind(fd, sll, 20);
        if (b.failed()) {
            throw new IllegalStateException("bind(AF_PACKET, lo) failed: " + b);
        }
        MemorySegment timeout = arena.allocate(16, 8); // struct timeval: 0.3 s
        timeout.set(ValueLayout.JAVA_LONG, 8, 300_000);
        Libc.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_RCVTIMEO, timeout, 16);
        sender = new DatagramSocket();
        try (DatagramSocket probe = new DatagramSocket()) {
            port = probe.getLocalPort(); // a port nobody listens on once closed
        }
        for (EngineMode mode : EngineMode.INTERPRETED_AND_COMPILED) {
            RUNNERS.add(new SluiceRunner(mode, "socket"));
        }
    }

    @AfterAll
    static void close() {
        if (fd >= 0) {
            Libc.close(fd);
        }
        if (sender != null) {
            sender.close();
        }
        if (arena != null) {
            arena.close();
        }
        RUNNERS.forEach(SluiceRunner::close);
        RUNNERS.clear();
    }

    /** The prefix: only our incoming datagrams reach P, with A = 0. */
    static byte[] wrap(Insn[] p) {
        Insn[] prefix = {
            ldh(12),
            jmp(JEQ, 0x0800, 0, 6),
            ldb(23),
            jmp(JEQ, 17, 0, 4),
            ldh(36),
            jmp(JEQ, port, 0, 2),
            ld(SKF_AD_OFF + 4),
            jmp(JEQ, 0, 1, 0), // PACKET_HOST: not the outgoing copy
            ret(0),
            ldImm(0),
        };
        Insn[] all = Arrays.copyOf(prefix, prefix.length + p.length);
        System.arraycopy(p, 0, all, prefix.length, p.length);
        return raw(all);
    }

    /** Sends our datagram and returns the kernel's outcome for the incoming copy: -1 dropped, else bytes kept. */
    static int kernelRun(Insn[] p) throws Exception {
        drain();
        Libc.Result attach =
                Libc.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_ATTACH_FILTER, Libc.sockFprog(arena, wrap(p)), 16);
        if (attach.failed()) {
            throw new IllegalStateException("attach failed: " + attach);
        }
        drain(); // packets that passed the previous filter
        byte[] payload = new byte[PAYLOAD];
        Arrays.fill(payload, (byte) 0x5a);
        sender.send(new DatagramPacket(payload, payload.length, InetAddress.getLoopbackAddress(), port));
        Libc.Result r = Libc.recv(fd, buffer, buffer.byteSize(), Libc.MSG_TRUNC);
        if (r.failed()) {
            if (r.errno() == Libc.EAGAIN) {
                return -1;
            }
            throw new IllegalStateException("recv failed: " + r);
        }
        return (int) r.value();
    }

    private static void drain() {
        while (!Libc.recv(fd, buffer, buffer.byteSize(), Libc.MSG_DONTWAIT | Libc.MSG_TRUNC)
                .failed()) {
            // discard
        }
    }

    /** The frame as the packet socket sees it: zero MACs on lo, IPv4 (no options), UDP to our port, the payload. */
    static byte[] frame() {
        ByteBuffer b = ByteBuffer.allocate(FRAME);
        b.putShort(12, (short) 0x0800);
        b.put(14, (byte) 0x45)
                .putShort(16, (short) (FRAME - 14))
                .put(22, (byte) 64)
                .put(23, (byte) 17);
        b.putInt(26, 0x7f000001).putInt(30, 0x7f000001);
        b.putShort(34, (short) 40000).putShort(36, (short) port).putShort(38, (short) (8 + PAYLOAD));
        for (int i = 42; i < FRAME; i++) {
            b.put(i, (byte) 0x5a);
        }
        return b.array();
    }

    static PacketMeta loopbackMeta() {
        return PacketMeta.builder()
                .protocol(0x0800)
                .pktType(0)
                .device(loIndex, ARPHRD_LOOPBACK)
                .linkLayerOffset(0)
                .networkOffset(14)
                .build();
    }

    static Stream<String> cases() {
        return Stream.of(
                "proto",
                "ifidx",
                "hatype",
                "type",
                "ll ethertype",
                "ll ind",
                "net protocol",
                "len",
                "vlan_avail",
                "mark",
                "queue");
    }

    static Insn[] checkA(int value, Insn... body) {
        Insn[] all = Arrays.copyOf(body, body.length + 3);
        all[body.length] = jmp(JEQ, value, 0, 1);
        all[body.length + 1] = ret(EQUAL);
        all[body.length + 2] = ret(NOT_EQUAL);
        return all;
    }

    static Insn[] program(String name) {
        int ad = SKF_AD_OFF;
        return switch (name) {
            case "proto" -> checkA(0x0800, ld(ad + 0)); // skb->protocol: the ethertype, host order
            case "ifidx" -> checkA(loIndex, ld(ad + 8));
            case "hatype" -> checkA(ARPHRD_LOOPBACK, ld(ad + 28));
            case "type" -> checkA(0, ld(ad + 4));
            case "ll ethertype" -> checkA(0x0800, ldh(SKF_LL_OFF + 12));
            case "ll ind" -> checkA(0x45, ldxImm(SKF_LL_OFF), ldbInd(14));
            case "net protocol" -> checkA(17, ldb(SKF_NET_OFF + 9));
            case "len" -> checkA(FRAME, ldLen());
            case "vlan_avail" -> checkA(0, ld(ad + 48));
            case "mark" -> checkA(0, ld(ad + 20));
            case "queue" -> checkA(0, ld(ad + 24));
            default -> throw new IllegalArgumentException(name);
        };
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void kernelAndSluiceAgree(String name) throws Exception {
        Insn[] p = program(name);
        assertEquals(EQUAL, kernelRun(p), "live kernel (AF_PACKET on lo): " + name);
        for (SluiceRunner r : RUNNERS) {
            long verdict = r.load(raw(p)).execute(frame(), loopbackMeta()).asLong();
            assertEquals(EQUAL, verdict, r.mode() + ": " + name);
        }
    }
}
