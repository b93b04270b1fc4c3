package dev.sluice.flink;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.connector.file.src.util.CheckpointedPosition;
import org.apache.flink.connector.file.src.util.SingletonResultIterator;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.fs.Path;

import dev.sluice.core.pcap.Pcap;

/**
 * Classic libpcap files for Flink's {@code FileSource}: each file is one split (a pcap file can only be read from its
 * start, since records carry no sync marker), so a directory of captures spreads over the source's subtasks file by
 * file. A reader turns its file into {@link PacketChunk}s of up to {@code chunkPackets} packets (and about
 * {@code chunkBytes} bytes), normalised to little-endian microsecond records as libpcap hands them to tcpdump:
 * byte-swapped files are swapped, nanosecond timestamps are truncated to microseconds, a packet longer than the
 * file's snaplen is cut to it. What libpcap refuses is a {@link PcapFormatException} naming the file, packet and byte.
 */
public final class PcapFileFormat implements BulkFormat<PacketChunk, FileSourceSplit> {
    private static final long serialVersionUID = 1L;
    /** The pcapng section header block type, which starts every pcapng file. */
    static final int PCAPNG_MAGIC = 0x0a0d0d0a;
    private static final int READ_BUFFER = 1 << 20;

    private final int chunkPackets;
    private final int chunkBytes;

    /**
     * @param chunkPackets the most packets one chunk (one Flink record) holds
     * @param chunkBytes a chunk is closed once it holds this many bytes, even with fewer packets
     */
    public PcapFileFormat(int chunkPackets, int chunkBytes) {
        if (chunkPackets < 1 || chunkBytes < 1) {
            throw new IllegalArgumentException("chunk sizes must be positive");
        }
        this.chunkPackets = chunkPackets;
        this.chunkBytes = chunkBytes;
    }

    @Override
    public Reader<PacketChunk> createReader(Configuration config, FileSourceSplit split) throws IOException {
        return new PcapReader(split.path(), split.offset(), CheckpointedPosition.NO_OFFSET);
    }

    @Override
    public Reader<PacketChunk> restoreReader(Configuration config, FileSourceSplit split) throws IOException {
        long resumeAt = split.getReaderPosition().map(CheckpointedPosition::getOffset).orElse(CheckpointedPosition.NO_OFFSET);
        return new PcapReader(split.path(), split.offset(), resumeAt);
    }

    @Override
    public boolean isSplittable() {
        return false;
    }

    @Override
    public TypeInformation<PacketChunk> getProducedType() {
        return TypeInformation.of(PacketChunk.class);
    }

    /** Reads one file; each batch is one chunk, whose position is the byte after its last record. */
    private final class PcapReader implements BulkFormat.Reader<PacketChunk> {
        private final Path path;
        private final InputStream in;
        private final byte[] recordHeader = new byte[PcapChunks.RECORD_HEADER];
        private final boolean bigEndian;
        private final boolean nanoseconds;
        private final int linkType;
        private final int snapshot;
        /** Byte offset of the next record in the file. */
        private long position;
        /** 1-based number of the next packet, or 0 when reading resumed mid-file (then messages give bytes only). */
        private long packetNumber;
        private boolean done;

        PcapReader(Path path, long splitOffset, long resumeAt) throws IOException {
            if (splitOffset != 0) {
                throw new IOException(path + ": pcap files are read whole, got a split starting at byte " + splitOffset);
            }
            this.path = path;
            FSDataInputStream stream = path.getFileSystem().open(path);
            this.in = new BufferedInputStream(stream, READ_BUFFER);
            try {
                byte[] header = new byte[Pcap.GLOBAL_HEADER_SIZE];
                int got = in.readNBytes(header, 0, header.length);
                int magic = got >= 4 ? Pcap.u32(header, 0, false) : 0;
                if (got >= 4 && magic == PCAPNG_MAGIC) {
                    throw new PcapFormatException(path + ": a pcapng file; only classic pcap is read (convert it: editcap -F pcap IN OUT)");
                }
                if (got < header.length) {
                    throw new PcapFormatException(path + ": " + got + " bytes, shorter than the 24-byte pcap file header");
                }
                if (magic == Pcap.MAGIC_MICROSECONDS || magic == Pcap.MAGIC_NANOSECONDS) {
                    bigEndian = false;
                } else if (Integer.reverseBytes(magic) == Pcap.MAGIC_MICROSECONDS || Integer.reverseBytes(magic) == Pcap.MAGIC_NANOSECONDS) {
                    bigEndian = true;
                    magic = Integer.reverseBytes(magic);
                } else {
                    throw new PcapFormatException(path + String.format(": not a pcap file (magic 0x%08x)", Pcap.u32(header, 0, false)));
                }
                nanoseconds = magic == Pcap.MAGIC_NANOSECONDS;
                int major = u16(header, 4, bigEndian);
                if (major != 2) {
                    throw new PcapFormatException(path + ": pcap format version " + major + "." + u16(header, 6, bigEndian) + " is not supported (2.x is)");
                }
                int snaplen = Pcap.u32(header, 16, bigEndian);
                // libpcap reads a snaplen of 0 or above the maximum as the maximum.
                snapshot = snaplen <= 0 || snaplen > PcapChunks.SNAPLEN ? PcapChunks.SNAPLEN : snaplen;
                linkType = Pcap.u32(header, 20, bigEndian) & 0x0fffffff;
                position = Pcap.GLOBAL_HEADER_SIZE;
                packetNumber = 1;
                if (resumeAt != CheckpointedPosition.NO_OFFSET && resumeAt > position) {
                    in.skipNBytes(resumeAt - position);
                    position = resumeAt;
                    packetNumber = 0;
                }
            } catch (IOException | RuntimeException e) {
                in.close();
                throw e;
            }
        }

        @Override
        public RecordIterator<PacketChunk> readBatch() throws IOException {
            if (done) {
                return null;
            }
            PcapChunks chunk = new PcapChunks(linkType, Math.min(chunkBytes, READ_BUFFER) + PcapChunks.SNAPLEN / 4);
            while (chunk.packets() < chunkPackets && chunk.size() < chunkBytes) {
                if (!readRecord(chunk)) {
                    done = true;
                    break;
                }
            }
            if (chunk.packets() == 0) {
                return null;
            }
            // A new iterator per batch: the fetcher thread reads ahead while the task still holds earlier batches.
            SingletonResultIterator<PacketChunk> batch = new SingletonResultIterator<>();
            batch.set(chunk.build(), position, 0);
            return batch;
        }

        /** Appends the next record to the chunk; false at the end of the file. */
        private boolean readRecord(PcapChunks chunk) throws IOException {
            int got = in.readNBytes(recordHeader, 0, recordHeader.length);
            if (got == 0) {
                return false;
            }
            if (got < recordHeader.length) {
                throw new PcapFormatException(where() + ": truncated pcap: the file ends " + got + " bytes into the 16-byte record header");
            }
            long seconds = Pcap.u32(recordHeader, 0, bigEndian) & 0xffffffffL;
            long fraction = Pcap.u32(recordHeader, 4, bigEndian) & 0xffffffffL;
            long capturedLength = Pcap.u32(recordHeader, 8, bigEndian) & 0xffffffffL;
            int wireLength = Pcap.u32(recordHeader, 12, bigEndian);
            if (capturedLength > PcapChunks.SNAPLEN) {
                throw new PcapFormatException(where() + ": invalid packet capture length " + capturedLength + ", bigger than the maximum of " + PcapChunks.SNAPLEN);
            }
            int kept = (int) Math.min(capturedLength, snapshot);
            int micros = (int) (nanoseconds ? fraction / 1000 : fraction);
            int dataAt = chunk.appendRecord(seconds, micros, kept, wireLength);
            int read = in.readNBytes(chunk.buffer(), dataAt, kept);
            long skipped = read == kept ? skip(capturedLength - kept) : 0;
            if (read < kept || skipped < capturedLength - kept) {
                chunk.undoLastRecord(dataAt);
                throw new PcapFormatException(where() + ": truncated pcap: the packet claims " + capturedLength + " bytes but the file ends after "
                                + (read + skipped));
            }
            position += PcapChunks.RECORD_HEADER + capturedLength;
            if (packetNumber > 0) {
                packetNumber++;
            }
            return true;
        }

        private long skip(long n) throws IOException {
            long skipped = 0;
            while (skipped < n) {
                if (in.read() < 0) {
                    break;
                }
                skipped++;
                long more = in.skip(n - skipped);
                skipped += more;
            }
            return skipped;
        }

        private String where() {
            return path + (packetNumber > 0 ? ": packet " + packetNumber + " at byte " + position : ": the packet at byte " + position);
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    private static int u16(byte[] b, int at, boolean bigEndian) {
        return bigEndian ? (b[at] & 0xff) << 8 | b[at + 1] & 0xff : b[at] & 0xff | (b[at + 1] & 0xff) << 8;
    }
}
