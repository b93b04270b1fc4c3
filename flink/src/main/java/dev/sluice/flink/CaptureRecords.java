package dev.sluice.flink;

import dev.sluice.core.pcap.Pcap;
import java.io.IOException;
import java.io.InputStream;

/**
 * The packets of one capture file, read in order into {@link PcapChunks} as libpcap hands them to tcpdump
 * (microseconds; in a classic pcap, a captured length cut to the snaplen). {@link #open} tells classic pcap from pcapng by the first
 * four bytes. Every refusal is a {@link PcapFormatException} naming the file, the packet (1-based) and its byte.
 */
abstract class CaptureRecords {
    /** libpcap's MAXIMUM_SNAPLEN: the largest captured length it accepts for the usual link types. */
    static final int MAX_CAPTURED = PcapChunks.SNAPLEN;

    final String path;
    final InputStream in;
    /** Byte offset of the next unread byte. */
    long position;
    /** 1-based number of the next packet. */
    long packetNumber = 1;
    /** Byte offset where the current packet's record (or block) starts: where failures are located. */
    long packetStart;
    /** False while a pcapng reader is in a block that holds no packet: failures then name the block, not a packet. */
    boolean inPacket = true;

    CaptureRecords(String path, InputStream in) {
        this.path = path;
        this.in = in;
    }

    /** Reads the file's header (and for pcapng, what precedes the first packet) and returns its reader. */
    static CaptureRecords open(String path, InputStream in) throws IOException {
        byte[] magic = new byte[4];
        int got = in.readNBytes(magic, 0, 4);
        if (got == 4 && Pcap.u32(magic, 0, false) == PcapngRecords.SECTION_HEADER) {
            return new PcapngRecords(path, in);
        }
        return new ClassicPcapRecords(path, in, magic, got);
    }

    /** The link type of the packets (every packet of a file has the same one, as libpcap requires). */
    abstract int linkType();

    /** Appends the next packet to the chunk; false at the end of the file. */
    abstract boolean next(PcapChunks chunk) throws IOException;

    /** Reads exactly {@code n} bytes into {@code b} at {@code off}; a short read is a truncated file. */
    final void readFully(byte[] b, int off, int n, String what) throws IOException {
        int got = in.readNBytes(b, off, n);
        position += got;
        if (got < n) {
            throw fail("truncated " + (this instanceof PcapngRecords ? "pcapng" : "pcap") + ": the file ends " + got
                    + " bytes into the " + n + "-byte " + what);
        }
    }

    final void skipFully(long n, String what) throws IOException {
        long skipped = 0;
        while (skipped < n) {
            long s = in.skip(n - skipped);
            if (s <= 0) {
                if (in.read() < 0) {
                    position += skipped;
                    throw fail("truncated: the file ends " + skipped + " bytes into the " + n + "-byte " + what);
                }
                s = 1;
            }
            skipped += s;
        }
        position += n;
    }

    /** Appends a packet, reading its {@code captured} bytes, keeping at most {@code snapshot} of them. */
    final void appendPacket(
            PcapChunks chunk, long seconds, int micros, long captured, int wireLength, int snapshot, String what)
            throws IOException {
        if (captured > MAX_CAPTURED) {
            throw fail("invalid packet capture length " + captured + ", bigger than the maximum of " + MAX_CAPTURED);
        }
        int kept = (int) Math.min(captured, snapshot);
        int dataAt = chunk.appendRecord(seconds, micros, kept, wireLength);
        try {
            readFully(chunk.buffer(), dataAt, kept, what);
            skipFully(captured - kept, what);
        } catch (PcapFormatException e) {
            chunk.undoLastRecord(dataAt);
            throw e;
        }
        packetNumber++;
    }

    /** A failure located at the current packet. */
    final PcapFormatException fail(String message) {
        String where = inPacket ? "packet " + packetNumber + " at byte " + packetStart : "block at byte " + packetStart;
        return new PcapFormatException(path + ": " + where + ": " + message);
    }

    /** A failure of the file as a whole (its header). */
    final PcapFormatException failFile(String message) {
        return new PcapFormatException(path + ": " + message);
    }

    static int u16(byte[] b, int at, boolean bigEndian) {
        return bigEndian ? (b[at] & 0xff) << 8 | b[at + 1] & 0xff : b[at] & 0xff | (b[at + 1] & 0xff) << 8;
    }

    static int u32(byte[] b, int at, boolean bigEndian) {
        return Pcap.u32(b, at, bigEndian);
    }

    /** libpcap reads a snaplen of 0 or above the maximum as the maximum. */
    static int snapshot(long snaplen) {
        return snaplen <= 0 || snaplen > MAX_CAPTURED ? MAX_CAPTURED : (int) snaplen;
    }
}
