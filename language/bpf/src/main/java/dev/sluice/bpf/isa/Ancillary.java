package dev.sluice.bpf.isa;

/**
 * The socket-filter ancillary loads: {@code ld [SKF_AD_OFF + n]}. Offsets are from linux/filter.h; the names are
 * those of the kernel's bpf_asm.
 */
public enum Ancillary {
    PROTOCOL(0, "proto"),
    PKTTYPE(4, "type"),
    IFINDEX(8, "ifidx"),
    NLATTR(12, "nla"),
    NLATTR_NEST(16, "nlan"),
    MARK(20, "mark"),
    QUEUE(24, "queue"),
    HATYPE(28, "hatype"),
    RXHASH(32, "rxhash"),
    CPU(36, "cpu"),
    ALU_XOR_X(40, null),
    VLAN_TAG(44, "vlan_tci"),
    VLAN_TAG_PRESENT(48, "vlan_avail"),
    PAY_OFFSET(52, "poff"),
    RANDOM(56, "rand"),
    VLAN_TPID(60, "vlan_tpid");

    private final int offset;
    private final String asmName;

    Ancillary(int offset, String asmName) {
        this.offset = offset;
        this.asmName = asmName;
    }

    /** Offset relative to SKF_AD_OFF. */
    public int offset() {
        return offset;
    }

    /** The absolute k of the load: SKF_AD_OFF + offset. */
    public int k() {
        return Opcodes.SKF_AD_OFF + offset;
    }

    /** bpf_asm's name, or null where bpf_asm has none (ALU_XOR_X). */
    public String asmName() {
        return asmName;
    }

    /** The ancillary operation a load constant names, or null if k is not a known ancillary offset. */
    public static Ancillary fromK(int k) {
        for (Ancillary a : values()) {
            if (a.k() == k) {
                return a;
            }
        }
        return null;
    }

    public static Ancillary fromAsmName(String name) {
        for (Ancillary a : values()) {
            if (name.equals(a.asmName)) {
                return a;
            }
        }
        return null;
    }

    /** True if k, read as unsigned, is in the range the kernel treats as ancillary (k >= SKF_AD_OFF). */
    public static boolean inAncillaryRange(int k) {
        return Integer.compareUnsigned(k, Opcodes.SKF_AD_OFF) >= 0;
    }
}
