package dev.sluice.ebpf.formats.elf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.ebpf.formats.elf.EbpfObject.MapDefinition;
import dev.sluice.ebpf.formats.elf.EbpfObject.ObjectProgram;
import dev.sluice.ebpf.formats.elf.EbpfObject.ProgramKind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The ELF object loader on clang's own output (the C programs in src/test/c, compiled by the build with
 * {@code clang -target bpf -O2 -g -c}) and on objects broken on purpose: every malformed input must end in an
 * {@link ElfFormatException} that says where, from a check written for it (never the reader's last-resort wrapper
 * of an unexpected host exception).
 */
class ElfObjectReaderTest {
    private static final String LAST_RESORT = "malformed ELF object (";

    static Path objects() {
        Path dir = Path.of(System.getProperty("sluice.ebpf.objects", "target/bpf-objects"));
        Path skipped = dir.resolve("SKIPPED");
        String reason = null;
        if (Files.exists(skipped)) {
            try {
                reason = "the C test programs were not compiled: "
                        + Files.readString(skipped).strip();
            } catch (IOException e) {
                reason = "the C test programs were not compiled";
            }
        } else if (!Files.isDirectory(dir)) {
            reason = "no compiled C test programs in " + dir.toAbsolutePath();
        }
        if (reason != null) {
            System.err.println("SKIPPED ElfObjectReaderTest: " + reason);
        }
        Assumptions.assumeTrue(reason == null, "SKIPPED: " + reason);
        return dir;
    }

    static byte[] object(String name) {
        try {
            return Files.readAllBytes(objects().resolve(name + ".o"));
        } catch (IOException e) {
            throw new AssertionError("cannot read " + name + ".o", e);
        }
    }

    static long[] slots(ObjectProgram p) {
        ByteBuffer b = ByteBuffer.wrap(p.code()).order(ByteOrder.LITTLE_ENDIAN);
        long[] out = new long[p.slots()];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.getLong();
        }
        return out;
    }

    static int opcode(long slot) {
        return (int) (slot & 0xff);
    }

    static int src(long slot) {
        return (int) (slot >>> 12) & 0xf;
    }

    static int imm(long slot) {
        return (int) (slot >>> 32);
    }

    static ElfFormatException refused(byte[] bytes) {
        ElfFormatException e = assertThrows(ElfFormatException.class, () -> ElfObjectReader.read("broken.o", bytes));
        assertFalse(e.getMessage().contains(LAST_RESORT), "no specific check caught this input: " + e.getMessage());
        assertTrue(e.getMessage().startsWith("broken.o: "), e.getMessage());
        return e;
    }

    @Test
    void xdpProgramFromClang() {
        EbpfObject o = ElfObjectReader.read("xdp_swap_mac.o", object("xdp_swap_mac"));
        assertEquals("GPL", o.license());
        assertTrue(o.maps().isEmpty());
        assertEquals(1, o.programs().size());
        ObjectProgram p = o.program("xdp");
        assertNotNull(p);
        assertEquals("swap_mac", p.name());
        assertEquals(ProgramKind.XDP, p.kind());
        ElfFile elf = new ElfFile("x", object("xdp_swap_mac"));
        ElfFile.Section xdp = elf.byName("xdp");
        // Without relocations the code is the section's bytes unchanged.
        assertArrayEquals(
                Arrays.copyOfRange(elf.bytes, (int) xdp.offset(), (int) (xdp.offset() + xdp.size())), p.code());
        assertEquals(0x95, opcode(slots(p)[p.slots() - 1]), "ends with exit");
    }

    @Test
    void socketProgramWithLegacyLoads() {
        ObjectProgram p = ElfObjectReader.read("s.o", object("socket_ipv4_tcp")).program("socket");
        assertEquals(ProgramKind.SOCKET_FILTER, p.kind());
        assertEquals("ipv4_tcp", p.name());
        assertTrue(Arrays.stream(slots(p)).anyMatch(s -> opcode(s) == 0x30), "an LD_ABS byte load (opcode 0x30)");
    }

    @Test
    void callsIntoTextAreLinkedAfterTheProgram() {
        ObjectProgram p = ElfObjectReader.read("calls.o", object("calls")).program("socket");
        ElfFile elf = new ElfFile("x", object("calls"));
        int own = (int) (elf.byName("socket").size() / 8);
        int text = (int) (elf.byName(".text").size() / 8);
        assertEquals(own + text, p.slots(), "the program's own code, then all of .text");
        long mix = -1, mix3 = -1;
        for (ElfFile.Symbol s : elf.symbols) {
            if (s.name().equals("mix")) {
                mix = own + s.value() / 8;
            } else if (s.name().equals("mix3")) {
                mix3 = own + s.value() / 8;
            }
        }
        long[] code = slots(p);
        List<Long> targets = new ArrayList<>();
        for (int pc = 0; pc < code.length; pc++) {
            if (opcode(code[pc]) == 0x85 && src(code[pc]) == EbpfObject.PSEUDO_CALL) {
                long target = pc + 1L + imm(code[pc]);
                assertTrue(target >= 0 && target < code.length, "call at " + pc + " lands at " + target);
                targets.add(target);
            }
        }
        // calls() -> mix3 once; mix3 -> mix twice.
        assertEquals(List.of(mix3, mix, mix), targets);
    }

    @Test
    void btfDefinedMapsAndTheirRelocations() {
        EbpfObject o = ElfObjectReader.read("m.o", object("map_counter"));
        assertEquals(
                List.of(
                        new MapDefinition("packets_by_class", 2, 4, 8, 4, 0, ".maps"),
                        new MapDefinition("bytes_by_length", 1, 4, 8, 64, 0, ".maps")),
                o.maps());
        long[] code = slots(o.program("xdp"));
        List<Integer> maps = new ArrayList<>();
        for (int pc = 0; pc < code.length; pc++) {
            if (opcode(code[pc]) == 0x18) {
                assertEquals(EbpfObject.PSEUDO_MAP_IDX, src(code[pc]), "LDDW at " + pc);
                assertEquals(0, imm(code[pc + 1]), "high word of LDDW at " + pc);
                maps.add(imm(code[pc]));
                pc++;
            }
        }
        // Looked up in the array first, then twice in the hash (lookup, then update on a miss).
        assertEquals(List.of(0, 1, 1), maps);
    }

    @Test
    void legacyMapsSection() {
        EbpfObject o = ElfObjectReader.read("l.o", object("legacy_map"));
        assertEquals(List.of(new MapDefinition("runs", 2, 4, 8, 1, 0, "maps")), o.maps());
        long[] code = slots(o.program("socket"));
        assertTrue(Arrays.stream(code)
                .anyMatch(s -> opcode(s) == 0x18 && src(s) == EbpfObject.PSEUDO_MAP_IDX && imm(s) == 0));
    }

    @Test
    void loopStaysALoop() {
        long[] code = slots(ElfObjectReader.read("b.o", object("bounded_loop")).program("xdp"));
        boolean backward = false;
        for (long s : code) {
            int cls = opcode(s) & 7;
            if ((cls == 5 || cls == 6) && opcode(s) != 0x85 && opcode(s) != 0x95 && (short) (s >>> 16) < 0) {
                backward = true;
            }
        }
        assertTrue(backward, "the unroll-disabled loop should compile to a backward jump");
    }

    private static MapDefinition mapNamed(EbpfObject o, String name) {
        for (MapDefinition m : o.maps()) {
            if (m.name().equals(name)) {
                return m;
            }
        }
        throw new AssertionError("no map " + name + " in " + o.maps());
    }

    /** The LDDWs of a program as {source, imm, second imm} by instruction index. */
    private static List<long[]> lddws(ObjectProgram p) {
        ByteBuffer b = ByteBuffer.wrap(p.code()).order(ByteOrder.LITTLE_ENDIAN);
        List<long[]> out = new ArrayList<>();
        for (int i = 0; i < p.slots(); i++) {
            long slot = b.getLong(8 * i);
            if ((slot & 0xff) == 0x18) {
                out.add(new long[] {(slot >>> 12) & 0xf, (int) (slot >>> 32), (int) (b.getLong(8 * (i + 1)) >>> 32)});
                i++;
            }
        }
        return out;
    }

    @Test
    void globalVariablesBecomeOneEntryArrayMaps() {
        EbpfObject o = ElfObjectReader.read("g.o", object("global_data"));
        MapDefinition bss = mapNamed(o, ".bss"),
                data = mapNamed(o, ".data"),
                rodata = mapNamed(o, ".rodata"),
                table = mapNamed(o, ".rodata.cst16");
        for (MapDefinition m : List.of(bss, data, rodata, table)) {
            assertEquals(EbpfObject.MAP_TYPE_ARRAY, m.type(), m.name());
            assertEquals(4, m.keySize(), m.name());
            assertEquals(1, m.maxEntries(), m.name());
            assertTrue(m.isGlobalData(), m.name());
        }
        assertArrayEquals(new byte[8], bss.initialValue(), ".bss starts zeroed");
        // .data: u64 bytes_total = 1000, then u32 last_length = 7 (clang's layout: declaration order)
        assertArrayEquals(new byte[] {(byte) 0xe8, 3, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0}, data.initialValue());
        assertArrayEquals(new byte[] {3, 0, 0, 0}, rodata.initialValue());
        assertArrayEquals(new byte[] {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3}, table.initialValue());
        assertEquals(EbpfObject.F_RDONLY_PROG, rodata.flags() & EbpfObject.F_RDONLY_PROG);
        assertEquals(EbpfObject.F_RDONLY_PROG, table.flags() & EbpfObject.F_RDONLY_PROG);
        assertEquals(0, data.flags() & EbpfObject.F_RDONLY_PROG);
        assertEquals(0, bss.flags() & EbpfObject.F_RDONLY_PROG);

        // Every LDDW refers to a global-data map's value, at the variable's offset in its section.
        List<String> refs = new ArrayList<>();
        for (long[] l : lddws(o.program("socket"))) {
            assertEquals(EbpfObject.PSEUDO_MAP_IDX_VALUE, l[0]);
            refs.add(o.maps().get((int) l[1]).name() + "+" + l[2]);
        }
        refs.sort(null);
        assertEquals(List.of(".bss+0", ".data+0", ".data+8", ".rodata+0", ".rodata.cst16+0"), refs);
    }

    @Test
    void stringLiteralsAreTheirOwnReadOnlyMap() {
        EbpfObject o = ElfObjectReader.read("s.o", object("global_strings"));
        MapDefinition strings = mapNamed(o, ".rodata.str1.1");
        assertEquals("length %u\n\0", new String(strings.initialValue(), StandardCharsets.US_ASCII));
        List<long[]> refs = lddws(o.program("xdp"));
        assertEquals(1, refs.size());
        assertEquals(o.maps().indexOf(strings), refs.get(0)[1]);
        assertEquals(0, refs.get(0)[2]);
    }

    @Test
    void unknownProgramSectionIsRefused() {
        ElfFormatException e =
                assertThrows(ElfFormatException.class, () -> ElfObjectReader.read("u.o", object("unknown_section")));
        assertTrue(
                e.getMessage().contains("section 'kprobe/do_sys_open'")
                        && e.getMessage().contains("does not run"),
                e.getMessage());
    }

    @Test
    void headerChecks() {
        byte[] good = object("xdp_swap_mac");
        assertTrue(refused(new byte[0]).getMessage().contains("not an ELF object"));
        assertTrue(refused("#!/bin/sh\n".getBytes(StandardCharsets.US_ASCII))
                .getMessage()
                .contains("not an ELF object"));
        assertTrue(refused(Arrays.copyOf(good, 20)).getMessage().contains("the ELF header"));
        byte[] elf32 = good.clone();
        elf32[4] = 1;
        assertTrue(refused(elf32).getMessage().contains("ELFCLASS64"));
        byte[] bigEndian = good.clone();
        bigEndian[5] = 2;
        assertTrue(refused(bigEndian).getMessage().contains("little-endian"));
        byte[] x86 = good.clone();
        x86[18] = 62;
        assertTrue(refused(x86).getMessage().contains("byte 0x12: e_machine 62 is not EM_BPF"));
        byte[] shoff = good.clone();
        shoff[47] = 0x40; // e_shoff far past the end
        assertTrue(refused(shoff).getMessage().contains("the section header table"));
    }

    @Test
    void everyTruncationIsRefusedByACheck() {
        for (String name : List.of("map_counter", "calls", "legacy_map", "global_data")) {
            byte[] good = object(name);
            for (int n = 0; n < good.length; n++) {
                refused(Arrays.copyOf(good, n));
            }
        }
    }

    /** The file offset of the first relocation entry of section {@code rel}. */
    private static long firstRelocation(byte[] bytes, String rel) {
        return new ElfFile("x", bytes).byName(rel).offset();
    }

    @Test
    void badRelocationsAreRefusedAtTheirInstruction() {
        byte[] good = object("map_counter");
        long rel = firstRelocation(good, ".relxdp");

        byte[] type = good.clone();
        type[(int) rel + 8] = 2; // R_BPF_64_ABS64
        ElfFormatException e = refused(type);
        assertTrue(
                e.getMessage().contains("section 'xdp', instruction 13")
                        && e.getMessage().contains("relocation type 2 against 'packets_by_class'"),
                e.getMessage());

        byte[] offset = good.clone();
        offset[(int) rel] = 8; // onto instruction 1, a load
        e = refused(offset);
        assertTrue(
                e.getMessage().contains("instruction 1 ") && e.getMessage().contains("not on an LDDW"), e.getMessage());

        byte[] unaligned = good.clone();
        unaligned[(int) rel] = 0x69;
        assertTrue(refused(unaligned).getMessage().contains("is not at an instruction"));

        byte[] symbol = good.clone();
        symbol[(int) rel + 12] = (byte) 0xff;
        assertTrue(refused(symbol).getMessage().contains("relocation names symbol"));

        byte[] callGood = object("calls");
        long callRel = firstRelocation(callGood, ".relsocket");
        byte[] callType = callGood.clone();
        callType[(int) callRel + 8] = 1; // R_BPF_64_64 on a call
        assertTrue(refused(callType).getMessage().contains("not on an LDDW"));
    }

    @Test
    void corruptBtfIsRefused() {
        byte[] good = object("map_counter");
        ElfFile elf = new ElfFile("x", good);
        long btf = elf.byName(".BTF").offset();
        byte[] magic = good.clone();
        magic[(int) btf] = 0;
        assertTrue(refused(magic).getMessage().contains("BTF magic"));
        byte[] typeLen = good.clone();
        typeLen[(int) btf + 15] = 0x7f; // type_len huge
        assertTrue(refused(typeLen).getMessage().contains("BTF header"));
    }

    @Test
    void programSectionWithAnotherNameIsUnknown() {
        byte[] good = object("xdp_swap_mac");
        ElfFile elf = new ElfFile("x", good);
        long shoff = elf.u64(40);
        int xdp = elf.byName("xdp").index();
        int license = elf.byName("license").index();
        // Give the code section the name of the license section: executable code under a name Sluice does not run.
        byte[] renamed = good.clone();
        long from = shoff + 64L * license;
        long to = shoff + 64L * xdp;
        System.arraycopy(good, (int) from, renamed, (int) to, 4);
        ElfFormatException e = refused(renamed);
        assertTrue(
                e.getMessage()
                        .contains("section 'license' (index " + xdp
                                + ") is a program section of a type Sluice does not run"),
                e.getMessage());
    }

    @Test
    void randomMutationsNeverEscapeAsHostExceptions() {
        long seed = Long.getLong("sluice.random.seed", new Random().nextLong());
        int perObject = Integer.getInteger("sluice.elf.mutations", 3000);
        Random rnd = new Random(seed);
        int loaded = 0;
        int refusedCount = 0;
        for (String name : List.of(
                "map_counter",
                "calls",
                "legacy_map",
                "bounded_loop",
                "xdp_swap_mac",
                "global_data",
                "global_strings")) {
            byte[] good = object(name);
            for (int i = 0; i < perObject; i++) {
                byte[] m = good.clone();
                int flips = 1 + rnd.nextInt(4);
                for (int f = 0; f < flips; f++) {
                    int at = rnd.nextInt(m.length);
                    m[at] = (byte) (rnd.nextInt(4) == 0 ? rnd.nextInt() : m[at] ^ (1 << rnd.nextInt(8)));
                }
                try {
                    ElfObjectReader.read("m.o", m);
                    loaded++;
                } catch (ElfFormatException e) {
                    refusedCount++;
                    assertFalse(
                            e.getMessage().contains(LAST_RESORT),
                            "seed " + seed + ": no specific check caught mutant " + i + " of " + name + ": "
                                    + e.getMessage());
                }
            }
        }
        System.err.printf(
                "ElfObjectReaderTest: seed %d, %d mutants loaded, %d refused with a located error%n",
                seed, loaded, refusedCount);
        assertTrue(refusedCount > 0 && loaded > 0);
    }
}
