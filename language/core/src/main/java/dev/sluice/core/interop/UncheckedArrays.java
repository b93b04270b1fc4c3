package dev.sluice.core.interop;

import java.lang.reflect.Field;
import java.nio.ByteOrder;
import sun.misc.Unsafe;

/**
 * Reads and writes of host arrays <em>without a bounds check of their own</em>, where a check made once has already
 * proven every index in bounds: the one place Sluice uses {@code sun.misc.Unsafe}. Java's check of each element would
 * otherwise stay in compiled code (Graal cannot relate it to the earlier check): a compare and a branch per access.
 * <ul>
 * <li>A batch's host arrays (offsets, lengths, verdicts or results), after the batch root checked before its loop
 * that every index the loop uses lies in each array (bpf {@code BatchRootNode}, eBPF {@code ProgramRootNode}). The
 * loops are not recognised as counted loops, so Java's checks would stay in them.</li>
 * <li>Classic BPF packet loads, big-endian, after the packet's span was checked once per packet and each load by the
 * program's own rule ({@code FilterBodyNode}). Truffle's own {@code ByteArraySupport} reads through the same
 * {@code Unsafe} after its check.</li>
 * <li>eBPF's legacy packet loads (LD_ABS, LD_IND), after the load's own rule, checked at run time as classic BPF's,
 * on a region whose array bounds {@code Memory}'s setters checked ({@code MemoryGuard.loadPacket}).</li>
 * <li>eBPF's loads and stores the verifier proved inside the packet or a stack, after one compare of the access with
 * the region's actual bounds, so that even a wrong proof stays inside this run's packet, or inside the stacks' array
 * ({@code MemoryGuard.provenInside}). Map values keep Java's checks (docs/ebpf-verifier.md).</li>
 * </ul>
 *
 * <p>Callers must guarantee {@code 0 <= index < array.length}, and for byte reads {@code 0 <= at} and
 * {@code at + size <= data.length}.
 */
public final class UncheckedArrays {
    private static final Unsafe UNSAFE = unsafe();
    private static final long BYTE_BASE = Unsafe.ARRAY_BYTE_BASE_OFFSET;
    private static final long INT_BASE = Unsafe.ARRAY_INT_BASE_OFFSET;
    private static final long INT_SCALE = Unsafe.ARRAY_INT_INDEX_SCALE;
    private static final long LONG_BASE = Unsafe.ARRAY_LONG_BASE_OFFSET;
    private static final long LONG_SCALE = Unsafe.ARRAY_LONG_INDEX_SCALE;
    private static final boolean NATIVE_BIG_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN;

    private UncheckedArrays() {}

    public static int intAt(int[] array, int index) {
        return UNSAFE.getInt(array, INT_BASE + INT_SCALE * index);
    }

    /**
     * A load fence: on x86 it emits no instruction, but compiled code may move no read across it, so a read after it
     * is not hoisted out of a loop around it.
     */
    public static void loadFence() {
        UNSAFE.loadFence();
    }

    public static void putInt(int[] array, int index, int value) {
        UNSAFE.putInt(array, INT_BASE + INT_SCALE * index, value);
    }

    public static void putLong(long[] array, int index, long value) {
        UNSAFE.putLong(array, LONG_BASE + LONG_SCALE * index, value);
    }

    /** The big-endian int at {@code at}: a load and a byte swap. */
    public static int getInt(byte[] data, long at) {
        int v = UNSAFE.getInt(data, BYTE_BASE + at);
        return NATIVE_BIG_ENDIAN ? v : Integer.reverseBytes(v);
    }

    /** The int at {@code at} in the machine's byte order: a load (FilterBodyNode's native-order loads). */
    public static int getIntNative(byte[] data, long at) {
        return UNSAFE.getInt(data, BYTE_BASE + at);
    }

    /** The unsigned halfword at {@code at} in the machine's byte order: a zero-extending load. */
    public static int getUnsignedShortNative(byte[] data, long at) {
        return UNSAFE.getChar(data, BYTE_BASE + at);
    }

    /** The unsigned value of {@code size} (1, 2 or 4) bytes at {@code at}, in the machine's byte order. */
    public static long readNative(byte[] data, long at, int size) {
        return switch (size) {
            case 4 -> getIntNative(data, at) & 0xffffffffL;
            case 2 -> getUnsignedShortNative(data, at);
            default -> getUnsignedByte(data, at);
        };
    }

    public static int getIntLittleEndian(byte[] data, long at) {
        int v = UNSAFE.getInt(data, BYTE_BASE + at);
        return NATIVE_BIG_ENDIAN ? Integer.reverseBytes(v) : v;
    }

    public static int getUnsignedShort(byte[] data, long at) {
        char v = UNSAFE.getChar(data, BYTE_BASE + at);
        // Swapped as an int and shifted unsigned: already zero-extended, where Character.reverseBytes compiles to a
        // signed shift and one more instruction to zero-extend the result.
        return NATIVE_BIG_ENDIAN ? v : Integer.reverseBytes(v) >>> 16;
    }

    public static int getUnsignedByte(byte[] data, long at) {
        return UNSAFE.getByte(data, BYTE_BASE + at) & 0xff;
    }

    /** The unsigned big-endian value of {@code size} (1, 2 or 4) bytes at {@code at}. */
    public static long read(byte[] data, long at, int size) {
        return switch (size) {
            case 4 -> getInt(data, at) & 0xffffffffL;
            case 2 -> getUnsignedShort(data, at);
            default -> getUnsignedByte(data, at);
        };
    }

    /** The zero-extended little-endian value of {@code size} (1, 2, 4 or 8) bytes at {@code at}. */
    public static long readLittleEndian(byte[] data, long at, int size) {
        long address = BYTE_BASE + at;
        return switch (size) {
            case 8 ->
                NATIVE_BIG_ENDIAN ? Long.reverseBytes(UNSAFE.getLong(data, address)) : UNSAFE.getLong(data, address);
            case 4 -> getIntLittleEndian(data, at) & 0xffffffffL;
            case 2 -> {
                char v = UNSAFE.getChar(data, address);
                yield NATIVE_BIG_ENDIAN ? Character.reverseBytes(v) : v;
            }
            default -> getUnsignedByte(data, at);
        };
    }

    /** Stores the low {@code size} (1, 2, 4 or 8) bytes of {@code value} little-endian at {@code at}. */
    public static void writeLittleEndian(byte[] data, long at, int size, long value) {
        long address = BYTE_BASE + at;
        switch (size) {
            case 8 -> UNSAFE.putLong(data, address, NATIVE_BIG_ENDIAN ? Long.reverseBytes(value) : value);
            case 4 -> UNSAFE.putInt(data, address, NATIVE_BIG_ENDIAN ? Integer.reverseBytes((int) value) : (int) value);
            case 2 ->
                UNSAFE.putChar(data, address, NATIVE_BIG_ENDIAN ? Character.reverseBytes((char) value) : (char) value);
            default -> UNSAFE.putByte(data, address, (byte) value);
        }
    }

    /**
     * 1 if {@code v} is nonzero, else 0: a batch's count of accepted inputs. Graal compiles the conditional to
     * {@code test; setne; movzx}, no branch (a branch would follow the verdict and mispredict wherever the verdicts
     * change), one instruction and two dependent steps fewer than the arithmetic {@code (v | -v) >>> 31}.
     */
    public static int nonzero(int v) {
        return v != 0 ? 1 : 0;
    }

    /** The same for a 64-bit result. */
    public static long nonzero(long v) {
        return v != 0 ? 1L : 0L;
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
