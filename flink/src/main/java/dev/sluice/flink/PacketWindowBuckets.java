package dev.sluice.flink;

import dev.sluice.core.pcap.Pcap;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.streaming.api.functions.sink.filesystem.BucketAssigner;
import org.apache.flink.streaming.api.functions.sink.filesystem.bucketassigners.SimpleVersionedStringSerializer;

/**
 * Buckets matching packets by the time window of their capture timestamps (UTC): the directory of a window is named
 * after its start, e.g. {@code 2026-11-29--17-00-00}; packets of another link type than Ethernet get their own
 * directory ({@code ...-linktype-113}), since one pcap file has one link type. With the sink's part files per subtask,
 * each output file holds one subtask's packets of one window.
 */
final class PacketWindowBuckets implements BucketAssigner<PacketChunk, String> {
    private static final long serialVersionUID = 1L;
    private static final DateTimeFormatter NAME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd--HH-mm-ss").withZone(ZoneOffset.UTC);

    private final long windowSeconds;

    PacketWindowBuckets(long windowSeconds) {
        this.windowSeconds = windowSeconds;
    }

    @Override
    public String getBucketId(PacketChunk chunk, Context context) {
        long start = Math.floorDiv(chunk.firstSeconds(), windowSeconds) * windowSeconds;
        String name = NAME.format(Instant.ofEpochSecond(start));
        int linkType = chunk.linkType();
        return linkType == Pcap.LINKTYPE_ETHERNET ? name : name + "-linktype-" + linkType;
    }

    @Override
    public SimpleVersionedSerializer<String> getSerializer() {
        return SimpleVersionedStringSerializer.INSTANCE;
    }
}
