package dev.sluice.ebpf.runtime;

/**
 * The value of a map reference (lddw src 1 or 5) in a register: a tag no memory region has, and the map's index in
 * the program's map table. Only helpers accept it; a load or store through it is an invalid access.
 */
public final class MapAddress {
    public static final int TAG = 0x7ffffffe;

    private MapAddress() {}

    public static long of(int map) {
        return (long) TAG << 32 | map;
    }

    public static boolean is(long value) {
        return (value >>> 32) == TAG;
    }

    public static int map(long value) {
        return (int) value;
    }
}
