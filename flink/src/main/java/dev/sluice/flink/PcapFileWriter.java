package dev.sluice.flink;

import java.io.IOException;
import org.apache.flink.api.common.serialization.BulkWriter;
import org.apache.flink.core.fs.FSDataOutputStream;

/**
 * Writes chunks into one pcap file, as the sink's part files: the global header of the first chunk, then the records
 * of every chunk. All chunks of a part file share a link type ({@link PacketWindowBuckets} puts the link type in the
 * bucket when it is not Ethernet).
 */
final class PcapFileWriter implements BulkWriter<PacketChunk> {
    private final FSDataOutputStream out;
    private int linkType = -1;

    PcapFileWriter(FSDataOutputStream out) {
        this.out = out;
    }

    @Override
    public void addElement(PacketChunk chunk) throws IOException {
        if (linkType < 0) {
            linkType = chunk.linkType();
            out.write(chunk.pcap, 0, PcapChunks.GLOBAL_HEADER);
        } else if (chunk.linkType() != linkType) {
            throw new IOException(
                    "packets of link type " + chunk.linkType() + " sent to a pcap file of link type " + linkType);
        }
        out.write(chunk.pcap, PcapChunks.GLOBAL_HEADER, chunk.pcap.length - PcapChunks.GLOBAL_HEADER);
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void finish() throws IOException {
        out.flush();
    }

    /** The sink's factory: one writer per part file. */
    static final class Factory implements BulkWriter.Factory<PacketChunk> {
        private static final long serialVersionUID = 1L;

        @Override
        public BulkWriter<PacketChunk> create(FSDataOutputStream out) {
            return new PcapFileWriter(out);
        }
    }
}
