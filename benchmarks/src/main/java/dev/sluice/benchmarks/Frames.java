package dev.sluice.benchmarks;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/** Ethernet framing as both packet sets ({@link PacketSet}, {@link LinkMix}) write it. */
final class Frames {
    static final int ETH_VLAN = 0x8100;
    /** Ethernet's minimum frame without its FCS: shorter frames are padded to it, as a NIC sends them. */
    static final int MIN_FRAME = 60;

    private Frames() {}

    /** An Ethernet frame: destination, source, an 802.1Q tag when {@code vlanTag} is not 0, the EtherType, payload. */
    static byte[] ethernet(byte[] destination, byte[] source, int vlanTag, int etherType, byte[] payload) {
        int header = vlanTag != 0 ? 18 : 14;
        ByteBuffer b = ByteBuffer.allocate(Math.max(MIN_FRAME, header + payload.length));
        b.put(destination).put(source);
        if (vlanTag != 0) {
            b.putShort((short) ETH_VLAN).putShort((short) vlanTag);
        }
        return b.putShort((short) etherType).put(payload).array();
    }

    /** A random locally administered unicast MAC address. */
    static byte[] mac(SplittableRandom rnd) {
        byte[] m = new byte[6];
        m[0] = (byte) (0x02 | rnd.nextInt(64) << 2);
        for (int i = 1; i < 6; i++) {
            m[i] = (byte) rnd.nextInt(256);
        }
        return m;
    }
}
