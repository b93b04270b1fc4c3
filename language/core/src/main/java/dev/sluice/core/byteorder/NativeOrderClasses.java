package dev.sluice.core.byteorder;

import java.nio.ByteOrder;

/**
 * Classes of a register's values for leaving packet loads in the machine's byte order (classic BPF's
 * {@code lower.NativeOrderPlan}, eBPF's {@code nodes.NativeOrderR0}): a union-find over value nodes, where the values
 * that paths merge into one are joined, each class with the width of the loads that define it and whether something
 * in it needs the plain (big-endian) value. A class is native when all its loads have one width (2 or 4 bytes) and
 * nothing in it needs the plain value.
 */
public final class NativeOrderClasses {
    private static final boolean NATIVE_BIG_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN;
    private static final int CONFLICT = -1;

    private final int[] parent;
    private final boolean[] plain;
    private final int[] width;

    /** {@code nodes} value nodes, each its own class, with no width and nothing needing it plain. */
    public NativeOrderClasses(int nodes) {
        parent = new int[nodes];
        plain = new boolean[nodes];
        width = new int[nodes];
        for (int i = 0; i < nodes; i++) {
            parent[i] = i;
        }
    }

    private int find(int node) {
        while (parent[node] != node) {
            parent[node] = parent[parent[node]];
            node = parent[node];
        }
        return node;
    }

    /** Joins the classes of two nodes: the value of one may be the value of the other. */
    public void union(int a, int b) {
        int ra = find(a), rb = find(b);
        if (ra != rb) {
            parent[rb] = ra;
            plain[ra] |= plain[rb];
            width[ra] = join(width[ra], width[rb]);
        }
    }

    private static int join(int a, int b) {
        return a == 0 ? b : b == 0 || a == b ? a : CONFLICT;
    }

    /** Something in the node's class needs the plain value (or defines a value of no load). */
    public void markPlain(int node) {
        plain[find(node)] = true;
    }

    /**
     * The node is a register's definition: by a load of {@code bytes} (2 or 4), or by anything else ({@code bytes} 0),
     * whose value is plain.
     */
    public void define(int node, int bytes) {
        int root = find(node);
        if (bytes == 0) {
            plain[root] = true;
        } else {
            width[root] = join(width[root], bytes);
        }
    }

    /** The width of the loads of the node's class (meaningful where {@link #isNative}). */
    public int width(int node) {
        return width[find(node)];
    }

    /** Only loads of one width define the node's class and nothing in it needs the plain value. */
    public boolean isNative(int node) {
        int root = find(node);
        return !plain[root] && width[root] > 0;
    }

    /** A value of {@code bytes} (2 or 4) in the machine's order, given its plain (big-endian) value, zero-extended. */
    public static long toNative(long value, int bytes) {
        if (NATIVE_BIG_ENDIAN) {
            return value;
        }
        return bytes == 4
                ? Integer.reverseBytes((int) value) & 0xffffffffL
                : (Integer.reverseBytes((int) value) >>> 16) & 0xffffL;
    }
}
