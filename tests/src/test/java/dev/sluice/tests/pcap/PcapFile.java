package dev.sluice.tests.pcap;

import dev.sluice.core.pcap.Pcap;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes and reads classic libpcap capture files (the 24-byte global header, then a 16-byte header per record:
 * ts_sec, ts_usec, incl_len, orig_len). Written files are little-endian, microsecond, link type Ethernet.
 */
public final class PcapFile {
    public static final int LINKTYPE_ETHERNET = Pcap.LINKTYPE_ETHERNET;

    /** One captured packet: the captured bytes and the length it had on the wire (>= captured length). */
    public record Frame(byte[] captured, int wireLength) {
        public Frame {
            if (wireLength < captured.length) {
                throw new IllegalArgumentException("wire length " + wireLength + " < captured " + captured.length);
            }
        }
    }

    /** A record read back: its timestamp seconds (the writer stores the frame index there) and the frame. */
    public record Record(long seconds, Frame frame) {}

    private PcapFile() {}

    /** A capture of the frames; record i has timestamp i seconds so that a filtered copy names its frames. */
    public static byte[] write(List<Frame> frames, int snaplen) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(Pcap.globalHeader(snaplen, LINKTYPE_ETHERNET));
        for (int i = 0; i < frames.size(); i++) {
            Frame f = frames.get(i);
            out.writeBytes(Pcap.recordHeader(i, 0, f.captured().length, f.wireLength()));
            out.writeBytes(f.captured());
        }
        return out.toByteArray();
    }

    public static List<Record> read(byte[] file) {
        if (file.length < 24) {
            throw new IllegalArgumentException("pcap file of " + file.length + " bytes has no header");
        }
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        int magic = b.getInt(0);
        if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1) {
            b.order(ByteOrder.BIG_ENDIAN);
        } else if (magic != 0xa1b2c3d4 && magic != 0xa1b23c4d) {
            throw new IllegalArgumentException(String.format("not a pcap file: magic 0x%08x", magic));
        }
        List<Record> records = new ArrayList<>();
        int at = 24;
        while (at < file.length) {
            long seconds = b.getInt(at) & 0xffffffffL;
            int caplen = b.getInt(at + 8);
            int len = b.getInt(at + 12);
            byte[] data = new byte[caplen];
            System.arraycopy(file, at + 16, data, 0, caplen);
            records.add(new Record(seconds, new Frame(data, len)));
            at += 16 + caplen;
        }
        return records;
    }
}
