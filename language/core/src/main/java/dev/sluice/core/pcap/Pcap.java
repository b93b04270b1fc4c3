package dev.sluice.core.pcap;

import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;
import com.oracle.truffle.api.nodes.Node;
import dev.sluice.core.error.CoreFailure;
import dev.sluice.core.error.SluiceException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The classic libpcap capture file format: a 24-byte global header (magic 0xa1b2c3d4 for microseconds or 0xa1b23c4d
 * for nanoseconds, in the writer's byte order; the link type at byte 20) and 16-byte record headers (ts_sec,
 * ts_frac, incl_len, orig_len). Reading: {@link #header} then {@link #u32} on the record headers; writing:
 * {@link #globalHeader} and {@link #recordHeader} (little-endian, microseconds).
 */
public final class Pcap {
    public static final int GLOBAL_HEADER_SIZE = 24;
    public static final int RECORD_HEADER_SIZE = 16;
    public static final int LINKTYPE_ETHERNET = 1;
    public static final int MAGIC_MICROSECONDS = 0xa1b2c3d4;
    public static final int MAGIC_NANOSECONDS = 0xa1b23c4d;

    private Pcap() {}

    /** What the global header says: whether fields are byte-swapped relative to little-endian, and the link type. */
    public record Header(boolean swapped, int linkType) {}

    /** Reads the global header; a file that is not a classic pcap is a {@link CoreFailure#BAD_PCAP} at {@code node}. */
    @TruffleBoundary
    public static Header header(byte[] file, Node node) {
        if (file.length < GLOBAL_HEADER_SIZE) {
            throw SluiceException.atNode(
                    node, CoreFailure.BAD_PCAP, "file is " + file.length + " bytes, shorter than the 24-byte header");
        }
        int magicLe = u32(file, 0, false);
        boolean swapped;
        if (magicLe == MAGIC_MICROSECONDS || magicLe == MAGIC_NANOSECONDS) {
            swapped = false;
        } else if (Integer.reverseBytes(magicLe) == MAGIC_MICROSECONDS
                || Integer.reverseBytes(magicLe) == MAGIC_NANOSECONDS) {
            swapped = true;
        } else {
            throw SluiceException.atNode(
                    node,
                    CoreFailure.BAD_PCAP,
                    String.format("not a pcap file (magic 0x%08x; pcapng is not supported)", magicLe));
        }
        int linkType = u32(file, 20, swapped) & 0x0fffffff;
        return new Header(swapped, linkType);
    }

    /** Reads a 32-bit field little-endian, or big-endian when the file was written on the other byte order. */
    public static int u32(byte[] b, int at, boolean bigEndian) {
        int le = (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
        return bigEndian ? Integer.reverseBytes(le) : le;
    }

    /** A little-endian microsecond global header (version 2.4, thiszone and sigfigs 0). */
    public static byte[] globalHeader(int snaplen, int linkType) {
        ByteBuffer h = ByteBuffer.allocate(GLOBAL_HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(MAGIC_MICROSECONDS)
                .putShort((short) 2)
                .putShort((short) 4)
                .putInt(0)
                .putInt(0)
                .putInt(snaplen)
                .putInt(linkType);
        return h.array();
    }

    /** A little-endian record header for a packet of {@code capturedLength} bytes, {@code wireLength} on the wire. */
    public static byte[] recordHeader(long seconds, int micros, int capturedLength, int wireLength) {
        ByteBuffer r = ByteBuffer.allocate(RECORD_HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        r.putInt((int) seconds).putInt(micros).putInt(capturedLength).putInt(wireLength);
        return r.array();
    }
}
