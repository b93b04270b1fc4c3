package dev.sluice.bpf.nodes;

import java.lang.reflect.Field;
import java.nio.ByteOrder;
import sun.misc.Unsafe;

/**
 * Big-endian reads from a packet's bytes <em>without a bounds check of their own</em>, for packet loads that checks
 * done once per packet have already proven in bounds ({@code FilterBodyNode}: the packet's span lies in the array,
 * checked once per packet, and the load lies in the span, by the program's own rule or, for absolute loads, by one
 * length check per packet). Java's check of {@code data[start + k]} is against {@code data.length}, which Graal cannot
 * relate to those checks, so each load would otherwise pay two more compares and branches; these reads compile to a
 * load and a byte swap. Truffle's own {@code ByteArraySupport} reads through the same {@code Unsafe} after its check.
 *
 * <p>Callers must guarantee {@code 0 <= at} and {@code at + size <= data.length}.
 */
final class UncheckedReads {
    private static final Unsafe UNSAFE = unsafe();
    private static final long BASE = Unsafe.ARRAY_BYTE_BASE_OFFSET;
    private static final boolean NATIVE_BIG_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN;

    private UncheckedReads() {}

    static int getInt(byte[] data, int at) {
        int v = UNSAFE.getInt(data, BASE + at);
        return NATIVE_BIG_ENDIAN ? v : Integer.reverseBytes(v);
    }

    static int getIntLittleEndian(byte[] data, int at) {
        int v = UNSAFE.getInt(data, BASE + at);
        return NATIVE_BIG_ENDIAN ? Integer.reverseBytes(v) : v;
    }

    static int getUnsignedShort(byte[] data, int at) {
        char v = UNSAFE.getChar(data, BASE + at);
        return NATIVE_BIG_ENDIAN ? v : Character.reverseBytes(v);
    }

    static int getUnsignedByte(byte[] data, int at) {
        return UNSAFE.getByte(data, BASE + at) & 0xff;
    }

    /** The unsigned value of {@code size} (1, 2 or 4) bytes at {@code at}. */
    static long read(byte[] data, int at, int size) {
        return switch (size) {
            case 4 -> getInt(data, at) & 0xffffffffL;
            case 2 -> getUnsignedShort(data, at);
            default -> getUnsignedByte(data, at);
        };
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
