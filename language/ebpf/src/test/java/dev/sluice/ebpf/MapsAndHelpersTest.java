package dev.sluice.ebpf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.testing.EngineMode;
import dev.sluice.ebpf.maps.EbpfMap;
import dev.sluice.ebpf.maps.MapSpec;
import dev.sluice.ebpf.maps.MapType;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Value;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Maps (as programs and the host see them), the helpers, tail calls, and the xdp and socket_filter program types. */
class MapsAndHelpersTest {
    static Engine interpreted;
    static Engine compiled;

    @BeforeAll
    static void engines() {
        interpreted = EngineMode.INTERPRETED.newEngine("ebpf", "ebpf-");
        compiled = EngineMode.COMPILED.newEngine("ebpf", "ebpf-");
    }

    @AfterAll
    static void close() {
        interpreted.close();
        compiled.close();
    }

    /** A context whose programs are not verified: for the run-time checks the verifier would otherwise pre-empt. */
    static Context unverified(EngineMode mode, String maps, String type) {
        return mode.contextBuilder("ebpf", mode == EngineMode.INTERPRETED ? interpreted : compiled)
                .option("ebpf.Maps", maps)
                .option("ebpf.ProgramType", type)
                .option("ebpf.Verify", "false")
                .build();
    }

    static Context context(EngineMode mode, String maps, String type) {
        return mode.contextBuilder("ebpf", mode == EngineMode.INTERPRETED ? interpreted : compiled)
                .option("ebpf.Maps", maps)
                .option("ebpf.ProgramType", type)
                .build();
    }

    /** Counts runs per key: value[key] += 1 through map_lookup_elem and an atomic add; the key is the input's first byte. */
    static final String COUNTER = """
                    ldxb %r2, [%r1]
                    stxw [%r10-4], %r2
                    lddw %r1, map_fd 0
                    mov %r2, %r10
                    add %r2, -4
                    call map_lookup_elem
                    jeq %r0, 0, missing
                    mov %r3, 1
                    lock add [%r0], %r3
                    mov %r0, 1
                    exit
                    missing:
                    mov %r0, 0
                    exit
                    """;

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void programCountsInAnArrayMapAndTheHostReadsIt(EngineMode mode) {
        try (Context c = context(mode, "counts:array:4:8:4", "raw")) {
            Value program = c.eval(EbpfTestSources.asm(COUNTER));
            for (int i = 0; i < 10; i++) {
                assertEquals(1L, program.execute(new byte[] {2}).asLong());
            }
            assertEquals(1L, program.execute(new byte[] {3}).asLong());
            assertEquals(0L, program.execute(new byte[] {4}).asLong(), "index 4 is outside a 4-entry array");
            Value counts = program.getMember("maps").getMember("counts");
            assertTrue(counts.hasHashEntries());
            assertEquals(4L, counts.getHashSize());
            assertEquals(10L, counts.getHashValue(2).asLong());
            assertEquals(1L, counts.getHashValue(3).asLong());
            assertEquals(0L, counts.getHashValue(0).asLong());
            counts.putHashEntry(2, 100L);
            program.execute(new byte[] {2});
            assertEquals(101L, counts.getHashValue(2).asLong());
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void hashMapUpdateLookupDeleteWithFlags(EngineMode mode) {
        // r0 = sum of update(key 7, NOEXIST) [0], update(key 7, NOEXIST) [-EEXIST], update(key 8, EXIST) [-ENOENT],
        // delete(key 7) [0], delete(key 7) [-ENOENT], in separate 16-bit fields so each result is checked.
        String asm = """
                        stdw [%r10-8], 7
                        stdw [%r10-16], 0x55
                        mov %r6, 0
                        lddw %r1, map_fd 0
                        mov %r2, %r10
                        add %r2, -8
                        mov %r3, %r10
                        add %r3, -16
                        mov %r4, 1
                        call map_update_elem
                        neg %r0
                        or %r6, %r0
                        lddw %r1, map_fd 0
                        mov %r2, %r10
                        add %r2, -8
                        mov %r3, %r10
                        add %r3, -16
                        mov %r4, 1
                        call map_update_elem
                        neg %r0
                        lsh %r0, 8
                        or %r6, %r0
                        stdw [%r10-8], 8
                        lddw %r1, map_fd 0
                        mov %r2, %r10
                        add %r2, -8
                        mov %r3, %r10
                        add %r3, -16
                        mov %r4, 2
                        call map_update_elem
                        neg %r0
                        lsh %r0, 16
                        or %r6, %r0
                        stdw [%r10-8], 7
                        lddw %r1, map_fd 0
                        mov %r2, %r10
                        add %r2, -8
                        call map_delete_elem
                        neg %r0
                        lsh %r0, 24
                        or %r6, %r0
                        lddw %r1, map_fd 0
                        mov %r2, %r10
                        add %r2, -8
                        call map_delete_elem
                        neg %r0
                        lsh %r0, 32
                        or %r6, %r0
                        mov %r0, %r6
                        exit
                        """;
        try (Context c = context(mode, "h:hash:8:8:16", "raw")) {
            Value program = c.eval(EbpfTestSources.asm(asm));
            for (int i = 0; i < 3; i++) {
                assertEquals(0x02_00_02_11_00L, program.execute().asLong()); // ENOENT 2, EEXIST 17 (0x11)
            }
        }
    }

    @Test
    void mapSemanticsAsTheKernelDefinesThem() {
        EbpfMap hash = new EbpfMap(new MapSpec("h", MapType.HASH, 4, 4, 2));
        byte[] k1 = {1, 0, 0, 0}, k2 = {2, 0, 0, 0}, k3 = {3, 0, 0, 0}, v = {9, 9, 9, 9};
        assertEquals(0, hash.update(k1, v, EbpfMap.BPF_ANY));
        assertEquals(0, hash.update(k2, v, EbpfMap.BPF_NOEXIST));
        assertEquals(-EbpfMap.E2BIG, hash.update(k3, v, EbpfMap.BPF_ANY), "full");
        assertEquals(-EbpfMap.EINVAL, hash.update(k1, v, 4), "unknown flag");
        assertEquals(0, hash.delete(k1));
        int entry = hash.lookup(k2);
        assertArrayEquals(v, hash.valueAt(entry));
        assertEquals(0, hash.delete(k2));
        assertEquals(
                null,
                hash.valueAt(entry),
                "a deleted entry's value region is gone, so a stale pointer fails its guard");

        EbpfMap lru = new EbpfMap(new MapSpec("l", MapType.LRU_HASH, 4, 4, 2));
        lru.update(k1, v, EbpfMap.BPF_ANY);
        lru.update(k2, v, EbpfMap.BPF_ANY);
        lru.lookup(k1); // k1 is now more recent than k2
        assertEquals(0, lru.update(k3, v, EbpfMap.BPF_ANY), "an LRU map evicts instead of failing");
        assertEquals(-1, lru.lookup(k2), "the least recently used key went");
        assertTrue(lru.lookup(k1) >= 0 && lru.lookup(k3) >= 0);

        EbpfMap array = new EbpfMap(new MapSpec("a", MapType.PERCPU_ARRAY, 4, 8, 3));
        assertEquals(-EbpfMap.EINVAL, array.delete(k1), "array elements cannot be deleted");
        assertEquals(-EbpfMap.EEXIST, array.update(k1, new byte[8], EbpfMap.BPF_NOEXIST));
        assertEquals(-EbpfMap.E2BIG, array.update(k3, new byte[8], EbpfMap.BPF_ANY), "index 3 of 3");
        assertEquals(
                "map 'a': an percpu_array map needs 4-byte keys (got 8)",
                new MapSpec("a", MapType.PERCPU_ARRAY, 8, 8, 3).problem());
    }

    @Test
    void hostIteratesAndEditsAHashMap() {
        try (Context c = context(EngineMode.INTERPRETED, "h:hash:4:8:16", "raw")) {
            Value program = c.eval(EbpfTestSources.asm("mov %r0, 0\nexit"));
            Value h = program.getMember("maps").getMember("h");
            h.putHashEntry(1, 10L);
            h.putHashEntry(2, 20L);
            Map<Long, Long> seen = new HashMap<>();
            Value it = h.getHashEntriesIterator();
            while (it.hasIteratorNextElement()) {
                Value e = it.getIteratorNextElement();
                seen.put(e.getArrayElement(0).asLong(), e.getArrayElement(1).asLong());
            }
            assertEquals(Map.of(1L, 10L, 2L, 20L), seen);
            assertTrue(h.removeHashEntry(1));
            assertFalse(h.hasHashEntry(1));
            assertEquals(1L, h.getHashSize());
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void mapValuePseudoLoadIsAGlobalVariable(EngineMode mode) {
        // lddw map_value_fd 0+8: a pointer to byte 8 of entry 0 of an array map, as clang's .data/.bss globals.
        String asm = "lddw %r1, map_value_fd 0+8\nldxdw %r0, [%r1]\nadd %r0, 1\nstxdw [%r1], %r0\nexit";
        try (Context c = context(mode, "data:array:4:16:1", "raw")) {
            Value program = c.eval(EbpfTestSources.asm(asm));
            for (long i = 1; i <= 5; i++) {
                assertEquals(i, program.execute().asLong());
            }
            Value entry = program.getMember("maps").getMember("data").getHashValue(0);
            assertEquals(16L, entry.getArraySize());
            assertEquals(5L, entry.getArrayElement(8).asLong());
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void tracePrintkWritesToTheContextOutput(EngineMode mode) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        // "x=%d\n" on the stack: 0x0a64253d78 little-endian.
        String asm =
                "lddw %r1, 0x0a64253d78\nstxdw [%r10-8], %r1\nmov %r1, %r10\nadd %r1, -8\nmov %r2, 8\nmov %r3, -5\nmov %r4, 0\nmov %r5, 0\ncall trace_printk\nexit";
        try (Context c = EngineMode.INTERPRETED == mode ? interpretedWithOut(out) : compiledWithOut(out)) {
            Value program = c.eval(EbpfTestSources.asm(asm));
            assertEquals(5L, program.execute().asLong());
            assertEquals(5L, program.execute().asLong());
        }
        assertEquals("x=-5\nx=-5\n", out.toString(StandardCharsets.ISO_8859_1));
    }

    /**
     * trace_printk's other conversions: %s (a string read from guest memory; an address the guard refuses prints
     * nothing), flags and widths, %c and %pI4. The format and the data are in a raw program's input memory.
     */
    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void tracePrintkFormatsStringsWidthsAndAddresses(EngineMode mode) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String asm = """
                        mov %r6, %r1
                        mov %r2, 32
                        mov %r3, %r6
                        add %r3, 64
                        mov %r4, -42
                        mov %r5, %r6
                        add %r5, 80
                        call trace_printk
                        mov %r7, %r0
                        mov %r1, %r6
                        add %r1, 32
                        mov %r2, 32
                        mov %r3, 0xab
                        mov %r4, 7
                        mov %r5, 90
                        call trace_printk
                        add %r7, %r0
                        mov %r1, %r6
                        add %r1, 96
                        mov %r2, 8
                        mov %r3, 5
                        mov %r4, 0
                        mov %r5, 0
                        call trace_printk
                        add %r0, %r7
                        exit
                        """;
        byte[] memory = new byte[112];
        put(memory, 0, "%s|%05d|%pI4\n");
        put(memory, 32, "%-4x|%+d|%c\n");
        put(memory, 64, "hello");
        memory[80] = 10;
        memory[81] = 1;
        memory[82] = 2;
        memory[83] = 3;
        put(memory, 96, "%s!\n");
        try (Context c = EngineMode.INTERPRETED == mode ? interpretedWithOut(out) : compiledWithOut(out)) {
            Value program = c.eval(EbpfTestSources.asm(asm));
            for (int i = 0; i < 2; i++) {
                assertEquals(21L + 10 + 2, program.execute((Object) memory).asLong());
            }
        }
        String once = "hello|-0042|10.1.2.3\nab  |+7|Z\n!\n";
        assertEquals(once + once, out.toString(StandardCharsets.ISO_8859_1));
    }

    private static void put(byte[] memory, int at, String text) {
        byte[] b = text.getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(b, 0, memory, at, b.length);
    }

    private static Context interpretedWithOut(ByteArrayOutputStream out) {
        return EngineMode.INTERPRETED
                .contextBuilder("ebpf", interpreted)
                .out(out)
                .build();
    }

    private static Context compiledWithOut(ByteArrayOutputStream out) {
        return EngineMode.COMPILED.contextBuilder("ebpf", compiled).out(out).build();
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void tailCallReplacesTheProgramAndStopsAfter33(EngineMode mode) {
        String caller = "lddw %r2, map_fd 0\nmov %r3, 0\ncall tail_call\nmov %r0, 1\nexit";
        try (Context c = context(mode, "jumps:prog_array:4:4:2", "raw")) {
            Value a = c.eval(EbpfTestSources.asm(caller));
            Value b = c.eval(EbpfTestSources.asm("mov %r0, 42\nexit"));
            assertEquals(1L, a.execute().asLong(), "empty slot: the call fails and the program goes on");
            a.getMember("maps").getMember("jumps").putHashEntry(0, b);
            for (int i = 0; i < 3; i++) {
                assertEquals(42L, a.execute().asLong());
            }
        }
        // A program that counts its runs in map 0 and tail-calls itself through map 1: 1 + 33 runs.
        String self = """
                        stw [%r10-4], 0
                        mov %r6, %r1
                        lddw %r1, map_fd 0
                        mov %r2, %r10
                        add %r2, -4
                        call map_lookup_elem
                        jeq %r0, 0, out
                        mov %r3, 1
                        lock add [%r0], %r3
                        mov %r1, %r6
                        lddw %r2, map_fd 1
                        mov %r3, 0
                        call tail_call
                        out:
                        mov %r0, 7
                        exit
                        """;
        try (Context c = context(mode, "runs:array:4:8:1,self:prog_array:4:4:1", "raw")) {
            Value p = c.eval(EbpfTestSources.asm(self));
            p.getMember("maps").getMember("self").putHashEntry(0, p);
            assertEquals(7L, p.execute().asLong());
            assertEquals(
                    34L, p.getMember("maps").getMember("runs").getHashValue(0).asLong());
        }
    }

    /** XDP: swap the Ethernet addresses and return XDP_TX (3); XDP_DROP (1) when the packet is shorter than 14 bytes. */
    static final String XDP_SWAP = """
                    ldxw %r2, [%r1+0]
                    ldxw %r3, [%r1+4]
                    mov %r4, %r2
                    add %r4, 14
                    jgt %r4, %r3, drop
                    ldxw %r5, [%r2+0]
                    ldxh %r6, [%r2+4]
                    ldxw %r7, [%r2+6]
                    ldxh %r8, [%r2+10]
                    stxw [%r2+0], %r7
                    stxh [%r2+4], %r8
                    stxw [%r2+6], %r5
                    stxh [%r2+10], %r6
                    mov %r0, 3
                    exit
                    drop:
                    mov %r0, 1
                    exit
                    """;

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void xdpProgramRewritesThePacketInPlace(EngineMode mode) {
        try (Context c = context(mode, "", "xdp")) {
            Value program = c.eval(EbpfTestSources.asm(XDP_SWAP));
            for (int i = 0; i < 3; i++) {
                byte[] packet = {1, 2, 3, 4, 5, 6, 11, 12, 13, 14, 15, 16, 8, 0, 42};
                assertEquals(3L, program.invokeMember("runInPlace", packet).asLong());
                assertArrayEquals(new byte[] {11, 12, 13, 14, 15, 16, 1, 2, 3, 4, 5, 6, 8, 0, 42}, packet);
                byte[] copy = {1, 2, 3, 4, 5, 6, 11, 12, 13, 14, 15, 16, 8, 0};
                assertEquals(3L, program.execute(copy).asLong());
                assertEquals(1, copy[0], "execute works on a copy");
                assertEquals(1L, program.execute(new byte[13]).asLong());
                // A batch runs each span in place: the first frame is rewritten, the short second one dropped.
                byte[] data = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 8, 0, 99, 1, 2, 3};
                long[] results = new long[2];
                assertEquals(
                        2L,
                        program.invokeMember("runBatch", data, new int[] {0, 14}, new int[] {14, 4}, results)
                                .asLong());
                assertArrayEquals(new long[] {3, 1}, results);
                assertArrayEquals(new byte[] {6, 7, 8, 9, 10, 11, 0, 1, 2, 3, 4, 5, 8, 0, 99, 1, 2, 3}, data);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void xdpAccessPastDataEndIsADefinedError(EngineMode mode) {
        try (Context c = context(mode, "", "xdp")) {
            PolyglotException refused = assertThrows(
                    PolyglotException.class,
                    () -> c.eval(EbpfTestSources.asm("ldxw %r2, [%r1+0]\nldxb %r0, [%r2+20]\nexit")));
            assertEquals(
                    "Unnamed:2:1: insn 1: invalid access to packet, off=20 size=1, R2 pkt(id=0,off=0,r=0)",
                    refused.getMessage());
        }
        try (Context c = unverified(mode, "", "xdp")) {
            Value program = c.eval(EbpfTestSources.asm("ldxw %r2, [%r1+0]\nldxb %r0, [%r2+20]\nexit"));
            for (int i = 0; i < 3; i++) {
                PolyglotException e = assertThrows(PolyglotException.class, () -> program.execute(new byte[20]));
                assertFalse(e.isInternalError());
                assertEquals("insn 1: invalid load of 1 bytes at packet+20", e.getMessage());
            }
            PolyglotException e = assertThrows(
                    PolyglotException.class,
                    () -> c.eval(EbpfTestSources.asm("ldxh %r2, [%r1+0]\nmov %r0, 0\nexit"))
                            .execute(new byte[4]));
            assertEquals("insn 0: invalid load of 2 bytes at xdp_md+0 in a xdp program", e.getMessage());
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void socketFilterReadsTheSkbAndThePacket(EngineMode mode) {
        // Keep the packet (return its length from __sk_buff.len) when the Ethernet type, read with ld_abs, is IPv4.
        String asm = """
                        mov %r6, %r1
                        ldabsh 12
                        jne %r0, 0x800, drop
                        mov %r1, 5
                        stxw [%r6+48], %r1
                        ldxw %r0, [%r6+48]
                        ldxw %r1, [%r6+0]
                        add %r0, %r1
                        ldxw %r1, [%r6+16]
                        jne %r1, 0x0008, drop
                        exit
                        drop:
                        mov %r0, 0
                        exit
                        """;
        try (Context c = context(mode, "", "socket_filter")) {
            Value program = c.eval(EbpfTestSources.asm(asm));
            byte[] ipv4 = new byte[60];
            ipv4[12] = 8;
            byte[] arp = new byte[60];
            arp[12] = 8;
            arp[13] = 6;
            for (int i = 0; i < 3; i++) {
                assertEquals(65L, program.execute(ipv4).asLong());
                assertEquals(0L, program.execute(arp).asLong());
                assertEquals(0L, program.execute(new byte[10]).asLong(), "ld_abs past the end: the program returns 0");
            }
            long[] results = new long[3];
            byte[] data = new byte[180];
            System.arraycopy(ipv4, 0, data, 0, 60);
            System.arraycopy(arp, 0, data, 60, 60);
            System.arraycopy(ipv4, 0, data, 120, 60);
            assertEquals(
                    2L,
                    program.invokeMember("runBatch", data, new int[] {0, 60, 120}, new int[] {60, 60, 60}, results)
                            .asLong());
            assertArrayEquals(new long[] {65, 0, 65}, results);
            PolyglotException e = assertThrows(
                    PolyglotException.class,
                    () -> c.eval(EbpfTestSources.asm("mov %r2, 1\nstxw [%r1+0], %r2\nmov %r0, 0\nexit")));
            assertEquals(
                    "Unnamed:2:1: insn 1: invalid bpf_context access off=0 size=4: a socket filter writes only __sk_buff.cb[]",
                    e.getMessage());
        }
        try (Context c = unverified(mode, "", "socket_filter")) {
            PolyglotException e = assertThrows(
                    PolyglotException.class,
                    () -> c.eval(EbpfTestSources.asm("stw [%r1+0], 1\nmov %r0, 0\nexit"))
                            .execute(new byte[60]));
            assertEquals(
                    "insn 0: invalid store of 4 bytes at __sk_buff+0 (only cb[] is writable) in a socket_filter program",
                    e.getMessage());
        }
    }

    /**
     * Regression (found by the tests module's clang-compiled calls.c against the live kernel): a legacy packet load in
     * the main function of a program with local functions is allowed, as in the kernel, and out of the packet it still
     * ends the program with 0; in a local function it is refused, as the kernel does without BTF.
     */
    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void legacyLoadsInTheMainFunctionOfAProgramWithLocalFunctions(EngineMode mode) {
        String asm = """
                        mov %r6, %r1
                        ldabsb 0
                        mov %r1, %r0
                        call local double
                        exit
                        double:
                        mov %r0, %r1
                        add %r0, %r1
                        exit
                        """;
        try (Context c = context(mode, "", "socket_filter")) {
            Value program = c.eval(EbpfTestSources.asm(asm));
            for (int i = 0; i < 3; i++) {
                assertEquals(42L, program.execute(new byte[] {21, 0}).asLong());
                assertEquals(0L, program.execute(new byte[0]).asLong(), "ld_abs past the end ends the program with 0");
            }
            PolyglotException e = assertThrows(
                    PolyglotException.class,
                    () -> c.eval(
                            EbpfTestSources.asm("mov %r6, %r1\ncall local f\nexit\nf:\nmov %r6, %r1\nldabsb 0\nexit")));
            assertTrue(e.isSyntaxError());
            assertTrue(
                    e.getMessage().contains("insn 4: ")
                            && e.getMessage().contains("a legacy packet load (ld_abs/ld_ind) in a local function"),
                    e.getMessage());
        }
    }

    @Test
    void helperArgumentsAndMapReferencesAreChecked() {
        try (Context c = context(EngineMode.INTERPRETED, "h:hash:4:4:4,p:prog_array:4:4:1", "raw")) {
            // Verified (the default): refused at load time by the prototypes.
            PolyglotException e = assertThrows(
                    PolyglotException.class,
                    () -> c.eval(EbpfTestSources.asm("mov %r1, 0\ncall map_lookup_elem\nexit")));
            assertEquals("Unnamed:2:1: insn 1: map_lookup_elem#1: R1 type=scalar(0) expected=map_ptr", e.getMessage());
            e = assertThrows(
                    PolyglotException.class,
                    () -> c.eval(EbpfTestSources.asm("lddw %r1, map_fd 1\ncall map_lookup_elem\nexit")));
            assertEquals("Unnamed:2:1: insn 2: cannot pass map_type 3 into func map_lookup_elem#1", e.getMessage());
            e = assertThrows(
                    PolyglotException.class,
                    () -> c.eval(EbpfTestSources.asm("lddw %r1, map_fd 0\nmov %r2, 0\ncall map_lookup_elem\nexit")));
            assertEquals(
                    "Unnamed:3:1: insn 3: map_lookup_elem#1: R2 type=scalar(0) expected=fp, pkt, map_value",
                    e.getMessage());
        }
        // Unverified: the same mistakes stop the run.
        try (Context c = unverified(EngineMode.INTERPRETED, "h:hash:4:4:4,p:prog_array:4:4:1", "raw")) {
            PolyglotException e = assertThrows(
                    PolyglotException.class,
                    () -> c.eval(EbpfTestSources.asm("mov %r1, 0\ncall map_lookup_elem\nexit"))
                            .execute());
            assertEquals("insn 1: map_lookup_elem: r1 is not a map of this program", e.getMessage());
            e = assertThrows(
                    PolyglotException.class,
                    () -> c.eval(EbpfTestSources.asm("lddw %r1, map_fd 1\ncall map_lookup_elem\nexit"))
                            .execute());
            assertEquals("insn 2: map_lookup_elem: map 'p' is a prog_array, which only tail_call uses", e.getMessage());
            e = assertThrows(
                    PolyglotException.class,
                    () -> c.eval(EbpfTestSources.asm("lddw %r1, map_fd 0\nmov %r2, 0\ncall map_lookup_elem\nexit"))
                            .execute());
            assertEquals("insn 3: invalid load of 4 bytes at 0x0, which is not a pointer", e.getMessage());
            e = assertThrows(PolyglotException.class, () -> c.eval(EbpfTestSources.asm("lddw %r1, map_fd 2\nexit")));
            assertTrue(e.isSyntaxError());
            assertEquals("Unnamed:1:1: insn 0: lddw refers to map 2, but the program has 2 maps", e.getMessage());
            e = assertThrows(
                    PolyglotException.class, () -> c.eval(EbpfTestSources.asm("lddw %r1, map_value_fd 0+0\nexit")));
            assertEquals(
                    "Unnamed:1:1: insn 0: lddw of a map value needs an array map with the offset inside its value (map 0, offset 0)",
                    e.getMessage());
        }
        try (Context c = context(EngineMode.INTERPRETED, "", "xdp")) {
            PolyglotException e = assertThrows(
                    PolyglotException.class, () -> c.eval(EbpfTestSources.asm("call skb_load_bytes\nexit")));
            assertEquals("Unnamed:1:1: insn 0: unknown helper 26 for program type xdp", e.getMessage());
        }
        // ebpf.Maps is typed: Truffle refuses a bad value when the context is built.
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> context(EngineMode.INTERPRETED, "x:queue:4:4:1", "raw").close());
        assertTrue(e.getMessage().contains("ebpf.Maps: 'queue' is not a map type"), e.getMessage());
    }
}
