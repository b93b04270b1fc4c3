package dev.sluice.inetdiag.lower;

/**
 * A checked program as the interpreter runs it: the ops of the yes chain, numbered 0..n-1, with their targets as op
 * numbers ({@link #accept} = n when control reaches the end, {@link #reject} = n + 1 when it goes 4 bytes past it)
 * and their conditions decoded. {@code offsets[i]} is op i's byte offset, for messages and tracing.
 */
public record LoweredFilter(
        int[] codes,
        int[] yesTargets,
        int[] noTargets,
        int[] offsets,
        int[] ports,
        int[] families,
        int[] prefixes,
        int[] values,
        int[] masks,
        int[][] addresses,
        long[] cgroups,
        byte[] bytecode) {

    public int size() {
        return codes.length;
    }

    public int accept() {
        return codes.length;
    }

    public int reject() {
        return codes.length + 1;
    }
}
