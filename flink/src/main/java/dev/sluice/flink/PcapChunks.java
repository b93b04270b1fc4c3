package dev.sluice.flink;

import dev.sluice.core.pcap.Pcap;
import java.util.Arrays;

/**
 * Builds {@link PacketChunk} images: a growable little-endian, microsecond pcap with a fixed snaplen. The output files
 * carry the same header, so no packet is ever longer than the snaplen its file declares (libpcap would cut it).
 */
final class PcapChunks {
    static final int GLOBAL_HEADER = Pcap.GLOBAL_HEADER_SIZE;
    static final int RECORD_HEADER = Pcap.RECORD_HEADER_SIZE;
    /** libpcap's MAXIMUM_SNAPLEN: the longest captured length it accepts for the usual link types. */
    static final int SNAPLEN = 262144;

    private byte[] buf;
    private int size;
    private int packets;
    private final int linkType;

    PcapChunks(int linkType, int initialCapacity) {
        this.linkType = linkType;
        this.buf = new byte[Math.max(GLOBAL_HEADER + RECORD_HEADER, initialCapacity)];
        System.arraycopy(Pcap.globalHeader(SNAPLEN, linkType), 0, buf, 0, GLOBAL_HEADER);
        this.size = GLOBAL_HEADER;
    }

    int linkType() {
        return linkType;
    }

    int packets() {
        return packets;
    }

    /** Bytes held so far, headers included. */
    int size() {
        return size;
    }

    /**
     * Appends a record header and makes room for {@code capturedLength} bytes of packet data; returns the offset in
     * {@link #buffer()} where the caller writes them.
     */
    int appendRecord(long seconds, int micros, int capturedLength, int wireLength) {
        ensure(RECORD_HEADER + capturedLength);
        putU32(buf, size, (int) seconds);
        putU32(buf, size + 4, micros);
        putU32(buf, size + 8, capturedLength);
        putU32(buf, size + 12, wireLength);
        int dataAt = size + RECORD_HEADER;
        size = dataAt + capturedLength;
        packets++;
        return dataAt;
    }

    /** Copies a whole record (header and data) from another chunk image. */
    void copyRecord(byte[] from, int at, int length) {
        ensure(length);
        System.arraycopy(from, at, buf, size, length);
        size += length;
        packets++;
    }

    /** Drops a record started by {@link #appendRecord} (its data could not be read). */
    void undoLastRecord(int dataAt) {
        size = dataAt - RECORD_HEADER;
        packets--;
    }

    byte[] buffer() {
        return buf;
    }

    PacketChunk build() {
        return new PacketChunk(Arrays.copyOf(buf, size), packets);
    }

    private void ensure(int more) {
        long needed = (long) size + more;
        if (needed > buf.length) {
            if (needed > Integer.MAX_VALUE - 16) {
                throw new IllegalStateException("a chunk cannot exceed 2 GiB");
            }
            buf = Arrays.copyOf(buf, (int) Math.max(needed, Math.min(Integer.MAX_VALUE - 16, 2L * buf.length)));
        }
    }

    static int u32le(byte[] b, int at) {
        return Pcap.u32(b, at, false);
    }

    static void putU32(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
        b[at + 2] = (byte) (v >>> 16);
        b[at + 3] = (byte) (v >>> 24);
    }
}
