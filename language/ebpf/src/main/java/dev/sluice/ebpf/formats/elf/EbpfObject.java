package dev.sluice.ebpf.formats.elf;

import java.util.List;

/**
 * An eBPF ELF object after loading: its maps and its programs, each program a self-contained instruction stream.
 *
 * <p>In a program's instructions, every map reference is an LDDW whose source is {@link #PSEUDO_MAP_IDX} and whose
 * immediate is the map's index in {@link #maps()} (the kernel's BPF_PSEUDO_MAP_IDX convention, used with fd_array),
 * every reference to global data is an LDDW whose source is {@link #PSEUDO_MAP_IDX_VALUE} (map index, then the offset
 * in its value), and every bpf-to-bpf call is a pseudo call (src 1) with a pc-relative immediate to a function appended after the
 * program's own code, as libbpf lays programs out.
 */
public record EbpfObject(String fileName, List<MapDefinition> maps, List<ObjectProgram> programs, String license) {
    /** BPF_PSEUDO_MAP_IDX from include/uapi/linux/bpf.h: imm is an index into the object's maps. */
    public static final int PSEUDO_MAP_IDX = 5;
    /** BPF_PSEUDO_CALL: imm is the pc-relative offset of a local function. */
    public static final int PSEUDO_CALL = 1;

    /**
     * A map as the object defines it; {@code type} is Linux's enum bpf_map_type. A global-data section
     * ({@code .data}, {@code .rodata}, {@code .bss} and their {@code .name} variants) is a one-entry array map, as
     * libbpf makes it, whose value starts as {@code initialValue} (the section's bytes; zeros for {@code .bss});
     * {@code initialValue} is null for other maps.
     */
    public record MapDefinition(
            String name,
            int type,
            int keySize,
            int valueSize,
            int maxEntries,
            int flags,
            String section,
            byte[] initialValue) {
        public MapDefinition(
                String name, int type, int keySize, int valueSize, int maxEntries, int flags, String section) {
            this(name, type, keySize, valueSize, maxEntries, flags, section, null);
        }

        public boolean isGlobalData() {
            return initialValue != null;
        }
    }

    /** BPF_PSEUDO_MAP_IDX_VALUE: imm is an index into the object's maps, the next slot's imm an offset in its value. */
    public static final int PSEUDO_MAP_IDX_VALUE = 6;
    /** BPF_MAP_TYPE_ARRAY, the type of a global-data map. */
    public static final int MAP_TYPE_ARRAY = 2;
    /** BPF_F_RDONLY_PROG: set on {@code .rodata} maps, as libbpf does. */
    public static final int F_RDONLY_PROG = 1 << 7;

    /**
     * A program: its section (e.g. {@code xdp}, {@code socket}), its function name, the program type the section
     * name implies, and its instructions as little-endian 8-byte slots after relocation.
     */
    public record ObjectProgram(String section, String name, ProgramKind kind, byte[] code) {
        public int slots() {
            return code.length / 8;
        }
    }

    /** The program types an object's section names select (libbpf's names). */
    public enum ProgramKind {
        SOCKET_FILTER,
        XDP,
        RAW
    }

    /** The program in a section, or null; a section with several functions is asked for by {@code section/name}. */
    public ObjectProgram program(String sectionOrName) {
        for (ObjectProgram p : programs) {
            if (p.section().equals(sectionOrName)
                    || (p.section() + "/" + p.name()).equals(sectionOrName)
                    || p.name().equals(sectionOrName)) {
                return p;
            }
        }
        return null;
    }
}
