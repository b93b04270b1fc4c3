package dev.sluice.core.interop;

import java.lang.reflect.Field;
import sun.misc.Unsafe;

/**
 * Element reads and writes of a batch's host arrays (the embedder's {@code offsets}, {@code lengths} and verdicts or
 * results) <em>without a bounds check of their own</em>, for batch loops that checked once, before the loop, that
 * every index they use lies in each array. Java's check of each element would otherwise stay in the loop (the batch
 * loops are not recognised as counted loops): a compare and a branch per array per input, and the array's length kept
 * live across the program's run. Guest memory never comes here: the languages' own memory accesses keep their checks.
 *
 * <p>Callers must guarantee {@code 0 <= index < array.length}.
 */
public final class HostArrays {
    private static final Unsafe UNSAFE = unsafe();
    private static final long INT_BASE = Unsafe.ARRAY_INT_BASE_OFFSET;
    private static final long INT_SCALE = Unsafe.ARRAY_INT_INDEX_SCALE;
    private static final long LONG_BASE = Unsafe.ARRAY_LONG_BASE_OFFSET;
    private static final long LONG_SCALE = Unsafe.ARRAY_LONG_INDEX_SCALE;

    private HostArrays() {}

    public static int intAt(int[] array, int index) {
        return UNSAFE.getInt(array, INT_BASE + INT_SCALE * index);
    }

    public static void putInt(int[] array, int index, int value) {
        UNSAFE.putInt(array, INT_BASE + INT_SCALE * index, value);
    }

    public static void putLong(long[] array, int index, long value) {
        UNSAFE.putLong(array, LONG_BASE + LONG_SCALE * index, value);
    }

    /**
     * 1 if {@code v} is nonzero, else 0, without a branch ({@code v | -v} has its sign bit set exactly when {@code v}
     * is nonzero): a batch's count of accepted inputs, where a branch would follow the verdict and mispredict wherever
     * the verdicts change.
     */
    public static int nonzero(int v) {
        return (v | -v) >>> 31;
    }

    /** The same for a 64-bit result. */
    public static long nonzero(long v) {
        return (v | -v) >>> 63;
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
