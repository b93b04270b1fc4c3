package dev.sluice.ebpf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.testing.EngineMode;
import dev.sluice.ebpf.formats.AsmFormat;
import dev.sluice.ebpf.isa.Program;
import dev.sluice.ebpf.isa.ProgramType;
import dev.sluice.ebpf.lower.Lowering;
import dev.sluice.ebpf.maps.MapSpec;
import dev.sluice.ebpf.maps.MapType;
import dev.sluice.ebpf.verify.StructuralCheck;
import dev.sluice.ebpf.verify.Verifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Socket filters in one {@code runBatch}, under the interpreter and compiled (where the batch root must have been
 * compiled by Graal): the bundled {@code examples/ebpf/socket-tcp-port-80.s} (the socket-filter shape of
 * benchmarks/ebpf-compare.sh: legacy LD_ABS/LD_IND loads and skb->len) as EbpfBenchmark runs it, and the __sk_buff the
 * runs of a batch share (one per batch, its fields set for each run): each run sees its own len and protocol and a
 * zeroed cb[], whatever the run before wrote.
 */
class SocketFilterBatchTest {
    private static final String EXAMPLE = "ebpf/socket-tcp-port-80.s";

    /** An Ethernet + IPv4 (header of {@code ihl} words) + TCP frame of {@code length} bytes (at most the full one). */
    private static byte[] tcp(int ihl, int protocol, int fragment, int sport, int dport, int length) {
        byte[] f = new byte[14 + 4 * ihl + 20];
        f[12] = 0x08; // IPv4
        f[14] = (byte) (0x40 | ihl);
        f[20] = (byte) (fragment >>> 8);
        f[21] = (byte) fragment;
        f[23] = (byte) protocol;
        int l4 = 14 + 4 * ihl;
        f[l4] = (byte) (sport >>> 8);
        f[l4 + 1] = (byte) sport;
        f[l4 + 2] = (byte) (dport >>> 8);
        f[l4 + 3] = (byte) dport;
        return Arrays.copyOf(f, Math.min(length, f.length));
    }

    private record Case(byte[] frame, long kept) {}

    private static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        cases.add(new Case(tcp(5, 6, 0, 80, 40000, 54), 54)); // source port 80: kept whole
        cases.add(new Case(tcp(6, 6, 0, 40000, 80, 58), 58)); // destination 80 after 4 bytes of IPv4 options
        cases.add(new Case(tcp(6, 6, 0, 80, 1, 58), 58));
        cases.add(new Case(tcp(5, 6, 0, 1234, 443, 54), 0)); // other ports
        cases.add(new Case(tcp(15, 6, 0, 40000, 80, 94), 94)); // the longest IPv4 header
        cases.add(new Case(tcp(5, 17, 0, 80, 80, 54), 0)); // UDP
        cases.add(new Case(tcp(5, 6, 0x2000, 80, 80, 54), 54)); // more fragments, offset 0: a first fragment
        cases.add(new Case(tcp(5, 6, 0x0001, 80, 80, 54), 0)); // offset 1: no ports in it
        cases.add(new Case(tcp(5, 6, 0, 80, 80, 36), 36)); // source port is the frame's last 2 bytes: kept
        cases.add(new Case(tcp(5, 6, 0, 40000, 80, 37), 0)); // destination port one byte past the end: LD_IND ends it
        cases.add(new Case(tcp(5, 6, 0, 40000, 80, 23), 0)); // protocol byte past the end: LD_ABS ends it
        cases.add(new Case(new byte[13], 0)); // shorter than the Ethernet type
        byte[] ipv6 = tcp(5, 6, 0, 80, 80, 54);
        ipv6[12] = (byte) 0x86;
        ipv6[13] = (byte) 0xdd;
        cases.add(new Case(ipv6, 0));
        return cases;
    }

    /** A batch of {@code frames} back to back through {@code program}; r0 of each run. */
    private static long[] batch(Value program, byte[]... frames) {
        int total = 0;
        for (byte[] f : frames) {
            total += f.length;
        }
        byte[] data = new byte[total];
        int[] offsets = new int[frames.length];
        int[] lengths = new int[frames.length];
        int at = 0;
        for (int i = 0; i < frames.length; i++) {
            System.arraycopy(frames[i], 0, data, at, frames[i].length);
            offsets[i] = at;
            lengths[i] = frames[i].length;
            at += frames[i].length;
        }
        long[] results = new long[frames.length];
        program.invokeMember("runBatch", data, offsets, lengths, results);
        return results;
    }

    private static Value socketFilter(Context context, String asm, String name) {
        return context.eval(
                Source.newBuilder("ebpf", asm, name).mimeType("text/x-ebpf").buildLiteral());
    }

    /** Each run reads cb[0..4] (their sum plus 1 is r0) and then writes 1 into all five: a run sees none of that. */
    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void cbWrittenByOneRunIsZeroInTheNext(EngineMode mode) {
        StringBuilder asm = new StringBuilder("mov %r0, 1\n");
        for (int off = 48; off < 68; off += 4) {
            asm.append("ldxw %r2, [%r1+").append(off).append("]\nadd %r0, %r2\n");
        }
        asm.append("mov %r3, 1\n"); // stores of an immediate into the context are refused (as by the kernel)
        for (int off = 48; off < 68; off += 4) {
            asm.append("stxw [%r1+").append(off).append("], %r3\n");
        }
        asm.append("exit\n");
        try (Engine engine = mode.newEngine("ebpf", "cb-writer");
                Context context = mode.contextBuilder("ebpf", engine)
                        .option("ebpf.ProgramType", "socket_filter")
                        .build()) {
            Value program = socketFilter(context, asm.toString(), "cb-writer");
            for (int round = 0; round < 3; round++) {
                assertArrayEquals(
                        new long[] {1, 1, 1, 1},
                        batch(program, new byte[60], new byte[60], new byte[14], new byte[60]));
            }
        }
        if (mode == EngineMode.COMPILED) {
            assertTrue(EngineMode.compiled("cb-writer-runBatch"), "not compiled: " + EngineMode.COMPILATIONS);
        }
    }

    /**
     * r0 = len << 16 | the protocol field's low 16 bits (network order in memory, so 0x0800 reads 0x0008): each run
     * its own, a short frame's protocol 0 after an IPv4 one's.
     */
    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void lenAndProtocolAreEachRunsOwn(EngineMode mode) {
        String asm = """
                        ldxw %r2, [%r1+16]
                        ldxw %r0, [%r1+0]
                        lsh %r0, 16
                        or %r0, %r2
                        exit
                        """;
        byte[] ipv4 = new byte[60];
        ipv4[12] = 0x08;
        byte[] arp = new byte[42];
        arp[12] = 0x08;
        arp[13] = 0x06;
        try (Engine engine = mode.newEngine("ebpf", "len-protocol");
                Context context = mode.contextBuilder("ebpf", engine)
                        .option("ebpf.ProgramType", "socket_filter")
                        .build()) {
            Value program = socketFilter(context, asm, "len-protocol");
            for (int round = 0; round < 3; round++) {
                assertArrayEquals(
                        new long[] {60L << 16 | 0x0008, 10L << 16, 42L << 16 | 0x0608, 60L << 16 | 0x0008},
                        batch(program, ipv4, new byte[10], arp, ipv4));
            }
        }
    }

    /**
     * Unverified, skb_load_bytes may copy into cb[] but not over the rest of the __sk_buff, as the program's own stores
     * may not (the verifier refuses both; the batch relies on it, resetting only cb[] between runs).
     */
    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void skbLoadBytesWritesOnlyCb(EngineMode mode) {
        String intoCb = """
                        mov %r6, %r1
                        mov %r2, 12
                        mov %r3, %r6
                        add %r3, 48
                        mov %r4, 2
                        call skb_load_bytes
                        ldxh %r0, [%r6+48]
                        exit
                        """;
        try (Engine engine = mode.newEngine("ebpf", "ebpf-");
                Context context = mode.contextBuilder("ebpf", engine)
                        .option("ebpf.ProgramType", "socket_filter")
                        .option("ebpf.Verify", "false")
                        .build()) {
            byte[] ipv4 = new byte[60];
            ipv4[12] = 0x08;
            Value program = socketFilter(context, intoCb, "into-cb");
            for (int round = 0; round < 3; round++) {
                assertArrayEquals(new long[] {0x0008, 0x0008}, batch(program, ipv4, ipv4));
            }
            Value overLen = socketFilter(context, intoCb.replace("add %r3, 48", "add %r3, 0"), "over-len");
            for (int round = 0; round < 3; round++) {
                org.graalvm.polyglot.PolyglotException e = org.junit.jupiter.api.Assertions.assertThrows(
                        org.graalvm.polyglot.PolyglotException.class, () -> batch(overLen, ipv4));
                assertTrue(e.isGuestException(), e.toString());
                assertEquals(
                        "insn 5: invalid store of 2 bytes at __sk_buff+0 (only cb[] is writable) in a socket_filter program",
                        e.getMessage());
            }
        }
    }

    private static dev.sluice.ebpf.lower.LoweredProgram lower(
            String asm, ProgramType type, boolean verify, List<MapSpec> maps) {
        Program p = AsmFormat.read(asm, "skb", 1);
        StructuralCheck.Shape shape = StructuralCheck.check(p, type, maps);
        Verifier.Result verified = verify ? Verifier.verify(p, type, shape, maps, Verifier.DEFAULT_LIMIT) : null;
        return Lowering.lower(p, type, shape, true, verified);
    }

    /** Whether the lowered program asks for __sk_buff.protocol to be computed for each run. */
    private static boolean readsProtocol(String asm, ProgramType type, boolean verify, List<MapSpec> maps) {
        return lower(asm, type, verify, maps).readsSkbProtocol();
    }

    /** Whether the lowered program asks a batch to zero __sk_buff.cb[] again before each run. */
    private static boolean writesCb(String asm, ProgramType type, boolean verify, List<MapSpec> maps) {
        return lower(asm, type, verify, maps).writesSkbCb();
    }

    /**
     * The protocol (eth_type_trans's two byte loads and branches) is computed for a run only when it may be read: a
     * verified program that loads some byte of it, a program that makes a tail call (its target is not known when it
     * is loaded), any unverified program. The bundled example never reads it.
     */
    @Test
    void protocolIsComputedOnlyWhereARunMayReadIt() throws IOException {
        List<MapSpec> none = List.of();
        String example = Files.readString(example());
        ProgramType socket = ProgramType.SOCKET_FILTER;
        assertFalse(readsProtocol(example, socket, true, none), "the example reads len, never protocol");
        assertTrue(readsProtocol(example, socket, false, none), "unverified: any context address can be computed");
        assertTrue(readsProtocol("ldxw %r0, [%r1+16]\nexit", socket, true, none));
        assertTrue(readsProtocol("ldxh %r0, [%r1+18]\nexit", socket, true, none), "its upper half");
        assertTrue(readsProtocol("ldxb %r0, [%r1+19]\nexit", socket, true, none), "its last byte");
        assertTrue(
                readsProtocol("mov %r2, %r1\nadd %r2, 8\nldxw %r0, [%r2+8]\nexit", socket, true, none),
                "through a copy of the context pointer, offset by arithmetic");
        assertFalse(readsProtocol("ldxw %r0, [%r1+12]\nexit", socket, true, none), "queue_mapping, just before");
        assertFalse(readsProtocol("ldxw %r0, [%r1+20]\nexit", socket, true, none), "vlan_present, just after");
        assertFalse(
                readsProtocol("mov %r0, 0\njeq %r0, 0, out\nldxw %r0, [%r1+16]\nout:\nexit", socket, true, none),
                "a load no path reaches");
        String tailCall = "lddw %r2, map_fd 0\nmov %r3, 0\ncall tail_call\nmov %r0, 1\nexit";
        assertTrue(
                readsProtocol(tailCall, socket, true, List.of(new MapSpec("jumps", MapType.PROG_ARRAY, 4, 4, 1))),
                "a tail call's target may read it");
        assertFalse(readsProtocol("ldxw %r0, [%r1+16]\nexit", ProgramType.XDP, true, none), "xdp has no __sk_buff");

        // cb[] is zeroed again before each run only when a run may have written it.
        assertFalse(writesCb(example, socket, true, none), "the example stores nothing into the context");
        assertFalse(writesCb("ldxw %r0, [%r1+48]\nexit", socket, true, none), "reading cb[] does not change it");
        assertTrue(writesCb(example, socket, false, none), "unverified: any context address can be computed");
        assertTrue(writesCb("mov %r2, 7\nstxw [%r1+64], %r2\nmov %r0, 0\nexit", socket, true, none));
        assertTrue(
                writesCb(tailCall, socket, true, List.of(new MapSpec("jumps", MapType.PROG_ARRAY, 4, 4, 1))),
                "a tail call's target may write it");
    }

    /** Frames with each of eth_type_trans's outcomes, and the protocol field as a 4-byte little-endian load reads it. */
    private static final byte[][] PROTOCOL_FRAMES;

    private static final long[] PROTOCOL_READ;

    static {
        byte[] ipv4 = new byte[60];
        ipv4[12] = 0x08;
        byte[] arp = new byte[42];
        arp[12] = 0x08;
        arp[13] = 0x06;
        byte[] novell = new byte[40]; // length field 40 (< 0x600), payload 0xffff: raw 802.3, ETH_P_802_3
        novell[13] = 40;
        novell[14] = (byte) 0xff;
        novell[15] = (byte) 0xff;
        byte[] llc = new byte[40]; // length field, payload not 0xffff: 802.2 LLC, ETH_P_802_2
        llc[13] = 40;
        llc[14] = (byte) 0xaa;
        byte[] shortFrame = new byte[10];
        PROTOCOL_FRAMES = new byte[][] {ipv4, shortFrame, arp, novell, llc, ipv4};
        PROTOCOL_READ = new long[] {0x0008, 0, 0x0608, 0x0100, 0x0400, 0x0008};
    }

    /**
     * A program that reads the protocol sees each frame's own, in a batch and in single calls: verified, a program
     * that loads it; unverified, one that reaches it at an address computed from the frame's first byte (16 here);
     * and a verified program that never reads it but tail-calls one that does.
     */
    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void protocolIsRightWhereverItIsRead(EngineMode mode) {
        byte[][] frames = new byte[PROTOCOL_FRAMES.length][];
        for (int i = 0; i < frames.length; i++) {
            frames[i] = PROTOCOL_FRAMES[i].clone();
            frames[i][0] = 16;
        }
        String computed = """
                        mov %r6, %r1
                        ldabsb 0
                        add %r6, %r0
                        ldxw %r0, [%r6+0]
                        exit
                        """;
        String caller = "lddw %r2, map_fd 0\nmov %r3, 0\ncall tail_call\nmov %r0, 99\nexit";
        try (Engine engine = mode.newEngine("ebpf", "protocol-");
                Context verified = mode.contextBuilder("ebpf", engine)
                        .option("ebpf.ProgramType", "socket_filter")
                        .option("ebpf.Maps", "jumps:prog_array:4:4:1")
                        .build();
                Context unverified = mode.contextBuilder("ebpf", engine)
                        .option("ebpf.ProgramType", "socket_filter")
                        .option("ebpf.Verify", "false")
                        .build()) {
            Value reader = socketFilter(verified, "ldxw %r0, [%r1+16]\nexit", "protocol-reader");
            Value tailCaller = socketFilter(verified, caller, "protocol-tail-caller");
            tailCaller.getMember("maps").getMember("jumps").putHashEntry(0, reader);
            Value computing = socketFilter(unverified, computed, "protocol-computed");
            for (Value program : List.of(reader, tailCaller, computing)) {
                for (int round = 0; round < 3; round++) {
                    assertArrayEquals(PROTOCOL_READ, batch(program, frames), program + ", round " + round);
                    for (int i = 0; i < frames.length; i++) {
                        assertEquals(
                                PROTOCOL_READ[i],
                                program.execute(frames[i]).asLong(),
                                program + ", single call " + i + ", round " + round);
                    }
                }
            }
        }
        if (mode == EngineMode.COMPILED) {
            for (String root :
                    List.of("protocol-reader-runBatch", "protocol-tail-caller-runBatch", "protocol-computed")) {
                assertTrue(EngineMode.compiled(root), root + " not compiled: " + EngineMode.COMPILATIONS);
            }
        }
    }

    /**
     * A batch whose arrays are too short for each other is refused before any run: the error says what runBatch
     * takes, and an XDP program that writes every packet's first byte has written nothing.
     */
    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void arraysTooShortAreRefusedBeforeAnyRun(EngineMode mode) {
        String marker = """
                        ldxw %r2, [%r1+0]
                        ldxw %r3, [%r1+4]
                        mov %r4, %r2
                        add %r4, 1
                        jgt %r4, %r3, out
                        stb [%r2+0], 0x55
                        out:
                        mov %r0, 2
                        exit
                        """;
        try (Engine engine = mode.newEngine("ebpf", "marker");
                Context context = mode.contextBuilder("ebpf", engine)
                        .option("ebpf.ProgramType", "xdp")
                        .build()) {
            Value program = context.eval(Source.newBuilder("ebpf", marker, "marker")
                    .mimeType("text/x-ebpf")
                    .buildLiteral());
            int[] three = {0, 10, 20};
            int[] lengths = {10, 10, 10};
            Object[][] refused = {
                {new byte[30], three, new int[] {10, 10}, new long[3]}, // lengths shorter
                {new byte[30], new int[] {0, 10}, lengths, new long[3]}, // offsets shorter
                {new byte[30], three, lengths, new long[2]}, // results shorter
                {new byte[30], three, lengths, new long[0]},
            };
            for (int round = 0; round < 3; round++) {
                for (Object[] args : refused) {
                    PolyglotException e =
                            assertThrows(PolyglotException.class, () -> program.invokeMember("runBatch", args));
                    assertTrue(e.isGuestException(), e.toString());
                    assertEquals(
                            "runBatch takes a byte[], two int[] of equal length and optionally a long[] at least as"
                                    + " long",
                            e.getMessage());
                    assertArrayEquals(new byte[30], (byte[]) args[0], "a refused batch ran a program");
                    assertArrayEquals(new long[((long[]) args[3]).length], (long[]) args[3]);
                }
                byte[] data = new byte[30];
                long[] results = new long[4]; // longer than needed: the rest stays untouched
                results[3] = -1;
                assertEquals(
                        3L,
                        program.invokeMember("runBatch", data, three, lengths, results)
                                .asLong());
                assertArrayEquals(new long[] {2, 2, 2, -1}, results);
                assertEquals(0x55, data[0]);
                assertEquals(0x55, data[10]);
                assertEquals(0x55, data[20]);
                assertEquals(0, data[1]);
            }
        }
        if (mode == EngineMode.COMPILED) {
            assertTrue(EngineMode.compiled("marker-runBatch"), "not compiled: " + EngineMode.COMPILATIONS);
        }
    }

    /**
     * A verified program that stores nothing into the context, whose tail call's target reads cb[] and then writes it:
     * the next run of the batch still sees cb[] zeroed.
     */
    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void cbWrittenByATailCallTargetIsZeroInTheNextRun(EngineMode mode) {
        String writer = """
                        ldxw %r0, [%r1+48]
                        add %r0, 1
                        mov %r3, 9
                        stxw [%r1+48], %r3
                        exit
                        """;
        String caller = "lddw %r2, map_fd 0\nmov %r3, 0\ncall tail_call\nmov %r0, 99\nexit";
        try (Engine engine = mode.newEngine("ebpf", "cb-");
                Context context = mode.contextBuilder("ebpf", engine)
                        .option("ebpf.ProgramType", "socket_filter")
                        .option("ebpf.Maps", "jumps:prog_array:4:4:1")
                        .build()) {
            Value target = socketFilter(context, writer, "cb-target");
            Value tailCaller = socketFilter(context, caller, "cb-tail-caller");
            tailCaller.getMember("maps").getMember("jumps").putHashEntry(0, target);
            for (int round = 0; round < 3; round++) {
                assertArrayEquals(new long[] {1, 1, 1}, batch(tailCaller, new byte[60], new byte[60], new byte[60]));
            }
        }
        if (mode == EngineMode.COMPILED) {
            assertTrue(EngineMode.compiled("cb-tail-caller-runBatch"), "not compiled: " + EngineMode.COMPILATIONS);
        }
    }

    /**
     * Each span is checked before its run: a negative offset or length, a span past the end, one whose end overflows
     * an int; the error names the span. Spans that end exactly at the data's end, or are empty, run.
     */
    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void spansOutsideTheDataAreRefused(EngineMode mode) {
        try (Engine engine = mode.newEngine("ebpf", "spans");
                Context context = mode.contextBuilder("ebpf", engine)
                        .option("ebpf.ProgramType", "socket_filter")
                        .build()) {
            Value program = socketFilter(context, "ldxw %r0, [%r1+0]\nadd %r0, 1\nexit", "spans");
            int[][] bad = {
                {-1, 4}, {0, -1}, {10, 21}, {31, 0}, {Integer.MAX_VALUE, Integer.MAX_VALUE}, {1, Integer.MAX_VALUE}
            };
            for (int round = 0; round < 3; round++) {
                for (int[] span : bad) {
                    long[] results = new long[2];
                    PolyglotException e = assertThrows(
                            PolyglotException.class,
                            () -> program.invokeMember(
                                    "runBatch", new byte[30], new int[] {0, span[0]}, new int[] {5, span[1]}, results));
                    assertTrue(e.isGuestException(), e.toString());
                    assertEquals(
                            "span 1 (offset " + span[0] + ", length " + span[1] + ") is outside the data",
                            e.getMessage());
                }
                long[] results = new long[3];
                assertEquals(
                        3L,
                        program.invokeMember(
                                        "runBatch", new byte[30], new int[] {0, 30, 10}, new int[] {30, 0, 20}, results)
                                .asLong());
                assertArrayEquals(new long[] {31, 1, 21}, results);
            }
        }
        if (mode == EngineMode.COMPILED) {
            assertTrue(EngineMode.compiled("spans-runBatch"), "not compiled: " + EngineMode.COMPILATIONS);
        }
    }

    private static Path example() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("examples").resolve(EXAMPLE))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException(
                    "examples/" + EXAMPLE + " not found above " + Path.of("").toAbsolutePath());
        }
        return p.resolve("examples").resolve(EXAMPLE);
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void bundledExampleKeepsTcpPort80(EngineMode mode) throws IOException {
        List<Case> cases = cases();
        int total = cases.stream().mapToInt(c -> c.frame.length).sum();
        byte[] data = new byte[total];
        int[] offsets = new int[cases.size()];
        int[] lengths = new int[cases.size()];
        long[] expected = new long[cases.size()];
        int at = 0;
        for (int i = 0; i < cases.size(); i++) {
            byte[] f = cases.get(i).frame;
            System.arraycopy(f, 0, data, at, f.length);
            offsets[i] = at;
            lengths[i] = f.length;
            expected[i] = cases.get(i).kept;
            at += f.length;
        }
        long keptCount = Arrays.stream(expected).filter(v -> v != 0).count();
        String text = Files.readString(example());
        try (Engine engine = mode.newEngine("ebpf", "socket-tcp-port-80");
                Context context = mode.contextBuilder("ebpf", engine)
                        .option("ebpf.ProgramType", "socket_filter")
                        .option("ebpf.SocketData", "link")
                        .build()) {
            Value program = context.eval(Source.newBuilder("ebpf", text, "socket-tcp-port-80.s")
                    .mimeType("text/x-ebpf")
                    .build());
            for (int round = 0; round < 3; round++) {
                long[] results = new long[cases.size()];
                assertEquals(
                        keptCount,
                        program.invokeMember("runBatch", data, offsets, lengths, results)
                                .asLong());
                assertArrayEquals(expected, results, "round " + round);
            }
        }
        if (mode == EngineMode.COMPILED) {
            assertTrue(
                    EngineMode.compiled("socket-tcp-port-80.s-runBatch"),
                    "the batch root was not compiled: " + EngineMode.COMPILATIONS);
        }
    }
}
