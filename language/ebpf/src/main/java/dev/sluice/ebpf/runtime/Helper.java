package dev.sluice.ebpf.runtime;

import dev.sluice.ebpf.isa.ProgramType;
import java.util.EnumSet;
import java.util.Set;

/** Helper functions by their Linux ids ({@code enum bpf_func_id} in include/uapi/linux/bpf.h). */
public enum Helper {
    MAP_LOOKUP_ELEM(1, "map_lookup_elem"),
    MAP_UPDATE_ELEM(2, "map_update_elem"),
    MAP_DELETE_ELEM(3, "map_delete_elem"),
    KTIME_GET_NS(5, "ktime_get_ns"),
    TRACE_PRINTK(6, "trace_printk"),
    GET_PRANDOM_U32(7, "get_prandom_u32"),
    GET_SMP_PROCESSOR_ID(8, "get_smp_processor_id"),
    TAIL_CALL(12, "tail_call"),
    SKB_LOAD_BYTES(26, "skb_load_bytes");

    public final int id;
    public final String linuxName;

    Helper(int id, String linuxName) {
        this.id = id;
        this.linuxName = linuxName;
    }

    /** The helper table of a program type: the helpers its programs may call. */
    public static Set<Helper> forType(ProgramType type) {
        Set<Helper> common = EnumSet.of(
                MAP_LOOKUP_ELEM,
                MAP_UPDATE_ELEM,
                MAP_DELETE_ELEM,
                KTIME_GET_NS,
                TRACE_PRINTK,
                GET_PRANDOM_U32,
                GET_SMP_PROCESSOR_ID,
                TAIL_CALL);
        if (type == ProgramType.SOCKET_FILTER) {
            common.add(SKB_LOAD_BYTES);
        }
        return common;
    }

    /** The helper with Linux id {@code id} in the table of {@code type}, or null. */
    public static Helper lookup(ProgramType type, long id) {
        for (Helper h : TABLES[type.ordinal()]) {
            if (h.id == id) {
                return h;
            }
        }
        return null;
    }

    private static final Helper[][] TABLES = new Helper[ProgramType.values().length][];

    static {
        for (ProgramType t : ProgramType.values()) {
            TABLES[t.ordinal()] = forType(t).toArray(new Helper[0]);
        }
    }
}
