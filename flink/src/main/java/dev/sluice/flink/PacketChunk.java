package dev.sluice.flink;

/**
 * One Flink record: a run of packets held as a complete classic pcap image (24-byte global header, then 16-byte
 * record headers each followed by the captured bytes), always little-endian with microsecond timestamps and snaplen
 * {@link PcapChunks#SNAPLEN}. Carrying many packets per record amortises Flink's cost per record (70-110 ns) over the
 * filter's (a few ns per packet), and the image is exactly what the filter's {@code runPcap} entry point takes.
 *
 * <p>A Flink POJO (public no-argument constructor, public fields) so that Flink serializes it with its own
 * {@code PojoSerializer}, not Kryo.
 */
public final class PacketChunk {
    /** The pcap image: global header plus {@link #packets} records. */
    public byte[] pcap;
    /** How many records {@link #pcap} holds. */
    public int packets;

    public PacketChunk() {}

    public PacketChunk(byte[] pcap, int packets) {
        this.pcap = pcap;
        this.packets = packets;
    }

    /** The link type of the capture the packets came from (LINKTYPE_ETHERNET is 1). */
    public int linkType() {
        return PcapChunks.u32le(pcap, 20);
    }

    /** The seconds of the first packet's timestamp (chunks are never empty). */
    public long firstSeconds() {
        return PcapChunks.u32le(pcap, PcapChunks.GLOBAL_HEADER) & 0xffffffffL;
    }
}
