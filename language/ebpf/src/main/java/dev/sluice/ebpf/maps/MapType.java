package dev.sluice.ebpf.maps;

import java.util.Locale;

/** Map types by their Linux ids ({@code enum bpf_map_type} in include/uapi/linux/bpf.h). */
public enum MapType {
    HASH(1, "hash"),
    ARRAY(2, "array"),
    PROG_ARRAY(3, "prog_array"),
    PERCPU_HASH(5, "percpu_hash"),
    PERCPU_ARRAY(6, "percpu_array"),
    LRU_HASH(9, "lru_hash"),
    LRU_PERCPU_HASH(10, "lru_percpu_hash");

    public final int linuxId;
    public final String id;

    MapType(int linuxId, String id) {
        this.linuxId = linuxId;
        this.id = id;
    }

    public boolean isArray() {
        return this == ARRAY || this == PERCPU_ARRAY || this == PROG_ARRAY;
    }

    public boolean isLru() {
        return this == LRU_HASH || this == LRU_PERCPU_HASH;
    }

    public static MapType fromLinuxId(int id) {
        for (MapType t : values()) {
            if (t.linuxId == id) {
                return t;
            }
        }
        return null;
    }

    /** By name ({@code array}, {@code BPF_MAP_TYPE_ARRAY}) or Linux id; null when unknown. */
    public static MapType fromName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.startsWith("bpf_map_type_")) {
            n = n.substring("bpf_map_type_".length());
        }
        for (MapType t : values()) {
            if (t.id.equals(n)) {
                return t;
            }
        }
        try {
            return fromLinuxId(Integer.parseInt(n));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
