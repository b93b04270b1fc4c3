package dev.sluice.ebpf.runtime;

import com.oracle.truffle.api.CompilerDirectives;
import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;

/**
 * The memory one run of a program can reach, as regions. A pointer is never a host address: it is a 64-bit value
 * {@code region << 32 | offset}, so pointer arithmetic is integer arithmetic, and every load and store decodes the
 * region and checks the offset against that region's length before it touches a byte. Region 0 is null: small
 * integers are not pointers. A program can compute any value, but the only bytes it can reach are those of its own
 * regions.
 *
 * <p>Regions: {@link #CONTEXT} (the input of the program type: for {@code raw}, a private copy of the input memory),
 * {@link #PACKET}, one 512-byte stack per call frame from {@link #STACK0}, and the map values: region
 * {@code MAP_VALUES | map << 24 | entry} is entry {@code entry} of the program's map {@code map}.
 */
public final class Memory {
    public static final int NULL = 0, CONTEXT = 1, PACKET = 2, STACK0 = 3;
    public static final int MAX_FRAMES = 8;
    public static final int STACK_SIZE = 512;
    public static final int FIRST_DYNAMIC = STACK0 + MAX_FRAMES;
    public static final int MAP_VALUES = 0x40000000;
    /** Maps one program may use: the map index has 6 bits in a value pointer, and 63 would meet the function tag. */
    public static final int MAX_MAPS = 63;

    /** The maps of the running program (replaced by a tail call). */
    private dev.sluice.ebpf.maps.EbpfMap[] maps = new dev.sluice.ebpf.maps.EbpfMap[0];

    public void useMaps(dev.sluice.ebpf.maps.EbpfMap[] programMaps) {
        this.maps = programMaps;
    }

    public dev.sluice.ebpf.maps.EbpfMap map(int index) {
        return index >= 0 && index < maps.length ? maps[index] : null;
    }

    public static long mapValuePointer(int map, int entry, int offset) {
        return pointer(MAP_VALUES | map << 24 | entry, offset);
    }

    private static final byte[] EMPTY = new byte[0];

    public static long pointer(int region, int offset) {
        return (long) region << 32 | (offset & 0xffffffffL);
    }

    public static long stackPointer(int frame) {
        return pointer(STACK0 + frame, STACK_SIZE);
    }

    // The regions of one run, as (array, base, length) views: a batch runs each input in place in its buffer.
    private byte[] context = EMPTY;
    private int contextBase;
    private int contextLength;
    private boolean contextWritable;
    private byte[] packet;
    private int packetBase;
    private int packetLength;
    private boolean packetWritable;
    private int packetLinkHeader;
    private int packetNetworkHeader;
    /** The stacks of all frames in one array (frame f at f * STACK_SIZE), allocated at the run's first stack access. */
    private byte[] stack;
    /** Frames entered so far: the stack of frame f exists when f < frames. */
    private int frames;

    public void setContext(byte[] bytes, int base, int length, boolean canWrite) {
        requireInside(bytes, base, length, 0);
        context = bytes;
        contextBase = base;
        contextLength = length;
        contextWritable = canWrite;
    }

    public void setPacket(byte[] bytes, int base, int length, boolean canWrite) {
        setPacket(bytes, base, length, canWrite, 0, 0);
    }

    /**
     * @param linkHeader bytes before the packet that legacy loads at SKF_LL_OFF + k reach (the Ethernet header when
     *            the data starts at the network header)
     * @param networkHeader where in the packet legacy loads at SKF_NET_OFF + k start (14 when the data starts at the
     *            Ethernet header)
     */
    public void setPacket(byte[] bytes, int base, int length, boolean canWrite, int linkHeader, int networkHeader) {
        requireInside(bytes, base, length, linkHeader);
        packet = bytes;
        packetBase = base;
        packetLength = length;
        packetWritable = canWrite;
        packetLinkHeader = linkHeader;
        packetNetworkHeader = networkHeader;
    }

    /**
     * A region and the {@code before} bytes in front of it (a packet's link-layer header) lie inside {@code bytes}:
     * legacy packet loads read through {@code UncheckedArrays} after their own rule, relying on it. Every caller
     * passes a span it has checked (a batch's span check has this very form, so in compiled code this one folds
     * away); failing it is a bug of Sluice, not of the input.
     */
    private static void requireInside(byte[] bytes, int base, int length, int before) {
        if (Integer.toUnsignedLong(base - before) + Integer.toUnsignedLong(length + before) > bytes.length) {
            CompilerDirectives.transferToInterpreter();
            throw CompilerDirectives.shouldNotReachHere("memory region outside its array");
        }
    }

    /** SKF_NET_OFF and SKF_LL_OFF (include/uapi/linux/filter.h): legacy loads there read the network or link-layer header. */
    public static final int SKF_NET_OFF = -0x100000, SKF_LL_OFF = -0x200000;

    /**
     * Where a legacy packet load at {@code k} (LD_ABS imm, or LD_IND src + imm as a 32-bit int, as the kernel's
     * helpers take it) reads, relative to the packet's first byte: k itself when k >= 0; from the network header for
     * SKF_NET_OFF + k, from the link-layer header for SKF_LL_OFF + k (the kernel's
     * bpf_internal_load_pointer_neg_helper); Long.MIN_VALUE (outside) below SKF_LL_OFF.
     */
    public long legacyOffset(int k) {
        if (k >= 0) {
            return k;
        }
        if (k >= SKF_NET_OFF) {
            return (long) k - SKF_NET_OFF + packetNetworkHeader;
        }
        if (k >= SKF_LL_OFF) {
            return (long) k - SKF_LL_OFF - packetLinkHeader;
        }
        return Long.MIN_VALUE;
    }

    /** Bytes before the packet a legacy load may read (the link-layer header before network-header data). */
    public int packetLinkHeader() {
        return packetLinkHeader;
    }

    /** Called when a function starts in {@code frame}: its stack region exists from now on. */
    public void enterFrame(int frame) {
        if (frame >= frames) {
            frames = frame + 1;
        }
    }

    /** The array holding a region's bytes, or null when {@code region} names none of this run. */
    public byte[] array(int region) {
        if (region == CONTEXT) {
            return context;
        }
        if (region == PACKET) {
            return packet;
        }
        if (region >= STACK0 && region < STACK0 + frames) {
            byte[] s = stack;
            return s != null ? s : allocateStack();
        }
        if (region >= MAP_VALUES && region != FunctionAddress.TAG && region != MapAddress.TAG) {
            return mapValue(region);
        }
        return null;
    }

    /** The stacks of all frames (frame f at f * STACK_SIZE), for accesses the verifier proved inside a stack. */
    public byte[] stackArray() {
        byte[] s = stack;
        return s != null ? s : allocateStack();
    }

    /** The packet's array and where the packet starts in it, for accesses the verifier proved inside the packet. */
    public byte[] packetArray() {
        return packet;
    }

    public int packetBase() {
        return packetBase;
    }

    /** The packet's length: 0 while this run has none. */
    public int packetLength() {
        return packetLength;
    }

    @TruffleBoundary(allowInlining = true)
    private byte[] allocateStack() {
        stack = new byte[STACK_SIZE * MAX_FRAMES];
        return stack;
    }

    /** Where the region starts in {@link #array}. */
    public int base(int region) {
        if (region == CONTEXT) {
            return contextBase;
        }
        if (region == PACKET) {
            return packetBase;
        }
        if (region >= STACK0 && region < STACK0 + MAX_FRAMES) {
            return (region - STACK0) * STACK_SIZE;
        }
        return 0;
    }

    /** The region's length; {@code array} is what {@link #array} returned for it (a map value's length is its array's). */
    public int length(int region, byte[] array) {
        if (region == CONTEXT) {
            return contextLength;
        }
        if (region == PACKET) {
            return packetLength;
        }
        if (region >= STACK0 && region < STACK0 + MAX_FRAMES) {
            return STACK_SIZE;
        }
        return array.length;
    }

    private byte[] mapValue(int region) {
        int map = (region >>> 24) & 0x3f;
        return map < maps.length ? maps[map].valueAt(region & 0xffffff) : null;
    }

    public boolean writable(int region) {
        if (region == CONTEXT) {
            return contextWritable;
        }
        if (region == PACKET) {
            return packetWritable;
        }
        if (region >= MAP_VALUES && region != FunctionAddress.TAG && region != MapAddress.TAG) {
            // A value of a map created with BPF_F_RDONLY_PROG (an object's .rodata) is read-only to programs.
            int map = (region >>> 24) & 0x3f;
            return map >= maps.length || !maps[map].spec().readOnlyForProgram();
        }
        return true;
    }

    /** How an address reads in an error message: the region's name and the offset. */
    @TruffleBoundary
    public static String describe(long address) {
        int region = (int) (address >>> 32);
        int offset = (int) address;
        if (offset < 0 && region < MAP_VALUES - 1) {
            // An address just below a region (a negative offset from its pointer) reads as that region minus n.
            region++;
        }
        String name;
        if (region == CONTEXT) {
            name = "context";
        } else if (region == PACKET) {
            name = "packet";
        } else if (region >= STACK0 && region < STACK0 + MAX_FRAMES) {
            return "stack of frame " + (region - STACK0) + " (r10" + (offset - STACK_SIZE < 0 ? "" : "+")
                    + (offset - STACK_SIZE) + ")";
        } else if (FunctionAddress.is(address)) {
            return "the address of function " + FunctionAddress.function(address) + ", which is not data";
        } else if (MapAddress.is(address)) {
            return "the address of map " + MapAddress.map(address) + ", which is not data";
        } else if (region >= MAP_VALUES) {
            name = "value " + (region & 0xffffff) + " of map " + ((region >>> 24) & 0x3f);
        } else {
            return "0x" + Long.toHexString(address) + ", which is not a pointer";
        }
        return name + (offset < 0 ? "" : "+") + offset;
    }
}
