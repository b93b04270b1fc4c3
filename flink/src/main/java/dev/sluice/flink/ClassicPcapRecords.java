package dev.sluice.flink;

import dev.sluice.core.pcap.Pcap;
import java.io.IOException;
import java.io.InputStream;

/** Classic libpcap files: either byte order, microsecond or nanosecond timestamps, format version 2.x. */
final class ClassicPcapRecords extends CaptureRecords {
    private final byte[] recordHeader = new byte[Pcap.RECORD_HEADER_SIZE];
    private final boolean bigEndian;
    private final boolean nanoseconds;
    private final int linkType;
    private final int snapshot;

    /** @param start the first bytes of the file, already read ({@code got} of them, at most 4) */
    ClassicPcapRecords(String path, InputStream in, byte[] start, int got) throws IOException {
        super(path, in);
        byte[] header = new byte[Pcap.GLOBAL_HEADER_SIZE];
        System.arraycopy(start, 0, header, 0, got);
        int total = got == 4 ? 4 + in.readNBytes(header, 4, header.length - 4) : got;
        int magic = Pcap.u32(header, 0, false);
        if (total < header.length) {
            throw failFile(total + " bytes, shorter than the 24-byte pcap file header");
        }
        if (magic == Pcap.MAGIC_MICROSECONDS || magic == Pcap.MAGIC_NANOSECONDS) {
            bigEndian = false;
        } else if (Integer.reverseBytes(magic) == Pcap.MAGIC_MICROSECONDS
                || Integer.reverseBytes(magic) == Pcap.MAGIC_NANOSECONDS) {
            bigEndian = true;
            magic = Integer.reverseBytes(magic);
        } else {
            throw failFile(String.format("not a pcap or pcapng file (magic 0x%08x)", Pcap.u32(header, 0, false)));
        }
        nanoseconds = magic == Pcap.MAGIC_NANOSECONDS;
        int major = u16(header, 4, bigEndian);
        if (major != 2) {
            throw failFile(
                    "pcap format version " + major + "." + u16(header, 6, bigEndian) + " is not supported (2.x is)");
        }
        snapshot = snapshot(u32(header, 16, bigEndian) & 0xffffffffL);
        linkType = u32(header, 20, bigEndian) & 0x0fffffff;
        position = Pcap.GLOBAL_HEADER_SIZE;
    }

    @Override
    int linkType() {
        return linkType;
    }

    @Override
    boolean next(PcapChunks chunk) throws IOException {
        packetStart = position;
        int got = in.readNBytes(recordHeader, 0, recordHeader.length);
        if (got == 0) {
            return false;
        }
        if (got < recordHeader.length) {
            throw fail("truncated pcap: the file ends " + got + " bytes into the 16-byte record header");
        }
        long seconds = u32(recordHeader, 0, bigEndian) & 0xffffffffL;
        long fraction = u32(recordHeader, 4, bigEndian) & 0xffffffffL;
        long captured = u32(recordHeader, 8, bigEndian) & 0xffffffffL;
        int wireLength = u32(recordHeader, 12, bigEndian);
        int micros = (int) (nanoseconds ? fraction / 1000 : fraction);
        position += Pcap.RECORD_HEADER_SIZE;
        appendPacket(chunk, seconds, micros, captured, wireLength, snapshot, "packet data");
        return true;
    }
}
