package dev.sluice.benchmarks;

import dev.sluice.core.pcap.Pcap;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Writes the classic libpcap file format (microsecond timestamps, little-endian, link type Ethernet). */
public final class PcapWriter {
    static final int SNAPLEN = 262144;

    private PcapWriter() {}

    public static void write(Path file, List<PacketSet.Frame> frames) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
            out.write(Pcap.globalHeader(SNAPLEN, Pcap.LINKTYPE_ETHERNET));
            for (PacketSet.Frame f : frames) {
                out.write(Pcap.recordHeader(
                        f.timestampMicros() / 1_000_000,
                        (int) (f.timestampMicros() % 1_000_000),
                        f.bytes().length,
                        f.bytes().length));
                out.write(f.bytes());
            }
        }
    }

    /** Reads back the frames of a file written by {@link #write} (or any little-endian microsecond pcap). */
    public static List<byte[]> readFrames(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt(0) != Pcap.MAGIC_MICROSECONDS) {
            throw new IOException(file + ": not a little-endian microsecond pcap");
        }
        List<byte[]> frames = new java.util.ArrayList<>();
        int pos = 24;
        while (pos < b.limit()) {
            int caplen = b.getInt(pos + 8);
            byte[] f = new byte[caplen];
            b.get(pos + 16, f);
            frames.add(f);
            pos += 16 + caplen;
        }
        return frames;
    }
}
