package dev.sluice.tests.cli;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * An ELF object laid out as the bpf_conformance runner writes one for {@code --elf true} (its bpf_writer, through
 * ELFIO): sections null, {@code .shstrtab}, {@code .symtab} (whose names are in {@code .shstrtab}) and one executable
 * section holding the program, with one global function symbol over all of it; no license, no maps. Written here from
 * the ELF64 format (the System V gABI), so the plugin test feeds Sluice the shape of object the runner sends.
 */
final class RunnerElfObject {
    private static final int EM_BPF = 247;
    private static final int SHT_PROGBITS = 1, SHT_SYMTAB = 2, SHT_STRTAB = 3;
    private static final long SHF_ALLOC = 0x2, SHF_EXECINSTR = 0x4;
    private static final int STB_GLOBAL = 1, STT_FUNC = 2;

    private RunnerElfObject() {}

    static byte[] write(String section, String function, byte[] code) {
        // .shstrtab: "", ".shstrtab", ".symtab", section, function
        StringBuilder names = new StringBuilder("\0");
        int shstrtabName = names.length();
        names.append(".shstrtab\0");
        int symtabName = names.length();
        names.append(".symtab\0");
        int sectionName = names.length();
        names.append(section).append('\0');
        int functionName = names.length();
        names.append(function).append('\0');
        byte[] strings = names.toString().getBytes(StandardCharsets.US_ASCII);

        int stringsAt = 64;
        int symtabAt = align(stringsAt + strings.length, 8);
        int symtabSize = 2 * 24;
        int codeAt = align(symtabAt + symtabSize, 8);
        int headersAt = align(codeAt + code.length, 8);
        ByteBuffer b = ByteBuffer.allocate(headersAt + 4 * 64).order(ByteOrder.LITTLE_ENDIAN);

        b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0});
        b.position(16);
        b.putShort((short) 1); // ET_REL
        b.putShort((short) EM_BPF);
        b.putInt(1); // EV_CURRENT
        b.putLong(0); // e_entry
        b.putLong(0); // e_phoff
        b.putLong(headersAt); // e_shoff
        b.putInt(0); // e_flags
        b.putShort((short) 64); // e_ehsize
        b.putShort((short) 0); // e_phentsize
        b.putShort((short) 0); // e_phnum
        b.putShort((short) 64); // e_shentsize
        b.putShort((short) 4); // e_shnum
        b.putShort((short) 1); // e_shstrndx

        b.position(stringsAt);
        b.put(strings);
        b.position(symtabAt + 24); // symbol 0 is all zeros
        b.putInt(functionName);
        b.put((byte) (STB_GLOBAL << 4 | STT_FUNC));
        b.put((byte) 0);
        b.putShort((short) 3); // the program's section
        b.putLong(0);
        b.putLong(code.length);
        b.position(codeAt);
        b.put(code);

        b.position(headersAt + 64); // section 0 is all zeros
        header(b, shstrtabName, SHT_STRTAB, 0, stringsAt, strings.length, 0, 0, 1, 0);
        header(b, symtabName, SHT_SYMTAB, 0, symtabAt, symtabSize, 1, 1, 4, 24);
        header(b, sectionName, SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, codeAt, code.length, 0, 0, 4, 0);
        return b.array();
    }

    private static void header(
            ByteBuffer b,
            int name,
            int type,
            long flags,
            long offset,
            long size,
            int link,
            int info,
            long align,
            long entrySize) {
        b.putInt(name);
        b.putInt(type);
        b.putLong(flags);
        b.putLong(0); // sh_addr
        b.putLong(offset);
        b.putLong(size);
        b.putInt(link);
        b.putInt(info);
        b.putLong(align);
        b.putLong(entrySize);
    }

    private static int align(int n, int to) {
        return (n + to - 1) / to * to;
    }
}
