package dev.sluice.bpf.runtime;

import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;
import com.oracle.truffle.api.nodes.Node;

/**
 * The classic libpcap capture file format: a 24-byte global header (magic 0xa1b2c3d4 for microseconds or 0xa1b23c4d
 * for nanoseconds, in the writer's byte order; the link type at byte 20) and 16-byte record headers (ts_sec,
 * ts_frac, incl_len, orig_len).
 */
public final class Pcap {
    public static final int GLOBAL_HEADER_SIZE = 24;
    public static final int RECORD_HEADER_SIZE = 16;
    public static final int LINKTYPE_ETHERNET = 1;

    private Pcap() {
    }

    public record Header(boolean swapped, int linkType, PacketMeta meta) {
    }

    @TruffleBoundary
    public static Header header(byte[] file, Node node) {
        if (file.length < GLOBAL_HEADER_SIZE) {
            throw SluiceException.atNode(node, Failure.BAD_PCAP, "file is " + file.length + " bytes, shorter than the 24-byte header");
        }
        int magicLe = u32(file, 0, false);
        boolean swapped;
        if (magicLe == 0xa1b2c3d4 || magicLe == 0xa1b23c4d) {
            swapped = false;
        } else if (Integer.reverseBytes(magicLe) == 0xa1b2c3d4 || Integer.reverseBytes(magicLe) == 0xa1b23c4d) {
            swapped = true;
        } else {
            throw SluiceException.atNode(node, Failure.BAD_PCAP, String.format("not a pcap file (magic 0x%08x; pcapng is not supported)", magicLe));
        }
        int linkType = u32(file, 20, swapped) & 0x0fffffff;
        // A packet socket sees Ethernet frames from the link-layer header; the network header follows it.
        PacketMeta meta = linkType == LINKTYPE_ETHERNET ? PacketMeta.ethernet() : PacketMeta.builder().linkLayerOffset(0).build();
        return new Header(swapped, linkType, meta);
    }

    /** Reads a 32-bit field little-endian, or big-endian when the file was written on the other byte order. */
    public static int u32(byte[] b, int at, boolean bigEndian) {
        int le = (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
        return bigEndian ? Integer.reverseBytes(le) : le;
    }
}
