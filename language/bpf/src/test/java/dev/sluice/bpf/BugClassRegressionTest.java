package dev.sluice.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.bpf.formats.RawFormat;
import dev.sluice.bpf.isa.Insn;
import dev.sluice.bpf.isa.Program;
import dev.sluice.core.testing.EngineMode;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * One regression test per bug class that the Jitk paper (OSDI'14) found in BPF interpreters and JITs: control flow
 * (off-by-one jump targets, offset overflow), arithmetic (division by zero, shifts out of range), memory
 * (out-of-bounds loads, scratch index out of range), and information leaks (registers or M[] carrying data from one
 * run into another). Each runs interpreted and compiled (COMPILED) through the polyglot API.
 */
class BugClassRegressionTest {
    private static final EngineMode[] MODES = {EngineMode.INTERPRETED, EngineMode.COMPILED};
    private static final Map<EngineMode, Engine> ENGINES = new ConcurrentHashMap<>();

    @AfterAll
    static void closeEngines() {
        ENGINES.values().forEach(Engine::close);
    }

    private static Engine engine(EngineMode mode) {
        return ENGINES.computeIfAbsent(mode, EngineMode::newEngine);
    }

    private static Source socketSource(String name, Insn... insns) {
        byte[] raw = RawFormat.encode(Program.of(insns), ByteOrder.LITTLE_ENDIAN);
        return Source.newBuilder(BpfLanguage.ID, ByteSequence.create(raw), name)
                .mimeType(BpfLanguage.MIME_BINARY_SOCKET)
                .buildLiteral();
    }

    private static Context context(EngineMode mode) {
        return mode.contextBuilder("bpf", engine(mode))
                .option("bpf.Arch", "x86_64")
                .build();
    }

    /** The verifier's message for a program, or fails if it is accepted. */
    private static String rejection(Insn... insns) {
        try (Context c = context(EngineMode.INTERPRETED)) {
            PolyglotException e = assertThrows(PolyglotException.class, () -> c.eval(socketSource("rejected", insns)));
            assertTrue(e.isSyntaxError(), () -> "expected a verification error, got " + e);
            return e.getMessage();
        }
    }

    private static Insn s(int code, int k) {
        return Insn.stmt(code, k);
    }

    private static Insn j(int code, int k, int jt, int jf) {
        return Insn.jump(code, k, jt, jf);
    }

    // ---------------------------------------------------------------- 1. control flow

    /**
     * A ladder of 32 conditionals, each with a different true offset, and one distinct return per target: every input
     * must reach exactly the return its offset names. An off-by-one in either target lands on a neighbour.
     */
    @Test
    void controlFlowJumpTargetsAreExact() {
        int n = 32;
        List<Insn> p = new ArrayList<>();
        p.add(s(0x20, 0)); // 0: ld [0]
        // 1 + i: jeq #i, jt -> its own return at 2 + n + i, jf -> the next test (offset 0)
        for (int i = 0; i < n; i++) {
            int pc = 1 + i;
            int target = 2 + n + i;
            p.add(j(0x15, i, target - pc - 1, 0));
        }
        p.add(s(0x06, 0xffff)); // 1 + n: no match
        for (int i = 0; i < n; i++) {
            p.add(s(0x06, 0x100 + i)); // 2 + n + i
        }
        Source src = socketSource("ladder", p.toArray(new Insn[0]));
        for (EngineMode mode : MODES) {
            try (Context c = context(mode)) {
                Value f = c.eval(src);
                for (int i = 0; i < n + 3; i++) {
                    long expected = i < n ? 0x100 + i : 0xffff;
                    assertEquals(expected, f.execute(be32(i)).asLong(), mode + ": input " + i);
                }
            }
        }
    }

    /**
     * Jump offsets that overflow: a ja whose 32-bit target wraps around to an earlier instruction (a loop), the
     * largest backward k, and conditionals one past the end. The verifier must refuse each; the largest legal
     * offsets are accepted and land on the last instruction.
     */
    @Test
    void controlFlowOffsetOverflowIsRejected() {
        // pc 2 + 1 + 0xfffffffd wraps to 0 in 32 bits: an infinite loop if the check were signed or wrapped.
        assertEquals(
                "insn 2: jump offset -3 goes backward (classic BPF jumps only forward)",
                rejection(s(0x00, 0), s(0x00, 0), s(0x05, 0xfffffffd), s(0x06, 0)));
        assertEquals(
                "insn 0: jump offset -1 goes backward (classic BPF jumps only forward)",
                rejection(s(0x05, 0xffffffff), s(0x06, 0)));
        assertEquals(
                "insn 0: jump target insn 2147483648 is past the end of the program (2 instructions)",
                rejection(s(0x05, 0x7fffffff), s(0x06, 0)));
        assertEquals(
                "insn 0: jump target insn 2 is past the end of the program (2 instructions)",
                rejection(j(0x15, 0, 1, 0), s(0x06, 0)));
        assertEquals(
                "insn 0: jump target insn 2 is past the end of the program (2 instructions)",
                rejection(j(0x15, 0, 0, 1), s(0x06, 0)));
        // The largest legal offsets: ja to the last insn of a 4096-insn program, jt/jf = 255.
        Insn[] longest = new Insn[4096];
        longest[0] = s(0x05, 4094);
        for (int i = 1; i < 4095; i++) {
            longest[i] = s(0x06, 1);
        }
        longest[4095] = s(0x06, 77);
        Insn[] byte255 = new Insn[257];
        byte255[0] = j(0x15, 0, 255, 255); // A = 0: both branches to insn 256
        for (int i = 1; i < 256; i++) {
            byte255[i] = s(0x06, 1);
        }
        byte255[256] = s(0x06, 78);
        for (EngineMode mode : MODES) {
            try (Context c = context(mode)) {
                assertEquals(
                        77L,
                        c.eval(socketSource("ja-4094", longest))
                                .execute(new byte[0])
                                .asLong(),
                        mode.name());
                assertEquals(
                        78L,
                        c.eval(socketSource("jt-255", byte255))
                                .execute(new byte[0])
                                .asLong(),
                        mode.name());
            }
        }
        Insn[] oneTooFar = longest.clone();
        oneTooFar[0] = s(0x05, 4095);
        assertEquals(
                "insn 0: jump target insn 4096 is past the end of the program (4096 instructions)",
                rejection(oneTooFar));
    }

    /**
     * A large filter of the shape policy compilers emit: 100 blocks of "load nr, compare, load an argument half,
     * compare", whose jumps reach shared instructions with different values in A. Compiled, it must give the
     * reference interpreter's result. With A and X held in Java locals the engine made a copy of an instruction per
     * distinct incoming A, and this 602-instruction filter (like libseccomp's 1,219-instruction 05-sim-long_jumps)
     * failed to compile: "too many loop explosion iterations" (COMPILED throws on a failed compilation).
     */
    @Test
    void controlFlowLargeBranchyFilterCompiles() {
        int blocks = 100;
        int total = blocks * 6 + 2;
        List<Insn> p = new ArrayList<>();
        for (int b = 0; b < blocks; b++) {
            int pc = b * 6;
            p.add(s(0x20, 0)); // ld [0]
            p.add(j(0x15, b, 0, 4)); // jeq #b, next, next block
            p.add(s(0x20, 20)); // ld [20]
            p.add(j(0x15, 0, 0, Math.min(255, total - 1 - (pc + 4)))); // jeq #0, next, toward the kill
            p.add(s(0x20, 16)); // ld [16]
            p.add(j(0x15, b, Math.min(255, total - 2 - (pc + 6)), 0)); // jeq #b, toward the allow, next block
        }
        p.add(s(0x06, 0x7fff0000));
        p.add(s(0x06, 0));
        Insn[] insns = p.toArray(new Insn[0]);
        try (Context c = context(EngineMode.COMPILED)) {
            Value f = c.eval(socketSource("policy-shaped", insns));
            java.util.Random rnd = new java.util.Random(7);
            for (int i = 0; i < 40; i++) {
                byte[] packet = new byte[64];
                System.arraycopy(be32(rnd.nextInt(blocks + 5)), 0, packet, 0, 4);
                System.arraycopy(be32(rnd.nextInt(blocks)), 0, packet, 16, 4);
                System.arraycopy(be32(rnd.nextInt(4) == 0 ? 1 : 0), 0, packet, 20, 4);
                long expected = DifferentialTest.Reference.run(insns, packet) & 0xffffffffL;
                assertEquals(expected, f.execute(packet).asLong(), "packet " + i);
            }
        }
    }

    // ---------------------------------------------------------------- 2. arithmetic

    /** DIV/MOD by constant 0 are refused; by X = 0 the program returns 0 at once (not A, not a trap). */
    @Test
    void arithmeticDivisionByZero() {
        assertEquals("insn 0: division by constant 0", rejection(s(0x34, 0), s(0x16, 0)));
        assertEquals("insn 0: modulo by constant 0", rejection(s(0x94, 0), s(0x16, 0)));
        // ld [4]; tax; ld [0]; div|mod x; or #0x80000000; ret a
        for (int op : new int[] {0x3c, 0x9c}) {
            Source src = socketSource(
                    "div-x", s(0x20, 4), s(0x07, 0), s(0x20, 0), s(op, 0), s(0x44, 0x80000000), s(0x16, 0));
            for (EngineMode mode : MODES) {
                try (Context c = context(mode)) {
                    Value f = c.eval(src);
                    for (int a : new int[] {0, 1, 7, -1, Integer.MIN_VALUE}) {
                        assertEquals(
                                0L,
                                f.execute(concat(be32(a), be32(0))).asLong(),
                                mode + " op " + op + " A=" + a + " X=0");
                        for (int x : new int[] {1, 3, -1, Integer.MIN_VALUE}) {
                            long expected =
                                    (op == 0x3c ? Integer.divideUnsigned(a, x) : Integer.remainderUnsigned(a, x))
                                            | 0x80000000L;
                            assertEquals(
                                    expected & 0xffffffffL,
                                    f.execute(concat(be32(a), be32(x))).asLong(),
                                    mode + " op " + op + " A=" + a + " X=" + x);
                        }
                    }
                }
            }
        }
    }

    /** Shifts by a constant >= 32 are refused; by X they use X & 31, for every X from 0 to 70 and the extremes. */
    @Test
    void arithmeticShiftsOutOfRange() {
        assertEquals("insn 0: shift by constant 32 (must be below 32)", rejection(s(0x64, 32), s(0x16, 0)));
        assertEquals("insn 0: shift by constant 4294967295 (must be below 32)", rejection(s(0x74, -1), s(0x16, 0)));
        for (int op : new int[] {0x6c, 0x7c}) {
            Source src = socketSource("shift-x", s(0x20, 4), s(0x07, 0), s(0x20, 0), s(op, 0), s(0x16, 0));
            for (EngineMode mode : MODES) {
                try (Context c = context(mode)) {
                    Value f = c.eval(src);
                    List<Integer> counts = new ArrayList<>();
                    for (int x = 0; x <= 70; x++) {
                        counts.add(x);
                    }
                    counts.addAll(List.of(-1, Integer.MIN_VALUE, Integer.MAX_VALUE));
                    for (int x : counts) {
                        int a = 0x80000001;
                        int expected = op == 0x6c ? a << (x & 31) : a >>> (x & 31);
                        assertEquals(
                                expected & 0xffffffffL,
                                f.execute(concat(be32(a), be32(x))).asLong(),
                                mode + " op " + op + " X=" + x);
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------- 3. memory

    /**
     * Every load size at every offset around the end of packets of length 0 to 10, as ABS (constant offset) and as
     * IND (offset in X): a load that fits gives the big-endian bytes, one that does not returns 0 at once. Checked
     * against a direct computation from the packet bytes.
     */
    @Test
    void memoryOutOfBoundsLoads() {
        int[] codesAbs = {0x30, 0x28, 0x20}; // ldb, ldh, ld [k]
        int[] codesInd = {0x50, 0x48, 0x40}; // ldb, ldh, ld [x + k]
        int[] sizes = {1, 2, 4};
        for (EngineMode mode : MODES) {
            try (Context c = context(mode)) {
                for (int si = 0; si < 3; si++) {
                    int size = sizes[si];
                    // IND: X = packet[0] (the offset under test), then the load, then A + 1 so that "returned 0"
                    // differs.
                    Value ind = c.eval(socketSource(
                            "ind" + size, s(0x30, 0), s(0x07, 0), s(codesInd[si], 0), s(0x04, 1), s(0x16, 0)));
                    for (int len = 1; len <= 10; len++) {
                        for (int off = 0; off <= 12; off++) {
                            byte[] packet = packet(len);
                            packet[0] = (byte) off;
                            assertEquals(
                                    expectedLoad(packet, off, size),
                                    ind.execute(packet).asLong(),
                                    mode + " ind size " + size + " len " + len + " off " + off);
                        }
                    }
                    for (int k = 0; k <= 6; k++) {
                        Value abs = c.eval(
                                socketSource("abs" + size + "@" + k, s(codesAbs[si], k), s(0x04, 1), s(0x16, 0)));
                        for (int len = 0; len <= 10; len++) {
                            byte[] packet = packet(len);
                            assertEquals(
                                    expectedLoad(packet, k, size),
                                    abs.execute(packet).asLong(),
                                    mode + " abs size " + size + " len " + len + " k " + k);
                        }
                    }
                }
            }
        }
    }

    private static long expectedLoad(byte[] packet, int off, int size) {
        if (off + size > packet.length) {
            return 0;
        }
        long v = 0;
        for (int i = 0; i < size; i++) {
            v = (v << 8) | (packet[off + i] & 0xff);
        }
        return (v + 1) & 0xffffffffL;
    }

    /** M[k] needs k < 16 for every instruction that names a cell, including k = 0xffffffff (which would wrap). */
    @Test
    void memoryScratchIndexOutOfRange() {
        for (int code : new int[] {0x60, 0x61, 0x02, 0x03}) {
            for (int k : new int[] {16, 17, 0x7fffffff, 0xffffffff}) {
                String expected =
                        String.format("insn 1: scratch index M[%d] out of range (must be below 16)", k & 0xffffffffL);
                assertEquals(
                        expected,
                        rejection(s(0x02, 0), s(code, k), s(0x06, 0)),
                        String.format("code 0x%02x k %d", code, k));
            }
        }
        // M[15] is the last valid cell.
        try (Context c = context(EngineMode.COMPILED)) {
            Value f = c.eval(socketSource("m15", s(0x00, 0x15), s(0x02, 15), s(0x00, 0), s(0x60, 15), s(0x16, 0)));
            assertEquals(0x15L, f.execute(new byte[0]).asLong());
        }
    }

    // ---------------------------------------------------------------- 4. information leaks

    /**
     * A program that would read scratch memory another run or program left behind cannot be loaded: the verifier
     * refuses a read of M[k] with no write before it on every path, whatever ran before in the same context.
     */
    @Test
    void leaksUninitialisedScratchReadIsRefused() {
        try (Context c = context(EngineMode.COMPILED)) {
            // Store a secret in every cell and in A and X.
            List<Insn> store = new ArrayList<>();
            store.add(s(0x20, 0));
            for (int i = 0; i < 16; i++) {
                store.add(s(0x02, i));
            }
            store.add(s(0x07, 0));
            store.add(s(0x16, 0));
            Value writer = c.eval(socketSource("writer", store.toArray(new Insn[0])));
            assertEquals(0x5ec2e7L, writer.execute(be32(0x5ec2e7)).asLong());
            for (int cell = 0; cell < 16; cell++) {
                int k = cell;
                PolyglotException e = assertThrows(
                        PolyglotException.class, () -> c.eval(socketSource("reader" + k, s(0x60, k), s(0x16, 0))));
                assertEquals("insn 0: read of M[" + k + "] before any write on the path from insn 0", e.getMessage());
            }
        }
    }

    /**
     * One filter reads the initial A and X (before writing them), then stores its own input's secret in A, X and
     * M[]. It returns the secret if A and X started at 0, else the start values with the top bit set. Four threads,
     * each with its own context on one shared engine (so they share the compiled code), run it interleaved with
     * different secrets, singly and in batches; every result must be that run's own secret.
     */
    @Test
    void leaksNoStateCarriesOverBetweenRuns() throws Exception {
        Source src = socketSource(
                "leak-probe",
                s(0x02, 0), // 0: st M[0]        M[0] = A at start
                s(0x03, 1), // 1: stx M[1]       M[1] = X at start
                s(0x20, 0), // 2: ld [0]         the secret
                s(0x07, 0), // 3: tax
                s(0x02, 2), // 4: st M[2]
                s(0x03, 3), // 5: stx M[3]
                s(0x60, 0), // 6: ld M[0]
                s(0x61, 1), // 7: ldx M[1]
                s(0x4c, 0), // 8: or x           A = start A | start X
                j(0x15, 0, 2, 0), // 9: jeq #0, 12, 10
                s(0x44, 0x80000000), // 10: or #0x80000000: a leak is marked
                s(0x16, 0), // 11: ret a
                s(0x60, 2), // 12: ld M[2]       the secret back from M[]
                s(0x16, 0)); // 13: ret a
        for (EngineMode mode : new EngineMode[] {EngineMode.COMPILED, EngineMode.BACKGROUND}) {
            Engine engine = EngineMode.BACKGROUND == mode ? engine(EngineMode.BACKGROUND) : engine(mode);
            int threads = 4;
            int runs = 400;
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            CountDownLatch start = new CountDownLatch(1);
            try {
                List<Future<String>> results = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int thread = t;
                    results.add(pool.submit(() -> {
                        try (Context c = mode.contextBuilder("bpf", engine)
                                .option("bpf.Arch", "x86_64")
                                .build()) {
                            Value f = c.eval(src);
                            start.await();
                            for (int r = 0; r < runs; r++) {
                                int secret = 1 + thread * 0x01000000 + r; // nonzero, top bit clear, distinct per run
                                long got = f.execute(be32(secret)).asLong();
                                if (got != secret) {
                                    return mode + " thread " + thread + " run " + r + ": expected "
                                            + Integer.toHexString(secret) + ", got " + Long.toHexString(got);
                                }
                                if (r % 50 == 0) {
                                    String batch = batchCheck(f, secret);
                                    if (batch != null) {
                                        return mode + " thread " + thread + ": " + batch;
                                    }
                                }
                            }
                            return null;
                        }
                    }));
                }
                start.countDown();
                for (Future<String> r : results) {
                    String failure = r.get(5, TimeUnit.MINUTES);
                    assertEquals(null, failure);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /** runRecords and runBatch over 16 records with 16 secrets: each result is its own record's secret. */
    private static String batchCheck(Value f, int base) {
        int n = 16;
        byte[] data = new byte[4 * n];
        int[] offsets = new int[n];
        int[] lengths = new int[n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(be32(base + 0x100 * i), 0, data, 4 * i, 4);
            offsets[i] = 4 * i;
            lengths[i] = 4;
        }
        int[] out = new int[n];
        f.invokeMember("runRecords", data, 4, out);
        int[] spans = new int[n];
        f.invokeMember("runBatch", data, offsets, lengths, spans);
        for (int i = 0; i < n; i++) {
            if (out[i] != base + 0x100 * i || spans[i] != base + 0x100 * i) {
                return "record " + i + ": expected " + Integer.toHexString(base + 0x100 * i) + ", runRecords "
                        + Integer.toHexString(out[i]) + ", runBatch " + Integer.toHexString(spans[i]);
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- helpers

    private static byte[] be32(int v) {
        return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = new byte[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    /** A packet of distinct nonzero bytes 0x11, 0x22, ... so that partial or shifted reads differ. */
    private static byte[] packet(int len) {
        byte[] p = new byte[len];
        for (int i = 0; i < len; i++) {
            p[i] = (byte) (0x11 * (i + 1) + 0x40 * (i / 15));
        }
        return p;
    }
}
