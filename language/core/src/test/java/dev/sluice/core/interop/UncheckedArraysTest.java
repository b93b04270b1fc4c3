package dev.sluice.core.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link UncheckedArrays} against Java's checked accessors: the batch roots count accepted inputs with
 * {@code nonzero}, which must be exactly {@code v != 0}; classic BPF's packet loads read big-endian through it.
 */
class UncheckedArraysTest {
    @Test
    void nonzeroIsOneExactlyForNonzeroValues() {
        int[] edges = {0, 1, -1, 2, Integer.MIN_VALUE, Integer.MAX_VALUE, Integer.MIN_VALUE + 1, 0x40000};
        for (int v : edges) {
            assertEquals(v != 0 ? 1 : 0, UncheckedArrays.nonzero(v), "int " + v);
            assertEquals(v != 0 ? 1L : 0L, UncheckedArrays.nonzero((long) v), "long " + v);
        }
        long[] longEdges = {Long.MIN_VALUE, Long.MAX_VALUE, 1L << 32, 0xffffffffL, -1L << 32};
        for (long v : longEdges) {
            assertEquals(1L, UncheckedArrays.nonzero(v), "long " + v);
        }
        SplittableRandom rnd = new SplittableRandom(3);
        for (int i = 0; i < 100_000; i++) {
            int v = rnd.nextInt(4) == 0 ? 0 : rnd.nextInt();
            assertEquals(v != 0 ? 1 : 0, UncheckedArrays.nonzero(v));
            long w = rnd.nextInt(4) == 0 ? 0 : rnd.nextLong();
            assertEquals(w != 0 ? 1L : 0L, UncheckedArrays.nonzero(w));
        }
    }

    @Test
    void elementsAreReadAndWrittenInPlace() {
        int[] ints = {7, -8, Integer.MIN_VALUE, 42};
        for (int i = 0; i < ints.length; i++) {
            assertEquals(ints[i], UncheckedArrays.intAt(ints, i));
        }
        UncheckedArrays.putInt(ints, 2, 99);
        assertArrayEquals(new int[] {7, -8, 99, 42}, ints);
        long[] longs = new long[3];
        UncheckedArrays.putLong(longs, 1, Long.MIN_VALUE + 5);
        assertArrayEquals(new long[] {0, Long.MIN_VALUE + 5, 0}, longs);
    }

    @Test
    void byteReadsAreJavasBigEndianReadsAtEveryOffset() {
        byte[] data = new byte[67];
        new java.util.Random(5).nextBytes(data);
        ByteBuffer big = ByteBuffer.wrap(data).order(ByteOrder.BIG_ENDIAN);
        ByteBuffer little = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        for (int at = 0; at < data.length; at++) {
            assertEquals(data[at] & 0xff, UncheckedArrays.getUnsignedByte(data, at), "byte at " + at);
            assertEquals(data[at] & 0xffL, UncheckedArrays.read(data, at, 1), "read 1 at " + at);
            if (at + 2 <= data.length) {
                assertEquals(big.getShort(at) & 0xffff, UncheckedArrays.getUnsignedShort(data, at), "half at " + at);
                assertEquals(big.getShort(at) & 0xffffL, UncheckedArrays.read(data, at, 2), "read 2 at " + at);
            }
            if (at + 4 <= data.length) {
                assertEquals(big.getInt(at), UncheckedArrays.getInt(data, at), "word at " + at);
                assertEquals(little.getInt(at), UncheckedArrays.getIntLittleEndian(data, at), "le word at " + at);
                assertEquals(big.getInt(at) & 0xffffffffL, UncheckedArrays.read(data, at, 4), "read 4 at " + at);
            }
        }
    }

    @Test
    void littleEndianReadsAndWritesAreJavasAtEveryOffsetAndSize() {
        byte[] data = new byte[45];
        new java.util.Random(9).nextBytes(data);
        ByteBuffer little = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        for (int at = 0; at < data.length; at++) {
            assertEquals(data[at] & 0xffL, UncheckedArrays.readLittleEndian(data, at, 1), "1 at " + at);
            if (at + 2 <= data.length) {
                assertEquals(
                        little.getShort(at) & 0xffffL, UncheckedArrays.readLittleEndian(data, at, 2), "2 at " + at);
            }
            if (at + 4 <= data.length) {
                assertEquals(
                        little.getInt(at) & 0xffffffffL, UncheckedArrays.readLittleEndian(data, at, 4), "4 at " + at);
            }
            if (at + 8 <= data.length) {
                assertEquals(little.getLong(at), UncheckedArrays.readLittleEndian(data, at, 8), "8 at " + at);
            }
        }
        long value = 0x8877665544332211L;
        for (int size : new int[] {1, 2, 4, 8}) {
            byte[] out = new byte[12];
            UncheckedArrays.writeLittleEndian(out, 3, size, value);
            byte[] expected = new byte[12];
            for (int i = 0; i < size; i++) {
                expected[3 + i] = (byte) (value >>> (8 * i));
            }
            assertArrayEquals(expected, out, "write of " + size);
        }
    }
}
