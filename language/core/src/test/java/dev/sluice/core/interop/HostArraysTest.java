package dev.sluice.core.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The batch roots count accepted inputs with {@link HostArrays#nonzero}; it must be exactly {@code v != 0}. */
class HostArraysTest {
    @Test
    void nonzeroIsOneExactlyForNonzeroValues() {
        int[] edges = {0, 1, -1, 2, Integer.MIN_VALUE, Integer.MAX_VALUE, Integer.MIN_VALUE + 1, 0x40000};
        for (int v : edges) {
            assertEquals(v != 0 ? 1 : 0, HostArrays.nonzero(v), "int " + v);
            assertEquals(v != 0 ? 1L : 0L, HostArrays.nonzero((long) v), "long " + v);
        }
        long[] longEdges = {Long.MIN_VALUE, Long.MAX_VALUE, 1L << 32, 0xffffffffL, -1L << 32};
        for (long v : longEdges) {
            assertEquals(1L, HostArrays.nonzero(v), "long " + v);
        }
        SplittableRandom rnd = new SplittableRandom(3);
        for (int i = 0; i < 100_000; i++) {
            int v = rnd.nextInt(4) == 0 ? 0 : rnd.nextInt();
            assertEquals(v != 0 ? 1 : 0, HostArrays.nonzero(v));
            long w = rnd.nextInt(4) == 0 ? 0 : rnd.nextLong();
            assertEquals(w != 0 ? 1L : 0L, HostArrays.nonzero(w));
        }
    }

    @Test
    void elementsAreReadAndWrittenInPlace() {
        int[] ints = {7, -8, Integer.MIN_VALUE, 42};
        for (int i = 0; i < ints.length; i++) {
            assertEquals(ints[i], HostArrays.intAt(ints, i));
        }
        HostArrays.putInt(ints, 2, 99);
        assertArrayEquals(new int[] {7, -8, 99, 42}, ints);
        long[] longs = new long[3];
        HostArrays.putLong(longs, 1, Long.MIN_VALUE + 5);
        assertArrayEquals(new long[] {0, Long.MIN_VALUE + 5, 0}, longs);
    }
}
