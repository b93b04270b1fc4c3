package dev.sluice.ebpf.runtime;

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

    private byte[][] data = new byte[FIRST_DYNAMIC][];
    private boolean[] writable = new boolean[FIRST_DYNAMIC];
    private int count = FIRST_DYNAMIC;

    public static long pointer(int region, int offset) {
        return (long) region << 32 | (offset & 0xffffffffL);
    }

    public static long stackPointer(int frame) {
        return pointer(STACK0 + frame, STACK_SIZE);
    }

    public void set(int region, byte[] bytes, boolean canWrite) {
        data[region] = bytes;
        writable[region] = canWrite;
    }

    /** The stack of frame {@code frame}, allocated (zeroed) the first time a run enters that depth. */
    public void enterFrame(int frame) {
        if (data[STACK0 + frame] == null) {
            allocateStack(frame);
        }
    }

    @TruffleBoundary(allowInlining = true)
    private void allocateStack(int frame) {
        data[STACK0 + frame] = new byte[STACK_SIZE];
        writable[STACK0 + frame] = true;
    }

    /** The bytes of a region, or null when {@code region} names none. */
    public byte[] region(int region) {
        if (region > 0 && region < count) {
            return data[region];
        }
        if (region >= MAP_VALUES && region != FunctionAddress.TAG && region != MapAddress.TAG) {
            return mapValue(region);
        }
        return null;
    }

    private byte[] mapValue(int region) {
        int map = (region >>> 24) & 0x3f;
        return map < maps.length ? maps[map].valueAt(region & 0xffffff) : null;
    }

    public boolean writable(int region) {
        return region >= MAP_VALUES || writable[region];
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
            return "stack of frame " + (region - STACK0) + " (r10" + (offset - STACK_SIZE < 0 ? "" : "+") + (offset - STACK_SIZE) + ")";
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
