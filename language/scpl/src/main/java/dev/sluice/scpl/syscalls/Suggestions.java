package dev.sluice.scpl.syscalls;

import java.util.Collection;
import java.util.List;

/** Nearest-name suggestions over any set of names (user definitions), by edit distance. */
public final class Suggestions {
    private Suggestions() {}

    public static List<String> nearest(String unknown, Collection<String> names) {
        return TsvTable.nearest(unknown, names, 5);
    }
}
