package dev.sluice.bpf.runtime;

import dev.sluice.core.pcap.Pcap;

/**
 * The socket buffer state that classic BPF can read besides the packet bytes: the ancillary values and the header
 * offsets used by SKF_NET_OFF / SKF_LL_OFF loads. Outside the kernel the caller supplies them; every field defaults
 * to what an AF_UNIX datagram carries (all zero, no device, no link-layer header), so that defaults match the live
 * kernel test bed. Immutable and shareable between runs.
 */
public final class PacketMeta {
    public static final PacketMeta DEFAULT = new Builder().build();

    public final int protocol;
    public final int pktType;
    public final boolean devicePresent;
    public final int ifIndex;
    public final int hatype;
    public final int mark;
    public final int queue;
    public final int rxhash;
    public final int cpu;
    public final int vlanTci;
    public final boolean vlanPresent;
    public final int vlanTpid;
    public final int payloadOffset;
    /** Fixed value of {@code ld rand}, or null for a fresh random number per load as the kernel gives. */
    public final Integer random;
    /** Offset of skb->data from skb->head within the input bytes (headroom before the packet). */
    public final int dataOffset;
    /** Offset of the network header from skb->head. */
    public final int networkOffset;
    /** Offset of the link-layer (mac) header from skb->head, or -1 when it is not set. */
    public final int linkLayerOffset;

    private PacketMeta(Builder b) {
        this.protocol = b.protocol;
        this.pktType = b.pktType;
        this.devicePresent = b.devicePresent;
        this.ifIndex = b.ifIndex;
        this.hatype = b.hatype;
        this.mark = b.mark;
        this.queue = b.queue;
        this.rxhash = b.rxhash;
        this.cpu = b.cpu;
        this.vlanTci = b.vlanTci;
        this.vlanPresent = b.vlanPresent;
        this.vlanTpid = b.vlanTpid;
        this.payloadOffset = b.payloadOffset;
        this.random = b.random;
        this.dataOffset = b.dataOffset;
        this.networkOffset = b.networkOffset < 0 ? b.dataOffset : b.networkOffset;
        this.linkLayerOffset = b.linkLayerOffset;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A packet captured on an Ethernet link as pcap stores it: the link-layer header starts the bytes. */
    /**
     * The metadata a packet socket gives a capture's packets: Ethernet frames from the link-layer header (the network
     * header follows it), otherwise the network header at offset 0.
     */
    public static PacketMeta forLinkType(int linkType) {
        return linkType == Pcap.LINKTYPE_ETHERNET
                ? ethernet()
                : builder().linkLayerOffset(0).build();
    }

    public static PacketMeta ethernet() {
        return new Builder().linkLayerOffset(0).networkOffset(14).protocol(0).build();
    }

    public static final class Builder {
        private int protocol;
        private int pktType;
        private boolean devicePresent;
        private int ifIndex;
        private int hatype;
        private int mark;
        private int queue;
        private int rxhash;
        private int cpu;
        private int vlanTci;
        private boolean vlanPresent;
        private int vlanTpid;
        private int payloadOffset;
        private Integer random;
        private int dataOffset;
        private int networkOffset = -1;
        private int linkLayerOffset = -1;

        public Builder protocol(int v) {
            protocol = v & 0xffff;
            return this;
        }

        public Builder pktType(int v) {
            pktType = v;
            return this;
        }

        /** Sets the receiving device; without one, ifidx/hatype loads end the program with A, as the kernel does. */
        public Builder device(int ifIndexValue, int hatypeValue) {
            devicePresent = true;
            ifIndex = ifIndexValue;
            hatype = hatypeValue;
            return this;
        }

        public Builder mark(int v) {
            mark = v;
            return this;
        }

        public Builder queue(int v) {
            queue = v & 0xffff;
            return this;
        }

        public Builder rxhash(int v) {
            rxhash = v;
            return this;
        }

        public Builder cpu(int v) {
            cpu = v;
            return this;
        }

        public Builder vlan(int tci, int tpid) {
            vlanPresent = true;
            vlanTci = tci & 0xffff;
            vlanTpid = tpid & 0xffff;
            return this;
        }

        public Builder payloadOffset(int v) {
            payloadOffset = v;
            return this;
        }

        public Builder random(int v) {
            random = v;
            return this;
        }

        public Builder dataOffset(int v) {
            dataOffset = v;
            return this;
        }

        public Builder networkOffset(int v) {
            networkOffset = v;
            return this;
        }

        public Builder linkLayerOffset(int v) {
            linkLayerOffset = v;
            return this;
        }

        public PacketMeta build() {
            return new PacketMeta(this);
        }
    }
}
