package dev.sluice.ebpf.nodes;

import java.lang.reflect.Field;
import sun.misc.Unsafe;

/**
 * Element reads and writes of a batch's host arrays ({@code offsets}, {@code lengths}, {@code results}) <em>without a
 * bounds check of their own</em>. These arrays are the embedder's arguments, not guest memory: the batch checks once,
 * before its loop, that each is long enough for every index the loop uses, so Java's check of each element (a compare
 * and a branch per array per packet, and the array's length kept live across the program's run) proves nothing more.
 * Guest memory accesses never come here: they keep their guards and Java's checks (docs/ebpf-verifier.md, "What
 * stays, and why").
 *
 * <p>Callers must guarantee {@code 0 <= index < array.length}.
 */
final class HostArrays {
    private static final Unsafe UNSAFE = unsafe();
    private static final long INTS = Unsafe.ARRAY_INT_BASE_OFFSET;
    private static final long INT_SCALE = Unsafe.ARRAY_INT_INDEX_SCALE;
    private static final long LONGS = Unsafe.ARRAY_LONG_BASE_OFFSET;
    private static final long LONG_SCALE = Unsafe.ARRAY_LONG_INDEX_SCALE;

    private HostArrays() {}

    static int intAt(int[] array, int index) {
        return UNSAFE.getInt(array, INTS + index * INT_SCALE);
    }

    static void putLong(long[] array, int index, long value) {
        UNSAFE.putLong(array, LONGS + index * LONG_SCALE, value);
    }

    private static Unsafe unsafe() {
        try {
            Field f = Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            return (Unsafe) f.get(null);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
