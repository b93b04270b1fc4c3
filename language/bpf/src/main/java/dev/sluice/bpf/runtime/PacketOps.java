package dev.sluice.bpf.runtime;

import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;
import com.oracle.truffle.api.memory.ByteArraySupport;
import dev.sluice.bpf.isa.Ancillary;
import dev.sluice.bpf.isa.Opcodes;
import java.util.function.IntConsumer;

/**
 * Socket-filter loads that need more than a bounds check: offsets computed at run time (X + k), the SKF_NET_OFF /
 * SKF_LL_OFF ranges, and ancillary values. The rules follow the kernel's bpf_skb_load_helper_* and
 * bpf_internal_load_pointer_neg_helper (net/core/filter.c). A result below zero means the load failed: the
 * program then returns 0.
 */
public final class PacketOps {
    private static final ByteArraySupport BIG = ByteArraySupport.bigEndian();

    private PacketOps() {}

    /** Reads {@code size} bytes big-endian at a signed offset from skb->data; -1 if out of bounds. */
    public static long load(byte[] data, int start, int captured, int offset, int size, PacketMeta meta) {
        if (offset >= 0) {
            if (offset > captured - size) {
                return -1;
            }
            return read(data, start + offset, size);
        }
        return loadNegative(data, start, captured, offset, size, meta);
    }

    /** A load at a negative offset: relative to the network header, or to the link-layer header. */
    public static long loadNegative(byte[] data, int start, int captured, int offset, int size, PacketMeta meta) {
        long head = (long) start - meta.dataOffset;
        long ptr;
        if (offset >= Opcodes.SKF_NET_OFF) {
            ptr = head + meta.networkOffset + ((long) offset - Opcodes.SKF_NET_OFF);
        } else if (offset >= Opcodes.SKF_LL_OFF) {
            if (meta.linkLayerOffset < 0) {
                return -1;
            }
            ptr = head + meta.linkLayerOffset + ((long) offset - Opcodes.SKF_LL_OFF);
        } else {
            return -1;
        }
        long tail = (long) start + captured;
        if (ptr < head || ptr + size > tail) {
            return -1;
        }
        return read(data, (int) ptr, size);
    }

    /** One wide big-endian read (a load and a byte swap in compiled code), not one bounds-checked read per byte. */
    private static long read(byte[] data, int at, int size) {
        return switch (size) {
            case 4 -> BIG.getInt(data, at) & 0xffffffffL;
            case 2 -> BIG.getShort(data, at) & 0xffff;
            default -> data[at] & 0xff;
        };
    }

    /**
     * An ancillary load. Returns the new A as an unsigned value, or -1 when the kernel would end the program with the
     * current A (ifidx/hatype on a packet with no device).
     */
    public static long ancillary(int adOffset, int a, int x, byte[] data, int start, int captured, PacketMeta meta) {
        return ancillary(adOffset, a, x, data, start, captured, meta, null);
    }

    /** As above; {@code walk}, if not null, receives each attribute offset a netlink walk reads (for traces). */
    public static long ancillary(
            int adOffset, int a, int x, byte[] data, int start, int captured, PacketMeta meta, IntConsumer walk) {
        switch (adOffset) {
            case 0:
                return meta.protocol;
            case 4:
                return meta.pktType & 0xffffffffL;
            case 8:
                return meta.devicePresent ? meta.ifIndex & 0xffffffffL : -1;
            case 12:
                return nlattr(data, start, captured, a, x, false, walk);
            case 16:
                return nlattr(data, start, captured, a, x, true, walk);
            case 20:
                return meta.mark & 0xffffffffL;
            case 24:
                return meta.queue;
            case 28:
                return meta.devicePresent ? meta.hatype & 0xffffL : -1;
            case 32:
                return meta.rxhash & 0xffffffffL;
            case 36:
                return meta.cpu & 0xffffffffL;
            case 40:
                return (a ^ x) & 0xffffffffL;
            case 44:
                return meta.vlanTci;
            case 48:
                return meta.vlanPresent ? 1 : 0;
            case 52:
                return meta.payloadOffset & 0xffffffffL;
            case 56:
                return random(meta);
            case 60:
                return meta.vlanTpid;
            default:
                throw new IllegalStateException("unverified ancillary offset " + adOffset + " ("
                        + Ancillary.fromK(adOffset + Opcodes.SKF_AD_OFF) + ")");
        }
    }

    @TruffleBoundary
    private static long random(PacketMeta meta) {
        return meta.random != null
                ? meta.random & 0xffffffffL
                : java.util.concurrent.ThreadLocalRandom.current().nextInt() & 0xffffffffL;
    }

    /**
     * The kernel's bpf_skb_get_nlattr / bpf_skb_get_nlattr_nest: find netlink attribute type X in the packet starting
     * at offset A; the result is its offset, or 0.
     */
    @TruffleBoundary
    static long nlattr(byte[] data, int start, int len, int a, int x, boolean nested, IntConsumer walk) {
        final int hdr = 4;
        if (len < hdr) {
            return 0;
        }
        long aU = a & 0xffffffffL;
        if (aU > len - hdr) {
            return 0;
        }
        int at = (int) aU;
        int remaining = len - at;
        if (nested) {
            visit(walk, at);
            int nlaLen = u16le(data, start + at);
            if (nlaLen > len - at) {
                return 0;
            }
            remaining = nlaLen - hdr; // nla_len(nla): may be negative, then nothing is found
            at += hdr;
        }
        while (remaining >= hdr) {
            visit(walk, at);
            int nlaLen = u16le(data, start + at);
            int nlaType = u16le(data, start + at + 2);
            if (nlaLen < hdr || nlaLen > remaining) {
                return 0;
            }
            if ((nlaType & 0x3fff) == x) {
                return at;
            }
            int step = (nlaLen + 3) & ~3;
            remaining -= step;
            at += step;
        }
        return 0;
    }

    private static void visit(IntConsumer walk, int at) {
        if (walk != null) {
            walk.accept(at);
        }
    }

    // Netlink headers are in host byte order; the hosts we simulate for sockets are little-endian.
    private static int u16le(byte[] data, int at) {
        return (data[at] & 0xff) | ((data[at + 1] & 0xff) << 8);
    }
}
