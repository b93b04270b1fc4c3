package dev.sluice.ebpf.formats.elf;

import dev.sluice.ebpf.formats.elf.EbpfObject.MapDefinition;
import dev.sluice.ebpf.formats.elf.EbpfObject.ObjectProgram;
import dev.sluice.ebpf.formats.elf.EbpfObject.ProgramKind;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads an eBPF ELF object as clang writes it ({@code clang -target bpf -O2 -g -c}): program sections by name, the
 * functions in {@code .text} they call, maps from {@code .maps} (sizes from BTF) and from the legacy {@code maps}
 * section, and the two relocations programs need: {@code R_BPF_64_64} on an LDDW naming a map, and
 * {@code R_BPF_64_32} on a call naming a function. Global variables ({@code .data}, {@code .rodata}, {@code .bss}) are
 * one-entry array maps, as libbpf makes them, and an LDDW naming one becomes a map-value reference. The relocation rules are libbpf's (a call's target in .text is the
 * symbol's value / 8 + imm + 1; a map is the symbol's offset in its section). Any input either loads or fails with an
 * {@link ElfFormatException} that says where and why; nothing else is thrown.
 */
public final class ElfObjectReader {
    static final int R_BPF_NONE = 0;
    static final int R_BPF_64_64 = 1;
    static final int R_BPF_64_32 = 10;
    private static final int STB_GLOBAL = 1;
    private static final int LDDW = 0x18;
    private static final int CALL = 0x85;
    /** The legacy map record: type, key_size, value_size, max_entries, map_flags (u32 each; later fields ignored). */
    private static final int LEGACY_MAP_MIN = 16;

    private static final int MAX_SLOTS = 1_000_000;
    /** A global-data section is one map value; values are at most this big (MapSpec.MAX_SIZE). */
    private static final int MAX_GLOBAL_DATA = 1 << 16;
    /** Where {@link #mapAt} keeps a global-data section's map: any offset in the section refers to it. */
    private static final long GLOBAL_DATA_KEY = 0xffffffffL;

    private final ElfFile elf;
    private final List<MapDefinition> maps = new ArrayList<>();
    /** Map index by (section index, offset in section) of its symbol. */
    private final Map<Long, Integer> mapAt = new HashMap<>();

    private Btf btf;

    private ElfObjectReader(ElfFile elf) {
        this.elf = elf;
    }

    /** True when the bytes start with the ELF magic (how the launcher tells an object from raw instructions). */
    public static boolean isElf(byte[] bytes) {
        return bytes.length >= 4 && bytes[0] == 0x7f && bytes[1] == 'E' && bytes[2] == 'L' && bytes[3] == 'F';
    }

    public static EbpfObject read(String fileName, byte[] bytes) {
        try {
            ElfObjectReader r = new ElfObjectReader(new ElfFile(fileName, bytes));
            return r.load();
        } catch (ElfFormatException e) {
            throw e;
        } catch (RuntimeException e) {
            // A check is missing somewhere: report the input as malformed rather than leak a host exception.
            throw new ElfFormatException(
                    fileName + ": malformed ELF object (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")",
                    -1,
                    -1,
                    e);
        }
    }

    private static String key(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    /** The program kind a section name selects, or null when the section is not a program section Sluice knows. */
    static ProgramKind kindOf(String section) {
        String base = section.contains("/") ? section.substring(0, section.indexOf('/')) : section;
        return switch (key(base)) {
            case "socket", "socket_filter" -> ProgramKind.SOCKET_FILTER;
            case "xdp" -> ProgramKind.XDP;
            case "raw" -> ProgramKind.RAW;
            default -> null;
        };
    }

    private byte[] contents(ElfFile.Section s) {
        if (s.type() == ElfFile.SHT_NOBITS) {
            throw elf.error(
                    s.offset(),
                    "section '" + s.name() + "' has no contents in the file (SHT_NOBITS) where contents are needed");
        }
        if (s.type() == 0) {
            // SHT_NULL: the section header says there is nothing here, whatever its offset and size fields say
            throw elf.error(
                    -1,
                    "section " + s.index() + " '" + s.name()
                            + "' is of type NULL, so it has no contents where contents are needed");
        }
        elf.need(s.offset(), s.size(), "section '" + s.name() + "'");
        byte[] out = new byte[(int) s.size()];
        System.arraycopy(elf.bytes, (int) s.offset(), out, 0, out.length);
        return out;
    }

    private EbpfObject load() {
        ElfFile.Section btfSection = elf.byName(".BTF");
        if (btfSection != null) {
            if (btfSection.type() == ElfFile.SHT_NOBITS) {
                throw elf.error(btfSection.offset(), "section '.BTF' has no contents (SHT_NOBITS)");
            }
            btf = new Btf(elf, btfSection);
        }
        ElfFile.Section mapsSection = elf.byName(".maps");
        if (mapsSection != null) {
            readBtfMaps(mapsSection);
        }
        ElfFile.Section legacy = elf.byName("maps");
        if (legacy != null) {
            readLegacyMaps(legacy);
        }
        for (ElfFile.Section s : elf.sections) {
            if (isGlobalData(s)) {
                readGlobalData(s);
            }
        }
        ElfFile.Section text = elf.byName(".text");
        List<ObjectProgram> programs = new ArrayList<>();
        for (ElfFile.Section s : elf.sections) {
            if ((s.flags() & ElfFile.SHF_EXECINSTR) == 0
                    || s.size() == 0
                    || s.name().equals(".text")) {
                continue;
            }
            ProgramKind kind = kindOf(s.name());
            if (kind == null) {
                throw elf.error(
                        s.offset(),
                        "section '" + s.name() + "' (index " + s.index()
                                + ") is a program section of a type Sluice does not run (known: socket, xdp, raw, and those followed by /name)");
            }
            programs.addAll(programsIn(s, kind, text, false));
        }
        if (programs.isEmpty() && text != null && text.size() > 0 && hasGlobalFunctions(text)) {
            // No program section: the functions of .text are the programs, of type raw. This is how
            // bpf_conformance's runner writes a test (function "main" in ".text") and how uBPF takes an object.
            programs.addAll(programsIn(text, ProgramKind.RAW, text, true));
        }
        if (programs.isEmpty()) {
            throw elf.error(
                    -1,
                    "no program sections (a function needs SEC(\"xdp\"), SEC(\"socket\") or SEC(\"raw\"), or must be a function in .text)");
        }
        ElfFile.Section licenseSection = elf.byName("license");
        String license = null;
        if (licenseSection != null) {
            byte[] l = contents(licenseSection);
            int n = 0;
            while (n < l.length && l[n] != 0) {
                n++;
            }
            license = new String(l, 0, n, StandardCharsets.UTF_8);
        }
        return new EbpfObject(elf.fileName, List.copyOf(maps), List.copyOf(programs), license);
    }

    private void addMap(MapDefinition def, ElfFile.Section section, long offset) {
        mapAt.put((long) section.index() << 32 | offset, maps.size());
        maps.add(def);
    }

    private void readBtfMaps(ElfFile.Section section) {
        if (btf == null) {
            throw elf.error(
                    section.offset(),
                    "section '.maps' needs BTF to describe its maps, and the object has no '.BTF' section (compile with -g)");
        }
        Btf.Type datasec = btf.datasec(".maps");
        if (datasec == null) {
            throw elf.error(section.offset(), "the BTF has no DATASEC '.maps' describing section '.maps'");
        }
        for (int v = 0; v < datasec.vlen(); v++) {
            Btf.Type var = btf.type(datasec.members()[3 * v], datasec.at());
            long offset = datasec.members()[3 * v + 1] & 0xffffffffL;
            if (var.kind() != Btf.KIND_VAR) {
                throw elf.error(
                        var.at(),
                        "DATASEC '.maps' entry " + v + " is BTF type " + var.id() + " of kind " + var.kind()
                                + ", not a variable");
            }
            Btf.Type def = btf.resolve(btf.type(var.sizeOrType(), var.at()));
            if (def.kind() != Btf.KIND_STRUCT) {
                throw elf.error(
                        def.at(), "map '" + var.name() + "' in '.maps' is not a struct (BTF kind " + def.kind() + ")");
            }
            int type = -1, keySize = -1, valueSize = -1, maxEntries = -1, flags = 0;
            for (int m = 0; m < def.vlen(); m++) {
                String member = def.memberNames()[m];
                Btf.Type mt = btf.resolve(btf.type(def.members()[3 * m + 1], def.at()));
                switch (member) {
                    case "type" -> type = uintMember(var, member, mt);
                    case "max_entries" -> maxEntries = uintMember(var, member, mt);
                    case "key_size" -> keySize = uintMember(var, member, mt);
                    case "value_size" -> valueSize = uintMember(var, member, mt);
                    case "map_flags" -> flags = uintMember(var, member, mt);
                    case "key" -> keySize = typeMember(var, member, mt);
                    case "value" -> valueSize = typeMember(var, member, mt);
                    default ->
                        throw elf.error(
                                def.at(),
                                "map '" + var.name() + "': member '" + member
                                        + "' is not one Sluice reads (type, key, key_size, value, value_size, max_entries, map_flags)");
                }
            }
            if (type < 0 || keySize < 0 || valueSize < 0 || maxEntries < 0) {
                throw elf.error(
                        def.at(),
                        "map '" + var.name()
                                + "' must give type, key or key_size, value or value_size, and max_entries");
            }
            // clang leaves the DATASEC offsets 0 and libbpf takes them from the symbols: do the same.
            for (ElfFile.Symbol sym : elf.symbols) {
                if (sym.sectionIndex() == section.index() && sym.name().equals(var.name())) {
                    offset = sym.value();
                }
            }
            addMap(
                    new MapDefinition(var.name(), type, keySize, valueSize, maxEntries, flags, ".maps"),
                    section,
                    offset);
        }
    }

    /** libbpf's global-data sections: {@code .data}, {@code .rodata}, {@code .bss}, and each of them followed by {@code .name}. */
    static boolean isGlobalData(ElfFile.Section s) {
        if ((s.flags() & ElfFile.SHF_ALLOC) == 0 || (s.flags() & ElfFile.SHF_EXECINSTR) != 0 || s.size() == 0) {
            return false;
        }
        for (String base : new String[] {".data", ".rodata", ".bss"}) {
            if (s.name().equals(base) || s.name().startsWith(base + ".")) {
                return true;
            }
        }
        return false;
    }

    /**
     * A global-data section becomes a one-entry array map whose value is the section, as libbpf makes it: its
     * variables are offsets in that value, and {@code .rodata} is read-only to programs (BPF_F_RDONLY_PROG).
     */
    private void readGlobalData(ElfFile.Section s) {
        if (s.size() > MAX_GLOBAL_DATA) {
            throw elf.error(
                    s.offset(),
                    "global-data section '" + s.name() + "' is " + s.size() + " bytes, more than " + MAX_GLOBAL_DATA
                            + " (one map value)");
        }
        byte[] initial = s.type() == ElfFile.SHT_NOBITS ? new byte[(int) s.size()] : contents(s);
        int flags = s.name().startsWith(".rodata") ? EbpfObject.F_RDONLY_PROG : 0;
        addMap(
                new MapDefinition(s.name(), EbpfObject.MAP_TYPE_ARRAY, 4, initial.length, 1, flags, s.name(), initial),
                s,
                GLOBAL_DATA_KEY);
    }

    /** {@code __uint(name, n)}: a pointer to an array of n ints. */
    private int uintMember(Btf.Type map, String member, Btf.Type t) {
        if (t.kind() == Btf.KIND_PTR) {
            Btf.Type arr = btf.resolve(btf.type(t.sizeOrType(), t.at()));
            if (arr.kind() == Btf.KIND_ARRAY) {
                return arr.arrayLength();
            }
        }
        throw elf.error(
                t.at(),
                "map '" + map.name() + "': member '" + member + "' is not written as __uint(" + member
                        + ", N) (a pointer to an array of N)");
    }

    /** {@code __type(name, T)}: a pointer to T; the size is sizeof(T). */
    private int typeMember(Btf.Type map, String member, Btf.Type t) {
        if (t.kind() != Btf.KIND_PTR) {
            throw elf.error(
                    t.at(),
                    "map '" + map.name() + "': member '" + member + "' is not written as __type(" + member
                            + ", T) (a pointer to T)");
        }
        long size = btf.sizeOf(btf.type(t.sizeOrType(), t.at()));
        if (size > Integer.MAX_VALUE) {
            throw elf.error(t.at(), "map '" + map.name() + "': " + member + " size " + size + " is too large");
        }
        return (int) size;
    }

    private void readLegacyMaps(ElfFile.Section section) {
        byte[] data = contents(section);
        List<ElfFile.Symbol> defs = new ArrayList<>();
        for (ElfFile.Symbol sym : elf.symbols) {
            if (sym.sectionIndex() == section.index()
                    && (sym.type() == ElfFile.STT_OBJECT || sym.type() == 0)
                    && !sym.name().isEmpty()) {
                defs.add(sym);
            }
        }
        if (defs.isEmpty()) {
            throw elf.error(section.offset(), "section 'maps' has no map symbols");
        }
        for (ElfFile.Symbol sym : defs) {
            long off = sym.value();
            if (off < 0 || off > data.length - LEGACY_MAP_MIN || off % 4 != 0) {
                throw elf.error(
                        section.offset(),
                        "legacy map '" + sym.name() + "' at offset " + off + " does not hold a " + LEGACY_MAP_MIN
                                + "-byte struct bpf_map_def inside section 'maps' of " + data.length + " bytes");
            }
            long at = section.offset() + off;
            int flags = off + 20 <= data.length ? elf.u32(at + 16) : 0;
            addMap(
                    new MapDefinition(
                            sym.name(), elf.u32(at), elf.u32(at + 4), elf.u32(at + 8), elf.u32(at + 12), flags, "maps"),
                    section,
                    off);
        }
    }

    private boolean hasGlobalFunctions(ElfFile.Section s) {
        for (ElfFile.Symbol sym : elf.symbols) {
            if (sym.sectionIndex() == s.index() && sym.type() == ElfFile.STT_FUNC && sym.bind() == STB_GLOBAL) {
                return true;
            }
        }
        return false;
    }

    /** One program per global function of the section (or the whole section when it has no function symbols). */
    private List<ObjectProgram> programsIn(
            ElfFile.Section s, ProgramKind kind, ElfFile.Section text, boolean globalOnly) {
        if (s.size() % 8 != 0) {
            throw elf.error(
                    s.offset(),
                    "program section '" + s.name() + "' is " + s.size()
                            + " bytes, not a whole number of 8-byte instructions");
        }
        long[] section = slots(s);
        List<ElfFile.Symbol> functions = new ArrayList<>();
        for (ElfFile.Symbol sym : elf.symbols) {
            if (sym.sectionIndex() == s.index()
                    && sym.type() == ElfFile.STT_FUNC
                    && (!globalOnly || sym.bind() == STB_GLOBAL)) {
                functions.add(sym);
            }
        }
        Map<Integer, ElfFile.Relocation> relocs = relocationsFor(s);
        List<ObjectProgram> out = new ArrayList<>();
        if (functions.isEmpty()) {
            out.add(link(s, kind, s.name(), section, 0, section.length, relocs, text));
            return out;
        }
        for (ElfFile.Symbol f : functions) {
            if (f.value() % 8 != 0
                    || f.size() % 8 != 0
                    || f.value() < 0
                    || f.size() <= 0
                    || f.value() + f.size() > s.size()) {
                throw elf.error(
                        s.offset(),
                        "function '" + f.name() + "' (offset " + f.value() + ", size " + f.size()
                                + ") does not lie on whole instructions inside section '" + s.name() + "' of "
                                + s.size() + " bytes");
            }
            out.add(link(
                    s,
                    kind,
                    f.name(),
                    section,
                    (int) (f.value() / 8),
                    (int) ((f.value() + f.size()) / 8),
                    relocs,
                    text));
        }
        return out;
    }

    private long[] slots(ElfFile.Section s) {
        if (s.type() == ElfFile.SHT_NOBITS) {
            throw elf.error(s.offset(), "program section '" + s.name() + "' has no contents (SHT_NOBITS)");
        }
        if (s.size() / 8 > MAX_SLOTS) {
            throw elf.error(
                    s.offset(),
                    "program section '" + s.name() + "' has " + s.size() / 8 + " instructions, more than " + MAX_SLOTS);
        }
        long[] out = new long[(int) (s.size() / 8)];
        for (int i = 0; i < out.length; i++) {
            out[i] = elf.u64(s.offset() + 8L * i);
        }
        return out;
    }

    /** The relocations of a code section by instruction index. */
    private Map<Integer, ElfFile.Relocation> relocationsFor(ElfFile.Section code) {
        Map<Integer, ElfFile.Relocation> out = new HashMap<>();
        for (ElfFile.Section rel : elf.sections) {
            if ((rel.type() != ElfFile.SHT_REL && rel.type() != ElfFile.SHT_RELA) || rel.info() != code.index()) {
                continue;
            }
            if (rel.link() != 0
                    && (rel.link() < 0
                            || rel.link() >= elf.sections.size()
                            || elf.sections.get(rel.link()).type() != ElfFile.SHT_SYMTAB)) {
                throw elf.error(
                        rel.offset(),
                        "relocation section '" + rel.name() + "' links to section " + rel.link()
                                + ", which is not the symbol table");
            }
            for (ElfFile.Relocation r : elf.relocations(rel)) {
                if (r.offset() % 8 != 0 || r.offset() < 0 || r.offset() >= code.size()) {
                    throw elf.error(
                            r.fileOffset(),
                            "relocation in '" + rel.name() + "' at offset " + r.offset()
                                    + " is not at an instruction of '" + code.name() + "' (" + code.size() + " bytes)");
                }
                if (r.type() == R_BPF_NONE) {
                    continue;
                }
                if (out.put((int) (r.offset() / 8), r) != null) {
                    throw elf.error(
                            r.fileOffset(),
                            "two relocations at instruction " + r.offset() / 8 + " of '" + code.name() + "'");
                }
            }
        }
        return out;
    }

    private ElfFormatException at(ElfFile.Section s, int insn, ElfFile.Relocation r, String message) {
        long offset = r != null ? r.fileOffset() : s.offset() + 8L * insn;
        String where = r != null ? "relocation entry at byte" : "byte";
        return new ElfFormatException(
                String.format(
                        "%s: section '%s', instruction %d (%s 0x%x): %s",
                        elf.fileName, s.name(), insn, where, offset, message),
                offset,
                insn);
    }

    /**
     * Builds one program: the function's slots, then every .text function it reaches (all of .text, once, as libbpf
     * appends it), with map references and call targets resolved.
     */
    private ObjectProgram link(
            ElfFile.Section s,
            ProgramKind kind,
            String name,
            long[] section,
            int from,
            int to,
            Map<Integer, ElfFile.Relocation> relocs,
            ElfFile.Section text) {
        List<Long> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            out.add(section[i]);
        }
        int textBase = -1;
        long[] textSlots = null;
        Map<Integer, ElfFile.Relocation> textRelocs = null;
        // Resolve the program's own slots, then .text's (appended once, at the first call into it).
        List<int[]> pendingCalls = new ArrayList<>(); // {outIndex, targetInText}
        for (int i = from; i < to; i++) {
            resolve(s, section, to, i, i - from, out, relocs.get(i), pendingCalls, false);
        }
        if (!pendingCalls.isEmpty()) {
            if (text == null || text.size() == 0) {
                throw at(s, pendingCalls.get(0)[0] + from, null, "call into '.text', but the object has no .text code");
            }
            if (text.size() % 8 != 0) {
                throw elf.error(
                        text.offset(),
                        "section '.text' is " + text.size() + " bytes, not a whole number of 8-byte instructions");
            }
            textSlots = slots(text);
            textRelocs = relocationsFor(text);
            textBase = out.size();
            for (long slot : textSlots) {
                out.add(slot);
            }
            for (int i = 0; i < textSlots.length; i++) {
                resolve(text, textSlots, textSlots.length, i, textBase + i, out, textRelocs.get(i), pendingCalls, true);
            }
            for (int[] call : pendingCalls) {
                int target = textBase + call[1];
                if (call[1] < 0 || call[1] >= textSlots.length) {
                    throw at(
                            call[2] == 1 ? text : s,
                            call[3],
                            null,
                            "call target " + call[1] + " lies outside '.text' (" + textSlots.length + " instructions)");
                }
                long slot = out.get(call[0]);
                int imm = target - (call[0] + 1);
                out.set(call[0], (slot & 0xffffffffL) | (long) imm << 32);
            }
        }
        ByteArrayOutputStream code = new ByteArrayOutputStream(out.size() * 8);
        for (long slot : out) {
            for (int b = 0; b < 8; b++) {
                code.write((int) (slot >>> (8 * b)));
            }
        }
        return new ObjectProgram(s.name(), name, kind, code.toByteArray());
    }

    private void resolve(
            ElfFile.Section s,
            long[] slots,
            int end,
            int i,
            int outIndex,
            List<Long> out,
            ElfFile.Relocation r,
            List<int[]> pendingCalls,
            boolean inText) {
        long slot = slots[i];
        int opcode = (int) (slot & 0xff);
        int src = (int) (slot >>> 12) & 0xf;
        int imm = (int) (slot >>> 32);
        if (r == null) {
            if (opcode == CALL && src == EbpfObject.PSEUDO_CALL && !inText) {
                // A call without relocation stays inside this section: pc-relative, checked by the language's verifier.
                return;
            }
            if (opcode == LDDW && src != 0) {
                throw at(s, i, null, "LDDW with pseudo source " + src + " but no relocation says what it refers to");
            }
            return;
        }
        ElfFile.Symbol sym = elf.symbol(r.symbol(), r.fileOffset());
        switch (r.type()) {
            case R_BPF_64_64 -> {
                if (opcode != LDDW) {
                    throw at(
                            s,
                            i,
                            r,
                            String.format(
                                    "R_BPF_64_64 relocation against '%s' on opcode 0x%02x, not on an LDDW",
                                    sym.name(), opcode));
                }
                if (i + 1 >= end) {
                    throw at(s, i, r, "LDDW at the end of its function has no second slot");
                }
                if (sym.sectionIndex() == ElfFile.SHN_UNDEF || sym.sectionIndex() >= ElfFile.SHN_LORESERVE) {
                    throw at(s, i, r, "relocation against '" + sym.name() + "', which is not defined in this object");
                }
                ElfFile.Section target = elf.section(sym.sectionIndex(), r.fileOffset(), "symbol '" + sym.name() + "'");
                Integer data = mapAt.get((long) target.index() << 32 | GLOBAL_DATA_KEY);
                if (data != null) {
                    // libbpf: the variable is at symbol value + the LDDW's immediate in the section's map value.
                    long at = sym.value() + imm;
                    if (at < 0 || at >= target.size()) {
                        throw at(
                                s,
                                i,
                                r,
                                "reference to '" + (sym.name().isEmpty() ? target.name() : sym.name()) + "' at offset "
                                        + at + ", outside section '" + target.name() + "' of " + target.size()
                                        + " bytes");
                    }
                    out.set(
                            outIndex,
                            (slot & 0x0fffL)
                                    | ((long) EbpfObject.PSEUDO_MAP_IDX_VALUE << 12)
                                    | (slot & 0xffff0000L)
                                    | ((data & 0xffffffffL) << 32));
                    out.set(outIndex + 1, (slots[i + 1] & 0xffffffffL) | (at << 32));
                    return;
                }
                long offset = sym.value() + (sym.type() == ElfFile.STT_SECTION ? imm : 0);
                Integer map = mapAt.get((long) target.index() << 32 | offset);
                if (map == null) {
                    if (target.name().equals(".maps") || target.name().equals("maps")) {
                        throw at(
                                s,
                                i,
                                r,
                                "relocation against '" + sym.name() + "' at offset " + offset + " of '" + target.name()
                                        + "', where no map starts");
                    }
                    throw at(
                            s,
                            i,
                            r,
                            "relocation against '" + sym.name() + "' in section '" + target.name()
                                    + "', which holds neither maps ('.maps', 'maps') nor global data ('.data', '.rodata', '.bss')");
                }
                // Keep opcode, dst and offset; the source becomes BPF_PSEUDO_MAP_IDX and the immediate the map's index.
                out.set(
                        outIndex,
                        (slot & 0x0fffL)
                                | ((long) EbpfObject.PSEUDO_MAP_IDX << 12)
                                | (slot & 0xffff0000L)
                                | ((map & 0xffffffffL) << 32));
                long second = slots[i + 1];
                out.set(outIndex + 1, second & 0xffffffffL); // high word of the immediate: 0
            }
            case R_BPF_64_32 -> {
                if (opcode != CALL || src != EbpfObject.PSEUDO_CALL) {
                    throw at(
                            s,
                            i,
                            r,
                            String.format(
                                    "R_BPF_64_32 relocation against '%s' on opcode 0x%02x src %d, not on a bpf-to-bpf call",
                                    sym.name(), opcode, src));
                }
                ElfFile.Section target =
                        sym.sectionIndex() == ElfFile.SHN_UNDEF || sym.sectionIndex() >= ElfFile.SHN_LORESERVE
                                ? null
                                : elf.section(sym.sectionIndex(), r.fileOffset(), "symbol '" + sym.name() + "'");
                if (target == null || !target.name().equals(".text")) {
                    throw at(
                            s,
                            i,
                            r,
                            "call to '" + sym.name() + "', which is not a function in '.text'"
                                    + (target == null
                                            ? " (undefined in this object)"
                                            : " (it is in '" + target.name() + "')"));
                }
                if (sym.value() % 8 != 0) {
                    throw at(
                            s,
                            i,
                            r,
                            "call to '" + sym.name() + "' at offset " + sym.value() + ", not on an instruction");
                }
                long targetInText = sym.value() / 8 + imm + 1;
                if (targetInText < 0 || targetInText > Integer.MAX_VALUE) {
                    throw at(
                            s,
                            i,
                            r,
                            "call to '" + sym.name() + "' lands at .text instruction " + targetInText
                                    + ", outside '.text'");
                }
                pendingCalls.add(new int[] {outIndex, (int) targetInText, inText ? 1 : 0, i});
            }
            default ->
                throw at(
                        s,
                        i,
                        r,
                        "relocation type " + r.type() + " against '" + sym.name()
                                + "' is not one eBPF programs use (R_BPF_64_64 = 1 for maps, R_BPF_64_32 = 10 for calls)");
        }
    }
}
