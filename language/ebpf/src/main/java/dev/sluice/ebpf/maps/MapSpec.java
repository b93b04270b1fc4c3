package dev.sluice.ebpf.maps;

import java.util.ArrayList;
import java.util.List;

/**
 * A map definition: what an ELF object's {@code .maps} section or the {@code ebpf.Maps} option declares.
 * Option syntax: {@code name:type:keySize:valueSize:maxEntries}, definitions separated by {@code ,}; their positions
 * are the fds a program's {@code lddw ... map_fd N} refers to.
 */
public record MapSpec(String name, MapType type, int keySize, int valueSize, int maxEntries, int flags) {
    /** BPF_F_RDONLY_PROG (include/uapi/linux/bpf.h): programs may read the map's values but not write them. */
    public static final int READ_ONLY_PROG = 1 << 7;

    public MapSpec(String name, MapType type, int keySize, int valueSize, int maxEntries) {
        this(name, type, keySize, valueSize, maxEntries, 0);
    }

    /** True when programs may not write the map (stores, atomics, update and delete): libbpf's {@code .rodata}. */
    public boolean readOnlyForProgram() {
        return (flags & READ_ONLY_PROG) != 0;
    }
    /** Entries of one map, at most: value pointers keep the entry index in 24 bits. */
    public static final int MAX_ENTRIES = 1 << 24;
    /** Key and value sizes, at most (the kernel's KMALLOC_MAX_SIZE is larger; this keeps copies small). */
    public static final int MAX_SIZE = 1 << 16;

    /**
     * A map name as a message quotes it: names come from ELF objects and options, so control characters are shown as
     * \\xNN (the message stays one line) and a name longer than 64 characters is clipped.
     */
    public static String printable(String name) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < name.length() && sb.length() < 64; i++) {
            char c = name.charAt(i);
            sb.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c) : String.valueOf(c));
        }
        return sb.length() < 64 || name.length() <= 64 ? sb.toString() : sb.substring(0, 61) + "...";
    }

    /** Checks the sizes as the kernel's map_create does; returns an error text or null. */
    public String problem() {
        if (keySize <= 0 || keySize > MAX_SIZE || valueSize <= 0 || valueSize > MAX_SIZE) {
            return "map '" + printable(name) + "': key and value sizes must be 1.." + MAX_SIZE + " (got " + keySize
                    + " and " + valueSize + ")";
        }
        if (maxEntries <= 0 || maxEntries > MAX_ENTRIES) {
            return "map '" + printable(name) + "': max_entries must be 1.." + MAX_ENTRIES + " (got " + maxEntries + ")";
        }
        if (type.isArray() && keySize != 4) {
            return "map '" + printable(name) + "': an " + type.id + " map needs 4-byte keys (got " + keySize + ")";
        }
        if (type == MapType.PROG_ARRAY && valueSize != 4) {
            return "map '" + printable(name) + "': a prog_array map needs 4-byte values (got " + valueSize + ")";
        }
        return null;
    }

    /** Parses the {@code ebpf.Maps} option; throws IllegalArgumentException with the reason. */
    public static List<MapSpec> parseList(String text) {
        List<MapSpec> specs = new ArrayList<>();
        if (text.isBlank()) {
            return specs;
        }
        for (String def : text.split(",")) {
            String[] f = def.strip().split(":");
            if (f.length != 5) {
                throw new IllegalArgumentException(
                        "'" + printable(def.strip()) + "' is not name:type:keySize:valueSize:maxEntries");
            }
            MapType type = MapType.fromName(f[1]);
            if (type == null) {
                throw new IllegalArgumentException(
                        "'" + printable(f[1])
                                + "' is not a map type (array, hash, percpu_array, percpu_hash, lru_hash, lru_percpu_hash, prog_array)");
            }
            try {
                MapSpec spec =
                        new MapSpec(f[0], type, Integer.parseInt(f[2]), Integer.parseInt(f[3]), Integer.parseInt(f[4]));
                String problem = spec.problem();
                if (problem != null) {
                    throw new IllegalArgumentException(problem);
                }
                specs.add(spec);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "'" + printable(def.strip()) + "': sizes and max entries must be numbers");
            }
        }
        return specs;
    }
}
