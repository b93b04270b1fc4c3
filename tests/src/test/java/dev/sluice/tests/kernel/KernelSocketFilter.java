package dev.sluice.tests.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A classic BPF socket filter run by the live kernel: an AF_UNIX datagram socket pair whose receiving end carries the
 * filter (SO_ATTACH_FILTER). A packet sent from the other end passes through {@code sk_filter} on the receiver:
 * verdict 0 drops it (the sender still succeeds), a nonzero verdict trims it to min(verdict, length). Receiving with
 * MSG_TRUNC returns the datagram's real length, so one send and one receive give the kernel's verdict in the form
 * "dropped" or "kept n bytes".
 *
 * <p>The receive queue of an AF_UNIX datagram socket is short (net.unix.max_dgram_qlen, 10 by default), so each packet
 * is received before the next is sent.
 */
public final class KernelSocketFilter implements AutoCloseable {
    /** What {@link #run} returns for a packet the filter dropped. */
    public static final int DROPPED = -1;
    /** Largest packet the helper sends; AF_UNIX datagrams this small are always linear skbs. */
    public static final int MAX_PACKET = 16 * 1024;

    private final Arena arena = Arena.ofConfined();
    private final int sender;
    private final int receiver;
    private final MemorySegment sendBuffer;
    private final MemorySegment receiveBuffer;

    /** Why the kernel facility is unusable, or null when it works; tests use it to skip visibly. */
    public static String unavailableReason() {
        if (!Libc.SUPPORTED) {
            return "live-kernel socket filters need Linux on x86_64 (os.name=" + System.getProperty("os.name")
                    + ", os.arch=" + System.getProperty("os.arch") + ")";
        }
        try (KernelSocketFilter probe = new KernelSocketFilter()) {
            Libc.Result r = probe.attach(new byte[] {6, 0, 0, 0, -1, -1, 0, 0}); // ret #0xffff
            if (r.failed()) {
                return "SO_ATTACH_FILTER failed with errno " + r.errno();
            }
            return null;
        } catch (IllegalStateException e) {
            return e.getMessage();
        }
    }

    public KernelSocketFilter() {
        MemorySegment fds = arena.allocate(ValueLayout.JAVA_INT, 2);
        Libc.Result r = Libc.socketpair(Libc.AF_UNIX, Libc.SOCK_DGRAM, 0, fds);
        if (r.failed()) {
            arena.close();
            throw new IllegalStateException("socketpair(AF_UNIX, SOCK_DGRAM) failed with errno " + r.errno());
        }
        sender = fds.getAtIndex(ValueLayout.JAVA_INT, 0);
        receiver = fds.getAtIndex(ValueLayout.JAVA_INT, 1);
        sendBuffer = arena.allocate(MAX_PACKET, 8);
        receiveBuffer = arena.allocate(MAX_PACKET + 64, 8);
    }

    /**
     * Attaches raw instructions (host byte order) to the receiving socket, replacing any earlier filter. Returns the
     * setsockopt result: errno EINVAL means the kernel's checker (bpf_check_classic) rejected the program.
     */
    public Libc.Result attach(byte[] rawInsns) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment prog = Libc.sockFprog(call, rawInsns);
            return Libc.setsockopt(receiver, Libc.SOL_SOCKET, Libc.SO_ATTACH_FILTER, prog, 16);
        }
    }

    /** Attaches a program the caller expects the kernel to accept; throws with the errno otherwise. */
    public void attachOrThrow(byte[] rawInsns) {
        Libc.Result r = attach(rawInsns);
        if (r.failed()) {
            throw new IllegalStateException(
                    "the kernel rejected the filter: setsockopt(SO_ATTACH_FILTER) errno " + r.errno());
        }
    }

    /**
     * Sends one packet through the attached filter and returns the kernel's outcome: {@link #DROPPED}, or the number
     * of bytes delivered (the datagram length after the filter trimmed it).
     */
    public int run(byte[] packet) {
        if (packet.length > MAX_PACKET) {
            throw new IllegalArgumentException("packet of " + packet.length + " bytes is larger than " + MAX_PACKET);
        }
        MemorySegment.copy(packet, 0, sendBuffer, ValueLayout.JAVA_BYTE, 0, packet.length);
        Libc.Result sent = Libc.send(sender, sendBuffer, packet.length, 0);
        if (sent.failed() || sent.value() != packet.length) {
            throw new IllegalStateException("send of " + packet.length + " bytes failed: " + sent);
        }
        Libc.Result got =
                Libc.recv(receiver, receiveBuffer, receiveBuffer.byteSize(), Libc.MSG_DONTWAIT | Libc.MSG_TRUNC);
        if (got.failed()) {
            if (got.errno() == Libc.EAGAIN) {
                return DROPPED;
            }
            throw new IllegalStateException("recv failed: " + got);
        }
        return (int) got.value();
    }

    /** The delivered bytes of the last received packet (valid after {@link #run} returned n >= 0). */
    public byte[] lastReceived(int n) {
        byte[] out = new byte[n];
        MemorySegment.copy(receiveBuffer, ValueLayout.JAVA_BYTE, 0, out, 0, n);
        return out;
    }

    /** The outcome Sluice's verdict predicts for a packet of this length: dropped, or min(verdict, length) bytes. */
    public static int expectedOutcome(long verdict, int packetLength) {
        if (verdict == 0) {
            return DROPPED;
        }
        return (int) Math.min(verdict & 0xffffffffL, packetLength);
    }

    @Override
    public void close() {
        Libc.close(sender);
        Libc.close(receiver);
        arena.close();
    }
}
