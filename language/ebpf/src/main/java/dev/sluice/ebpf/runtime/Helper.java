package dev.sluice.ebpf.runtime;

import java.util.EnumSet;
import java.util.Set;

import dev.sluice.ebpf.isa.ProgramType;

/** Helper functions by their Linux ids ({@code enum bpf_func_id} in include/uapi/linux/bpf.h). */
public enum Helper {
    KTIME_GET_NS(5, "ktime_get_ns"),
    GET_PRANDOM_U32(7, "get_prandom_u32"),
    GET_SMP_PROCESSOR_ID(8, "get_smp_processor_id");

    public final int id;
    public final String linuxName;

    Helper(int id, String linuxName) {
        this.id = id;
        this.linuxName = linuxName;
    }

    /** The helper table of a program type: the helpers its programs may call. */
    public static Set<Helper> forType(ProgramType type) {
        return switch (type) {
            case RAW -> EnumSet.of(KTIME_GET_NS, GET_PRANDOM_U32, GET_SMP_PROCESSOR_ID);
        };
    }

    /** The helper with Linux id {@code id} in the table of {@code type}, or null. */
    public static Helper lookup(ProgramType type, long id) {
        for (Helper h : forType(type)) {
            if (h.id == id) {
                return h;
            }
        }
        return null;
    }
}
