package dev.sluice.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.connector.file.src.util.RecordAndPosition;
import org.apache.flink.core.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The capture reader without a cluster: what it refuses (each refusal names the file, and past the header the packet
 * and byte) and the chunking itself (sizes, positions, resuming from a checkpointed position).
 */
class CaptureFormatErrorsTest {
    @TempDir
    java.nio.file.Path dir;

    private List<PacketChunk> readAll(byte[] file, int chunkPackets) throws IOException {
        return readAll(file, chunkPackets, null);
    }

    /** Positions of the chunks read by the last {@link #readAll}, as Flink would checkpoint them. */
    private final List<org.apache.flink.connector.file.src.util.CheckpointedPosition> positions = new ArrayList<>();

    private List<PacketChunk> readAll(
            byte[] file, int chunkPackets, org.apache.flink.connector.file.src.util.CheckpointedPosition resume)
            throws IOException {
        positions.clear();
        java.nio.file.Path f = dir.resolve("f" + System.nanoTime() + ".cap");
        Files.write(f, file);
        FileSourceSplit split =
                new FileSourceSplit("0", new Path(f.toUri()), 0, file.length, 0, file.length, new String[0], resume);
        PcapFileFormat format = new PcapFileFormat(chunkPackets, 1 << 20);
        List<PacketChunk> chunks = new ArrayList<>();
        try (BulkFormat.Reader<PacketChunk> reader = resume == null
                ? format.createReader(new Configuration(), split)
                : format.restoreReader(new Configuration(), split)) {
            BulkFormat.RecordIterator<PacketChunk> batch;
            while ((batch = reader.readBatch()) != null) {
                RecordAndPosition<PacketChunk> r;
                while ((r = batch.next()) != null) {
                    chunks.add(r.getRecord());
                    positions.add(new org.apache.flink.connector.file.src.util.CheckpointedPosition(
                            r.getOffset(), r.getRecordSkipCount()));
                }
                batch.releaseBatch();
            }
        }
        return chunks;
    }

    private String refusal(byte[] file) {
        return assertThrows(PcapFormatException.class, () -> readAll(file, 64)).getMessage();
    }

    private static List<CaptureGenerator.Packet> packets(int n) {
        return new CaptureGenerator(3).packets(n, 1_795_000_000L);
    }

    @Test
    void chunksHoldAtMostTheirPacketsAndEveryPacketOnce() throws IOException {
        byte[] file = CaptureGenerator.pcap(packets(1000), ByteOrder.BIG_ENDIAN, true, 65535);
        List<PacketChunk> chunks = readAll(file, 64);
        assertEquals(16, chunks.size(), "1000 packets in chunks of 64");
        int total = 0;
        for (PacketChunk c : chunks) {
            assertTrue(c.packets >= 1 && c.packets <= 64);
            assertEquals(c.packets, PcapRecords.read(c.pcap, "chunk").size(), "the chunk's count matches its records");
            total += c.packets;
        }
        assertEquals(1000, total);
    }

    @Test
    void resumingAtACheckpointedPositionSkipsWhatWasEmitted() throws IOException {
        // 5000 packets in chunks of 100: a batch holds 4096 packets or more, so chunks 41.. are in a second batch.
        byte[] file = CaptureGenerator.pcapng(List.of(packets(5000)), ByteOrder.LITTLE_ENDIAN, 9, 0);
        List<PacketChunk> all = readAll(file, 100);
        assertEquals(50, all.size());
        assertEquals(50, positions.size());
        assertTrue(
                positions.get(44).getOffset() > positions.get(0).getOffset(),
                "chunk 44 is in a later batch: " + positions.get(44));
        for (int emitted : new int[] {6, 44}) {
            // A task that emitted chunks 0..emitted and was checkpointed there resumes with the next one.
            List<PacketChunk> rest = readAll(file, 100, positionsOf(file, emitted));
            assertEquals(49 - emitted, rest.size());
            assertEquals(
                    PcapRecords.read(all.get(emitted + 1).pcap, "next"), PcapRecords.read(rest.get(0).pcap, "resumed"));
            assertEquals(
                    PcapRecords.read(all.get(49).pcap, "last"),
                    PcapRecords.read(rest.get(rest.size() - 1).pcap, "resumed last"));
        }
    }

    private org.apache.flink.connector.file.src.util.CheckpointedPosition positionsOf(byte[] file, int chunk)
            throws IOException {
        readAll(file, 100);
        return positions.get(chunk);
    }

    @Test
    void classicRefusals() {
        assertTrue(refusal(new byte[10]).endsWith(": 10 bytes, shorter than the 24-byte pcap file header"));
        byte[] bad = CaptureGenerator.pcap(packets(3), ByteOrder.LITTLE_ENDIAN, false, 65535);
        bad[0] = 0x11;
        assertTrue(refusal(bad).contains("not a pcap or pcapng file (magic 0xa1b2c311)"), refusal(bad));
        byte[] version = CaptureGenerator.pcap(packets(3), ByteOrder.LITTLE_ENDIAN, false, 65535);
        version[4] = 3;
        assertTrue(refusal(version).contains("pcap format version 3.4 is not supported"), refusal(version));
        byte[] huge = CaptureGenerator.pcap(packets(3), ByteOrder.LITTLE_ENDIAN, false, 65535);
        ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putInt(24 + 8, 300_000);
        assertTrue(
                refusal(huge)
                        .contains(
                                ": packet 1 at byte 24: invalid packet capture length 300000, bigger than the maximum of 262144"),
                refusal(huge));
    }

    @Test
    void pcapngRefusals() {
        byte[] twoLinkTypes = CaptureGenerator.pcapng(List.of(packets(2)), ByteOrder.LITTLE_ENDIAN, 6, 0);
        // Append a second interface description block of link type 113 (Linux cooked capture).
        ByteBuffer idb = ByteBuffer.allocate(20)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt(1)
                .putInt(20)
                .putShort((short) 113)
                .putShort((short) 0)
                .putInt(0)
                .putInt(20);
        byte[] file = concat(twoLinkTypes, idb.array());
        assertTrue(
                refusal(file).contains("an interface has link type 113, different from the first interface's 1"),
                refusal(file));

        byte[] unknownInterface = CaptureGenerator.pcapng(List.of(packets(1)), ByteOrder.BIG_ENDIAN, 6, 0);
        int epb = (int) firstBatchOffsetBigEndian(unknownInterface);
        ByteBuffer.wrap(unknownInterface).putInt(epb + 8, 1);
        assertTrue(
                refusal(unknownInterface)
                        .contains("packet 1 at byte " + epb
                                + ": the packet names interface 1 but the section describes 1"),
                refusal(unknownInterface));

        byte[] version = CaptureGenerator.pcapng(List.of(packets(1)), ByteOrder.LITTLE_ENDIAN, 6, 0);
        version[12] = 2;
        assertTrue(refusal(version).contains("pcapng version 2.0 is not supported"), refusal(version));

        byte[] longer = CaptureGenerator.pcapng(List.of(packets(3)), ByteOrder.LITTLE_ENDIAN, 6, 0);
        // Set the interface's snaplen (offset 4 into the block after the 28-byte section header) below the packets'.
        ByteBuffer.wrap(longer).order(ByteOrder.LITTLE_ENDIAN).putInt(28 + 8 + 4, 20);
        assertTrue(refusal(longer).contains("bigger than snaplen of 20"), refusal(longer));

        byte[] cut = CaptureGenerator.pcapng(List.of(packets(5)), ByteOrder.LITTLE_ENDIAN, 6, 0);
        assertTrue(
                refusal(java.util.Arrays.copyOf(cut, cut.length - 9)).contains("packet 5 at byte "),
                "names the last packet");
    }

    private static long firstBatchOffsetBigEndian(byte[] pcapng) {
        ByteBuffer b = ByteBuffer.wrap(pcapng);
        int at = 0;
        for (int i = 0; i < 3; i++) {
            at += b.getInt(at + 4);
        }
        return at;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
