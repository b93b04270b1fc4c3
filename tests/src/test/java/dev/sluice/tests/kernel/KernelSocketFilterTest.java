package dev.sluice.tests.kernel;

import static dev.sluice.bpf.isa.Opcodes.*;
import static dev.sluice.tests.Asm.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.bpf.isa.Insn;
import dev.sluice.core.testing.EngineMode;
import dev.sluice.tests.SluiceRunner;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.graalvm.polyglot.Value;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Socket-filter semantics checked on the live kernel. Each case states the outcome the kernel is expected to give
 * (dropped, or bytes kept) and asserts it twice: the kernel must give it (so the case documents kernel behaviour,
 * measured, not assumed), and Sluice must give it in both engine modes. A second table checks load-time rejection:
 * setsockopt(SO_ATTACH_FILTER) fails with EINVAL exactly for the programs Sluice's verifier rejects.
 *
 * <p>On an AF_UNIX datagram the kernel has no device, no link-layer header and the network header at the data start;
 * Sluice's {@code PacketMeta.DEFAULT} models exactly that, and the ancillary cases check it field by field.
 */
class KernelSocketFilterTest {
    private static final int EQUAL = 3;
    private static final int NOT_EQUAL = 2;

    private static final List<SluiceRunner> RUNNERS = new ArrayList<>();
    private static KernelSocketFilter kernel;

    @BeforeAll
    static void setUp() {
        String reason = KernelSocketFilter.unavailableReason();
        if (reason != null) {
            System.err.println("SKIPPED KernelSocketFilterTest: " + reason);
        }
        Assumptions.assumeTrue(reason == null, "SKIPPED: " + reason);
        kernel = new KernelSocketFilter();
        for (EngineMode mode : EngineMode.INTERPRETED_AND_COMPILED) {
            RUNNERS.add(new SluiceRunner(mode, "socket"));
        }
    }

    @AfterAll
    static void tearDown() {
        if (kernel != null) {
            kernel.close();
        }
        RUNNERS.forEach(SluiceRunner::close);
        RUNNERS.clear();
    }

    record Case(String name, byte[] program, byte[] packet, int expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static byte[] counting(int n) {
        byte[] p = new byte[n];
        for (int i = 0; i < n; i++) {
            p[i] = (byte) i;
        }
        return p;
    }

    static final byte[] P64 = counting(64);

    /** The program leaves a value in A; the case passes when A equals {@code value} (ret #3, else ret #2). */
    static Case a(String name, int value, Insn... body) {
        return a(name, P64, value, body);
    }

    static Case a(String name, byte[] packet, int value, Insn... body) {
        Insn[] all = Arrays.copyOf(body, body.length + 3);
        all[body.length] = jmp(JEQ, value, 0, 1);
        all[body.length + 1] = ret(EQUAL);
        all[body.length + 2] = ret(NOT_EQUAL);
        return new Case(name, raw(all), packet, EQUAL);
    }

    static Case outcome(String name, int expected, Insn... insns) {
        return new Case(name, raw(insns), P64, expected);
    }

    /** Netlink attributes in host byte order (little-endian on x86_64): len, type, payload padded to 4. */
    static byte[] netlink() {
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, 0xdeadbeef); // 4 bytes of something before the attributes
        b.putShort(4, (short) 8).putShort(6, (short) 1).putInt(8, 11); // attr type 1 @4
        b.putShort(12, (short) 24).putShort(14, (short) (5 | 0x8000)); // attr type 5, NLA_F_NESTED @12, 24 bytes
        b.putShort(16, (short) 8).putShort(18, (short) 2).putInt(20, 22); // nested type 2 @16
        b.putShort(24, (short) 8).putShort(26, (short) 3).putInt(28, 33); // nested type 3 @24
        b.putShort(36, (short) 6)
                .putShort(38, (short) 7)
                .putShort(40, (short) 77); // attr type 7 @36 (len 6, padded to 8)
        b.putShort(44, (short) 8).putShort(46, (short) 9).putInt(48, 99); // attr type 9 @44
        return b.array();
    }

    static Stream<Case> semantics() {
        int net = SKF_NET_OFF;
        int ll = SKF_LL_OFF;
        int ad = SKF_AD_OFF;
        return Stream.of(
                outcome("ret #0 drops", KernelSocketFilter.DROPPED, ret(0)),
                outcome("ret #10 keeps 10 bytes", 10, ret(10)),
                outcome("ret #0xffffffff keeps the whole packet", 64, ret(-1)),
                outcome("ret a with a = len", 64, ldLen(), retA()),
                outcome("ret a with a = 1", 1, ldImm(1), retA()),
                a("ld [0] is big-endian", 0x00010203, ld(0)),
                a("ldh [62], last two bytes", 0x3e3f, ldh(62)),
                a("ldb [63], last byte", 0x3f, ldb(63)),
                outcome("ld [61] past the end returns 0", KernelSocketFilter.DROPPED, ld(61), ret(9)),
                outcome("ldh [63] past the end returns 0", KernelSocketFilter.DROPPED, ldh(63), ret(9)),
                outcome("ldb [64] past the end returns 0", KernelSocketFilter.DROPPED, ldb(64), ret(9)),
                outcome("ld [0x7fffffff] returns 0", KernelSocketFilter.DROPPED, ld(0x7fffffff), ret(9)),
                a("ld len", 64, ldLen()),
                a("ldx len", 64, ldxLen(), txa()),
                a("ldxb 4*([14]&0xf)", 56, ldxMsh(14), txa()),
                a("ldxb msh keeps A", 0x1234, ldImm(0x1234), ldxMsh(14)),
                outcome("ldxb msh past the end returns 0", KernelSocketFilter.DROPPED, ldxMsh(64), ret(9)),
                a("ldxb msh at net + 14 reads the network header", 56, ldxMsh(SKF_NET_OFF + 14), txa()),
                outcome(
                        "ldxb msh with k = -1 is a network-range load past the end, returns 0",
                        KernelSocketFilter.DROPPED,
                        ldxMsh(-1),
                        ret(9)),
                outcome(
                        "ldxb msh at ll + 0 returns 0 (no link-layer header)",
                        KernelSocketFilter.DROPPED,
                        ldxMsh(SKF_LL_OFF),
                        ret(9)),
                a("ldb [x - 1] with x = 0x3e: signed X + k", 0x3d, ldxImm(0x3e), ldbInd(-1)),
                a("ld [x + 5] with x = -1", 0x04050607, ldxImm(-1), ldInd(5)),
                a(
                        "ldh [x + 0x7fffffff] with x = 0x80000003 wraps to 2",
                        0x0203,
                        ldxImm(0x80000003),
                        ldhInd(0x7fffffff)),
                outcome("ldb [x + k] = -1 returns 0", KernelSocketFilter.DROPPED, ldxImm(0), ldbInd(-1), ret(9)),
                outcome("ld [x + k] past the end returns 0", KernelSocketFilter.DROPPED, ldxImm(30), ldInd(31), ret(9)),
                a("ld [net + 0] is the data start", 0x00010203, ld(net)),
                a("ldb [net + 63]", 0x3f, ldb(net + 63)),
                outcome("ldb [net + 64] past the end returns 0", KernelSocketFilter.DROPPED, ldb(net + 64), ret(9)),
                outcome("ldb [ll + 0]: no link-layer header, returns 0", KernelSocketFilter.DROPPED, ldb(ll), ret(9)),
                outcome(
                        "ldb [net - 1] is in the link-layer range, returns 0",
                        KernelSocketFilter.DROPPED,
                        ldb(net - 1),
                        ret(9)),
                outcome(
                        "ldb [ad - 1] is network + 0xfefff, returns 0",
                        KernelSocketFilter.DROPPED,
                        ldb(ad - 1),
                        ret(9)),
                outcome("ldb [ll - 1] below every range returns 0", KernelSocketFilter.DROPPED, ldb(ll - 1), ret(9)),
                a("ldb [x + k] with x + k = net + 2", 2, ldxImm(net), ldbInd(2)),
                outcome(
                        "ldb [x + k] in the link-layer range returns 0",
                        KernelSocketFilter.DROPPED,
                        ldxImm(ll),
                        ldbInd(2),
                        ret(9)),
                outcome(
                        "ldb [x + k] in the ancillary range is a packet load, returns 0",
                        KernelSocketFilter.DROPPED,
                        ldxImm(ad),
                        ldbInd(0),
                        ret(9)),
                outcome("div x by 0 returns 0", KernelSocketFilter.DROPPED, ldImm(5), ldxImm(0), aluX(DIV), ret(9)),
                outcome("mod x by 0 returns 0", KernelSocketFilter.DROPPED, ldImm(5), ldxImm(0), aluX(MOD), ret(9)),
                a("div is unsigned", 0x7fffffff, ldImm(0xfffffffe), alu(DIV, 2)),
                a("div x is unsigned", 0x55555555, ldImm(-1), ldxImm(3), aluX(DIV)),
                a("mod is unsigned", 5, ldImm(-1), alu(MOD, 10)),
                a("mod x is unsigned", 0x7fffffff, ldImm(-1), ldxImm(0x80000000), aluX(MOD)),
                a("lsh x by 33 shifts by 1", 2, ldImm(1), ldxImm(33), aluX(LSH)),
                a("rsh x by 36 shifts by 4", 8, ldImm(0x80), ldxImm(36), aluX(RSH)),
                a("rsh is logical", 1, ldImm(0x80000000), alu(RSH, 31)),
                a("lsh #31", 0x80000000, ldImm(1), alu(LSH, 31)),
                a("neg", -1, ldImm(1), neg()),
                a("mul wraps at 32 bits", 0, ldImm(0x10000), alu(MUL, 0x10000)),
                a("add wraps", 1, ldImm(-1), alu(ADD, 2)),
                a("sub wraps", -1, ldImm(0), alu(SUB, 1)),
                a("and/or/xor", 0x0ff0 ^ 0x3c, ldImm(0xffff), alu(AND, 0x0ff0), alu(OR, 0x0f0), alu(XOR, 0x3c)),
                outcome("jgt is unsigned", 11, ldImm(0x80000000), jmp(JGT, 1, 0, 1), ret(11), ret(12)),
                outcome("jge equal", 11, ldImm(7), jmp(JGE, 7, 0, 1), ret(11), ret(12)),
                outcome("jset", 12, ldImm(0xf0), jmp(JSET, 0x0f, 0, 1), ret(11), ret(12)),
                outcome("jeq x", 11, ldImm(9), ldxImm(9), jmpX(JEQ, 0, 1), ret(11), ret(12)),
                outcome("jgt x unsigned", 12, ldImm(1), ldxImm(-1), jmpX(JGT, 0, 1), ret(11), ret(12)),
                outcome("ja skips", 13, ja(1), ret(12), ret(13)),
                a("scratch memory round trip", 0x1234, ldImm(0x1234), st(3), ldxMem(3), ldImm(0), st(4), txa()),
                a("stx and ld M", 77, ldxImm(77), stx(15), ldMem(15)),
                a("tax and txa", 5, ldImm(5), tax(), ldImm(0), txa()),
                a("ancillary proto is 0 on AF_UNIX", 0, ldImm(9), ld(ad + 0)),
                a("ancillary pkttype is 0 (PACKET_HOST)", 0, ldImm(9), ld(ad + 4)),
                outcome("ancillary ifidx without a device ends with A", 5, ldImm(5), ld(ad + 8), ret(9)),
                outcome("ancillary hatype without a device ends with A", 6, ldImm(6), ldh(ad + 28), ret(9)),
                a("ancillary mark is 0", 0, ldImm(9), ld(ad + 20)),
                a("ancillary queue is 0", 0, ldImm(9), ld(ad + 24)),
                a("ancillary xor x", 0xff, ldImm(0xf0), ldxImm(0x0f), ld(ad + 40)),
                a("ancillary vlan_tci is 0", 0, ldImm(9), ld(ad + 44)),
                a("ancillary vlan_avail is 0", 0, ldImm(9), ld(ad + 48)),
                a("ancillary vlan_tpid is 0", 0, ldImm(9), ld(ad + 60)),
                a("ancillary size is ignored (ldb proto)", 0, ldImm(9), ldb(ad + 0)),
                // skb->hash is never computed for an AF_UNIX datagram, and the flow dissector finds no
                // payload for protocol 0: both read 0 (observed on Linux 6.18).
                a("ancillary rxhash is 0 on AF_UNIX", 0, ldImm(9), ld(ad + 32)),
                a("ancillary poff is 0 on AF_UNIX", 0, ldImm(9), ld(ad + 52)),
                a("nla finds type 7 at 36", netlink(), 36, ldImm(4), ldxImm(7), ld(ad + 12)),
                a("nla finds type 9 after a padded attr", netlink(), 44, ldImm(4), ldxImm(9), ld(ad + 12)),
                a("nla: NLA_F_NESTED is masked off the type", netlink(), 12, ldImm(4), ldxImm(5), ld(ad + 12)),
                a("nla: missing type gives 0", netlink(), 0, ldImm(4), ldxImm(2), ld(ad + 12)),
                a("nla: A past len - 4 gives 0", netlink(), 0, ldImm(61), ldxImm(7), ld(ad + 12)),
                a("nlan finds nested type 3 at 24", netlink(), 24, ldImm(12), ldxImm(3), ld(ad + 16)),
                a("nlan: type outside the nest gives 0", netlink(), 0, ldImm(12), ldxImm(9), ld(ad + 16)),
                a("nlan: nest longer than the packet gives 0", netlink(), 0, ldImm(40), ldxImm(9), ld(ad + 16)),
                new Case("empty packet, ret #5 delivers 0 bytes", raw(ret(5)), new byte[0], 0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("semantics")
    void kernelAndSluiceAgree(Case c) {
        byte[] packet = c.packet;
        kernel.attachOrThrow(c.program);
        int live = kernel.run(packet);
        assertEquals(c.expected, live, "live kernel: " + c.name);
        for (SluiceRunner r : RUNNERS) {
            Value f = r.load(c.program);
            long verdict = f.execute(packet).asLong();
            assertEquals(
                    c.expected,
                    KernelSocketFilter.expectedOutcome(verdict, packet.length),
                    r.mode() + ": " + c.name + " (Sluice verdict " + verdict + ")");
            if (r.mode() == EngineMode.INTERPRETED) {
                // runBatch is a second root; compiling it for every case would double the compile time.
                int[] batch = SluiceRunner.runPackets(f, new byte[][] {packet, packet});
                assertEquals(verdict, batch[0] & 0xffffffffL, r.mode() + " runBatch: " + c.name);
            }
        }
    }

    @Test
    void trimmedDatagramKeepsTheFirstBytes() {
        kernel.attachOrThrow(raw(ret(7)));
        assertEquals(7, kernel.run(P64));
        assertTrue(Arrays.equals(Arrays.copyOf(P64, 7), kernel.lastReceived(7)));
    }

    record Load(String name, byte[] program, boolean accepted) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Load ok(String name, Insn... insns) {
        return new Load(name, raw(insns), true);
    }

    static Load bad(String name, Insn... insns) {
        return new Load(name, raw(insns), false);
    }

    static Stream<Load> loading() {
        Insn[] max = new Insn[MAX_INSNS];
        Arrays.fill(max, ldImm(1));
        max[MAX_INSNS - 1] = retA();
        Insn[] tooLong = Arrays.copyOf(max, MAX_INSNS + 1);
        tooLong[MAX_INSNS] = retA();
        return Stream.of(
                bad("empty program"),
                ok("4096 instructions", max),
                bad("4097 instructions", tooLong),
                bad("unknown opcode 0xff", raw(0xff, 0, 0, 0), ret(0)),
                bad("unknown opcode: ld with a size bit pattern of IMM|H", raw(LD | H | IMM, 0, 0, 0), ret(0)),
                bad("ret X is not a code", raw(RET | X, 0, 0, 0)),
                bad("div #0", ldImm(1), alu(DIV, 0), retA()),
                bad("mod #0", ldImm(1), alu(MOD, 0), retA()),
                ok("div #1", ldImm(1), alu(DIV, 1), retA()),
                bad("lsh #32", alu(LSH, 32), retA()),
                bad("rsh #-1", alu(RSH, -1), retA()),
                ok("rsh #31", alu(RSH, 31), retA()),
                bad("ld M[16]", ldMem(16), retA()),
                bad("st M[16]", st(16), retA()),
                bad("ld M[0] uninitialised", ldMem(0), retA()),
                bad("ldx M[2] uninitialised", st(1), ldxMem(2), retA()),
                ok("ld M[0] after st", st(0), ldMem(0), retA()),
                bad("ld M[0] written on one path only", ldImm(1), jmp(JEQ, 0, 0, 1), st(0), ldMem(0), retA()),
                ok("ld M[0] written on both paths", ldImm(1), jmp(JEQ, 0, 0, 2), st(0), ja(1), st(0), ldMem(0), retA()),
                ok("scratch state carries over a ret (kernel quirk)", st(0), ret(1), ldMem(0), retA()),
                bad("ja out of range", ja(1), ret(0)),
                bad("ja backward", ldImm(0), ja(-2), ret(0)),
                ok("ja to the last insn", ja(0), ret(0)),
                bad("jeq jt out of range", jmp(JEQ, 0, 1, 0), ret(0)),
                bad("jeq jf out of range", jmp(JEQ, 0, 0, 5), ret(0), ret(1)),
                bad("last instruction is not ret", ret(0), ldImm(0)),
                bad("unknown ancillary SKF_AD_OFF+64", ld(SKF_AD_OFF + 64), retA()),
                bad("unknown ancillary SKF_AD_OFF+2", ld(SKF_AD_OFF + 2), retA()),
                bad("ld [-1] is in the ancillary range", ldb(-1), retA()),
                ok("ldb [SKF_AD_OFF+4] (size ignored)", ldb(SKF_AD_OFF + 4), retA()),
                ok("ld [SKF_AD_OFF-4] is a network-header load", ld(SKF_AD_OFF - 4), retA()),
                ok("ld [SKF_LL_OFF-4] loads", ld(SKF_LL_OFF - 4), retA()),
                ok("ld rand", ld(SKF_AD_OFF + 56), retA()),
                ok("ld [x + -1] indirect with any k", ldInd(-1), retA()),
                ok("mod x", aluX(MOD), retA()),
                ok("ldxb msh with a negative k", ldxMsh(SKF_NET_OFF), retA()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("loading")
    void kernelAndSluiceAcceptTheSamePrograms(Load c) {
        Libc.Result r = kernel.attach(c.program);
        assertEquals(c.accepted, !r.failed(), "live kernel: " + c.name + " -> " + r);
        if (r.failed()) {
            assertEquals(Libc.EINVAL, r.errno(), "live kernel errno for " + c.name);
        }
        String rejection = RUNNERS.get(0).rejection(c.program);
        assertEquals(c.accepted, rejection == null, "Sluice verifier: " + c.name + " -> " + rejection);
    }
}
