package dev.sluice.bpf.formats;

import java.util.Arrays;

/** Maps a character offset of a text to its 1-based line and column. */
final class Positions {
    private final int[] lineStarts;

    Positions(String text) {
        int count = 1;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                count++;
            }
        }
        lineStarts = new int[count];
        int l = 1;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                lineStarts[l++] = i + 1;
            }
        }
    }

    int line(int offset) {
        int idx = Arrays.binarySearch(lineStarts, offset);
        return (idx >= 0 ? idx : -idx - 2) + 1;
    }

    int column(int offset) {
        return offset - lineStarts[line(offset) - 1] + 1;
    }
}
