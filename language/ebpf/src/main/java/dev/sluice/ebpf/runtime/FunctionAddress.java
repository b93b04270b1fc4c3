package dev.sluice.ebpf.runtime;

/**
 * The value of a function address (lddw src 4) in a register: a tag that no memory region has, and the function's
 * index. Like a data pointer it is not a host address; a load or store through it is an invalid access, and callx
 * accepts it.
 */
public final class FunctionAddress {
    public static final int TAG = 0x7fffffff;

    private FunctionAddress() {}

    public static long of(int function) {
        return (long) TAG << 32 | function;
    }

    public static boolean is(long value) {
        return (value >>> 32) == TAG;
    }

    public static int function(long value) {
        return (int) value;
    }
}
