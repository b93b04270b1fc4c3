package dev.sluice.flink;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** Reads the records of a little-endian microsecond pcap (what tcpdump -w and the job write) for comparison. */
final class PcapRecords {
    /** One record as text (seconds.micros caplen/len hex), so lists compare and print readably. */
    static List<String> read(byte[] file, String name) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        if (file.length < 24 || b.getInt(0) != 0xa1b2c3d4) {
            throw new IOException(name + ": not a little-endian microsecond pcap");
        }
        List<String> records = new ArrayList<>();
        int at = 24;
        while (at < file.length) {
            if (file.length - at < 16) {
                throw new IOException(name + ": truncated record header at byte " + at);
            }
            long seconds = b.getInt(at) & 0xffffffffL;
            int micros = b.getInt(at + 4);
            int caplen = b.getInt(at + 8);
            int len = b.getInt(at + 12);
            if (caplen < 0 || caplen > file.length - at - 16) {
                throw new IOException(name + ": truncated packet at byte " + at);
            }
            byte[] data = new byte[caplen];
            b.get(at + 16, data);
            records.add(String.format(
                    "%d.%06d %d/%d %s",
                    seconds, micros, caplen, len, HexFormat.of().formatHex(data)));
            at += 16 + caplen;
        }
        return records;
    }

    /** The link type field of a pcap global header. */
    static int linkType(byte[] file) {
        return ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getInt(20);
    }
}
