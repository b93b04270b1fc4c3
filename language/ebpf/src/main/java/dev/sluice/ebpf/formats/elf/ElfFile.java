package dev.sluice.ebpf.formats.elf;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The ELF64 little-endian container of an eBPF object, read with every offset and size checked against the file:
 * header, section headers with names, the symbol table and REL relocation entries. Field offsets are the System V
 * gABI's (Elf64_Ehdr, Elf64_Shdr, Elf64_Sym, Elf64_Rel); EM_BPF is 247 (include/uapi/linux/elf-em.h).
 */
final class ElfFile {
    static final int EM_BPF = 247;
    static final int SHT_PROGBITS = 1;
    static final int SHT_SYMTAB = 2;
    static final int SHT_STRTAB = 3;
    static final int SHT_RELA = 4;
    static final int SHT_NOBITS = 8;
    static final int SHT_REL = 9;
    static final long SHF_ALLOC = 0x2;
    static final long SHF_EXECINSTR = 0x4;
    static final int STT_OBJECT = 1;
    static final int STT_FUNC = 2;
    static final int STT_SECTION = 3;
    static final int SHN_UNDEF = 0;
    static final int SHN_LORESERVE = 0xff00;

    record Section(
            int index, String name, int type, long flags, long offset, long size, int link, int info, long entsize) {}

    record Symbol(int index, String name, int type, int bind, int sectionIndex, long value, long size) {}

    record Relocation(long offset, int symbol, int type, long fileOffset) {}

    final String fileName;
    final byte[] bytes;
    final List<Section> sections = new ArrayList<>();
    final List<Symbol> symbols = new ArrayList<>();

    ElfFile(String fileName, byte[] bytes) {
        this.fileName = fileName;
        this.bytes = bytes;
        readHeaderAndSections();
        readSymbols();
    }

    ElfFormatException error(long offset, String message) {
        String where = offset >= 0 ? String.format("%s: byte 0x%x: ", fileName, offset) : fileName + ": ";
        return new ElfFormatException(where + message, offset, -1);
    }

    void need(long offset, long length, String what) {
        if (offset < 0 || length < 0 || offset > bytes.length || length > bytes.length - offset) {
            throw error(
                    offset,
                    what + " (" + length + " bytes at offset " + offset + ") lies outside the file of " + bytes.length
                            + " bytes");
        }
    }

    int u8(long at) {
        return bytes[(int) at] & 0xff;
    }

    int u16(long at) {
        return u8(at) | u8(at + 1) << 8;
    }

    int u32(long at) {
        return u16(at) | u16(at + 2) << 16;
    }

    long u64(long at) {
        return (u32(at) & 0xffffffffL) | (long) u32(at + 4) << 32;
    }

    private void readHeaderAndSections() {
        if (bytes.length < 4 || bytes[0] != 0x7f || bytes[1] != 'E' || bytes[2] != 'L' || bytes[3] != 'F') {
            throw error(0, "not an ELF object (no \\x7fELF magic)");
        }
        need(0, 64, "the ELF header");
        if (u8(4) != 2) {
            throw error(4, "ELF class " + u8(4) + " is not ELFCLASS64: eBPF objects are 64-bit");
        }
        if (u8(5) != 1) {
            throw error(
                    5, "ELF data encoding " + u8(5) + " is not little-endian (clang -target bpfel or bpf on x86_64)");
        }
        int machine = u16(18);
        if (machine != EM_BPF) {
            throw error(18, "e_machine " + machine + " is not EM_BPF (247): not an eBPF object");
        }
        long shoff = u64(40);
        int shentsize = u16(58);
        int shnum = u16(60);
        int shstrndx = u16(62);
        if (shnum == 0) {
            throw error(60, "the object has no sections");
        }
        if (shentsize != 64) {
            throw error(58, "section header size " + shentsize + " is not 64");
        }
        need(shoff, (long) shnum * 64, "the section header table");
        if (shstrndx >= shnum) {
            throw error(62, "section-name table index " + shstrndx + " is not one of the " + shnum + " sections");
        }
        long[] raw = new long[shnum];
        for (int i = 0; i < shnum; i++) {
            raw[i] = shoff + 64L * i;
        }
        long namesOff = u64(raw[shstrndx] + 24);
        long namesSize = u64(raw[shstrndx] + 32);
        need(namesOff, namesSize, "the section-name table");
        // Section 0 is reserved (SHN_UNDEF): it names nothing and holds nothing, whatever its header's fields say;
        // taken as written, a header that names it '.BTF' or 'maps' would point the reader anywhere.
        sections.add(new Section(0, "", 0, 0, 0, 0, 0, 0, 0));
        for (int i = 1; i < shnum; i++) {
            long h = raw[i];
            String name = string(namesOff, namesSize, u32(h), h, "section " + i + "'s name");
            int type = u32(h + 4);
            long offset = u64(h + 24);
            long size = u64(h + 32);
            if (type != SHT_NOBITS) {
                need(offset, size, "section " + i + " '" + name + "'");
            }
            sections.add(new Section(i, name, type, u64(h + 8), offset, size, u32(h + 40), u32(h + 44), u64(h + 56)));
        }
    }

    /** A NUL-terminated name at {@code index} in a string table; the error names what the name was for. */
    String string(long tableOffset, long tableSize, int index, long referencedAt, String what) {
        long start = index & 0xffffffffL;
        if (start >= tableSize) {
            throw error(
                    referencedAt,
                    what + ": string offset " + start + " is outside its table of " + tableSize + " bytes");
        }
        long end = tableOffset + start;
        long limit = tableOffset + tableSize;
        while (end < limit && bytes[(int) end] != 0) {
            end++;
        }
        if (end == limit) {
            throw error(referencedAt, what + ": the string at offset " + start + " runs past the end of its table");
        }
        return new String(
                bytes, (int) (tableOffset + start), (int) (end - tableOffset - start), StandardCharsets.UTF_8);
    }

    Section section(int index, long referencedAt, String what) {
        if (index <= 0 || index >= sections.size()) {
            throw error(
                    referencedAt,
                    what + ": section index " + index + " is not one of the " + sections.size() + " sections");
        }
        return sections.get(index);
    }

    Section byName(String name) {
        for (Section s : sections) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        return null;
    }

    private void readSymbols() {
        Section symtab = null;
        for (Section s : sections) {
            if (s.type() == SHT_SYMTAB) {
                if (symtab != null) {
                    throw error(
                            -1, "more than one symbol table (sections " + symtab.index() + " and " + s.index() + ")");
                }
                symtab = s;
            }
        }
        if (symtab == null) {
            return;
        }
        if (symtab.entsize() != 24 || symtab.size() % 24 != 0) {
            throw error(
                    symtab.offset(),
                    "symbol table '" + symtab.name() + "': entry size " + symtab.entsize() + " and size "
                            + symtab.size() + " are not 24-byte Elf64_Sym records");
        }
        Section strtab = section(symtab.link(), symtab.offset(), "symbol table's string table");
        if (strtab.type() != SHT_STRTAB) {
            throw error(
                    symtab.offset(),
                    "symbol table links to section " + strtab.index() + " '" + strtab.name()
                            + "', which is not a string table");
        }
        long count = symtab.size() / 24;
        for (int i = 0; i < count; i++) {
            long at = symtab.offset() + 24L * i;
            String name = string(strtab.offset(), strtab.size(), u32(at), at, "symbol " + i + "'s name");
            int info = u8(at + 4);
            symbols.add(new Symbol(i, name, info & 0xf, info >> 4, u16(at + 6), u64(at + 8), u64(at + 16)));
        }
    }

    Symbol symbol(int index, long referencedAt) {
        if (index < 0 || index >= symbols.size()) {
            throw error(
                    referencedAt,
                    "relocation names symbol " + index + ", but the symbol table has " + symbols.size() + " entries");
        }
        return symbols.get(index);
    }

    /** The REL entries of a relocation section (RELA is not what clang emits for BPF, and is refused). */
    List<Relocation> relocations(Section rel) {
        if (rel.type() == SHT_RELA) {
            throw error(rel.offset(), "relocation section '" + rel.name() + "' is RELA; eBPF objects use REL");
        }
        if (rel.entsize() != 16 || rel.size() % 16 != 0) {
            throw error(
                    rel.offset(),
                    "relocation section '" + rel.name() + "': entry size " + rel.entsize() + " and size " + rel.size()
                            + " are not 16-byte Elf64_Rel records");
        }
        List<Relocation> out = new ArrayList<>();
        for (long at = rel.offset(); at < rel.offset() + rel.size(); at += 16) {
            long info = u64(at + 8);
            out.add(new Relocation(u64(at), (int) (info >>> 32), (int) info, at));
        }
        return out;
    }
}
