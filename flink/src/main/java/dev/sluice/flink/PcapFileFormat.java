package dev.sluice.flink;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.connector.file.src.util.ArrayResultIterator;
import org.apache.flink.connector.file.src.util.CheckpointedPosition;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.fs.Path;

/**
 * Capture files for Flink's {@code FileSource}: classic pcap and pcapng ({@link CaptureRecords}). Each file is one
 * split (a capture can only be read from its start: records carry no sync marker, and pcapng packets need the
 * interfaces described before them), so a directory of captures spreads over the source's subtasks file by file. A
 * reader turns its file into {@link PacketChunk}s of up to {@code chunkPackets} packets (and about {@code chunkBytes}
 * bytes), normalised to little-endian microsecond records as libpcap hands them to tcpdump: byte-swapped files are
 * swapped, finer timestamps are truncated to microseconds, a packet longer than its snaplen is cut to it. What libpcap
 * refuses is a {@link PcapFormatException} naming the file, packet and byte.
 */
public final class PcapFileFormat implements BulkFormat<PacketChunk, FileSourceSplit> {
    private static final long serialVersionUID = 1L;
    private static final int READ_BUFFER = 1 << 20;
    /** A batch (what Flink's fetcher hands to the task at once) holds chunks up to this many packets or bytes. */
    private static final int BATCH_PACKETS = 4096;

    private static final int BATCH_BYTES = 1 << 20;
    /** A record header and an Ethernet frame of average size, for the first allocation of a chunk. */
    private static final int TYPICAL_RECORD = PcapChunks.RECORD_HEADER + 512;

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
        return new PcapReader(split.path(), split.offset(), CheckpointedPosition.NO_OFFSET, 0);
    }

    @Override
    public Reader<PacketChunk> restoreReader(Configuration config, FileSourceSplit split) throws IOException {
        CheckpointedPosition at = split.getReaderPosition().orElse(null);
        return at == null
                ? createReader(config, split)
                : new PcapReader(split.path(), split.offset(), at.getOffset(), at.getRecordsAfterOffset());
    }

    @Override
    public boolean isSplittable() {
        return false;
    }

    @Override
    public TypeInformation<PacketChunk> getProducedType() {
        return TypeInformation.of(PacketChunk.class);
    }

    /** Reads one file, a batch of chunks at a time. */
    private final class PcapReader implements BulkFormat.Reader<PacketChunk> {
        private final InputStream in;
        private final CaptureRecords records;
        private boolean done;

        /**
         * @param resumeAt the byte offset of the batch to resume in (NO_OFFSET: from the start)
         * @param chunksToSkip chunks of that batch already emitted
         */
        PcapReader(Path path, long splitOffset, long resumeAt, long chunksToSkip) throws IOException {
            if (splitOffset != 0) {
                throw new IOException(
                        path + ": capture files are read whole, got a split starting at byte " + splitOffset);
            }
            FSDataInputStream stream = path.getFileSystem().open(path);
            this.in = new BufferedInputStream(stream, READ_BUFFER);
            try {
                records = CaptureRecords.open(path.toString(), in);
                if (resumeAt != CheckpointedPosition.NO_OFFSET) {
                    // Read up to the batch rather than seek: a pcapng reader needs the interfaces described before it.
                    while (records.position < resumeAt && readChunk() != null) {
                        // discarded: emitted before the restore
                    }
                    for (long i = 0; i < chunksToSkip; i++) {
                        readChunk();
                    }
                }
            } catch (IOException | RuntimeException e) {
                in.close();
                throw e;
            }
        }

        @Override
        public RecordIterator<PacketChunk> readBatch() throws IOException {
            long batchStart = records.position;
            List<PacketChunk> chunks = new ArrayList<>();
            int packets = 0;
            long bytes = 0;
            // Several small chunks per batch: each batch crosses from Flink's fetcher thread to the task through a
            // queue, which costs microseconds; one packet per batch made that the cost of every packet.
            while (packets < BATCH_PACKETS && bytes < BATCH_BYTES) {
                PacketChunk chunk = readChunk();
                if (chunk == null) {
                    break;
                }
                chunks.add(chunk);
                packets += chunk.packets;
                bytes += chunk.pcap.length;
            }
            if (chunks.isEmpty()) {
                return null;
            }
            // A new iterator per batch: the fetcher thread reads ahead while the task still holds earlier batches.
            // Positions: the batch's first byte, and how many of its chunks come before the resume point.
            ArrayResultIterator<PacketChunk> batch = new ArrayResultIterator<>();
            batch.set(chunks.toArray(PacketChunk[]::new), chunks.size(), batchStart, 0);
            return batch;
        }

        /** The next chunk, or null at the end of the file. */
        private PacketChunk readChunk() throws IOException {
            if (done) {
                return null;
            }
            // Sized for typical packets; it grows when they are longer (a chunk of one packet must not cost a
            // megabyte).
            int expected = (int) Math.min(chunkBytes, (long) chunkPackets * TYPICAL_RECORD);
            PcapChunks chunk = new PcapChunks(records.linkType(), PcapChunks.GLOBAL_HEADER + expected);
            while (chunk.packets() < chunkPackets && chunk.size() < chunkBytes) {
                if (!records.next(chunk)) {
                    done = true;
                    break;
                }
            }
            return chunk.packets() == 0 ? null : chunk.build();
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
