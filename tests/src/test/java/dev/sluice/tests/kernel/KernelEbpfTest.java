package dev.sluice.tests.kernel;

import static dev.sluice.tests.ebpf.EbpfAsm.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The eBPF harness itself, checked on the live kernel: what it loads runs and returns what the program computes, what
 * the verifier refuses comes back with the verifier's own message, test runs return the packet the program wrote, and
 * maps read and write from both sides. Skips visibly where {@code bpf(2)} is not permitted.
 */
class KernelEbpfTest {
    private static final byte[] FRAME = new byte[64];

    static {
        for (int i = 0; i < FRAME.length; i++) {
            FRAME[i] = (byte) (i * 7 + 3);
        }
    }

    @BeforeAll
    static void kernelAvailable() {
        String reason = KernelEbpf.unavailableReason();
        if (reason != null) {
            System.err.println("SKIPPED KernelEbpfTest: " + reason);
        }
        Assumptions.assumeTrue(reason == null, "SKIPPED: " + reason);
    }

    private static KernelEbpf.TestRun runOnce(int progType, byte[] packet, Insn... program) {
        int fd = KernelEbpf.loadOrThrow(progType, encode(program));
        try {
            return KernelEbpf.testRun(fd, packet);
        } finally {
            KernelEbpf.close(fd);
        }
    }

    @Test
    void socketFilterReturnsItsR0() {
        KernelEbpf.TestRun run = runOnce(KernelEbpf.BPF_PROG_TYPE_SOCKET_FILTER, FRAME, mov64Imm(0, 42), exit());
        assertEquals(42, run.retval());
        // A socket filter cannot change the packet, but the test run hands back the frame with its Ethernet header
        // zeroed: the program ran past the header (eth_type_trans pulled it), and net/bpf/test_run.c pushes it back
        // as zeros (observed on Linux 6.18). The rest is the input.
        byte[] expected = FRAME.clone();
        Arrays.fill(expected, 0, KernelEbpf.ETH_HLEN, (byte) 0);
        assertArrayEquals(expected, run.dataOut());
    }

    @Test
    void socketFilterSeesThePacketAfterTheEthernetHeader() {
        // r6 = ctx; r0 = packet[0] (legacy LD_ABS); exit. The test run strips ETH_HLEN bytes (eth_type_trans) first.
        KernelEbpf.TestRun b =
                runOnce(KernelEbpf.BPF_PROG_TYPE_SOCKET_FILTER, FRAME, mov64Reg(6, 1), ldAbs(B, 0), exit());
        assertEquals(FRAME[KernelEbpf.ETH_HLEN] & 0xff, b.retval());
        // LD_ABS of a word is big-endian (network order).
        KernelEbpf.TestRun w =
                runOnce(KernelEbpf.BPF_PROG_TYPE_SOCKET_FILTER, FRAME, mov64Reg(6, 1), ldAbs(W, 2), exit());
        int at = KernelEbpf.ETH_HLEN + 2;
        assertEquals(
                (FRAME[at] & 0xff) << 24
                        | (FRAME[at + 1] & 0xff) << 16
                        | (FRAME[at + 2] & 0xff) << 8
                        | (FRAME[at + 3] & 0xff),
                w.retval());
        // SKF_NET_OFF + k (-0x100000 + k) reads the network header, which the test run puts where the data starts.
        KernelEbpf.TestRun net =
                runOnce(KernelEbpf.BPF_PROG_TYPE_SOCKET_FILTER, FRAME, mov64Reg(6, 1), ldAbs(B, -0x100000 + 3), exit());
        assertEquals(FRAME[KernelEbpf.ETH_HLEN + 3] & 0xff, net.retval());
        // __sk_buff.len (offset 0) is the length after the Ethernet header.
        KernelEbpf.TestRun len = runOnce(KernelEbpf.BPF_PROG_TYPE_SOCKET_FILTER, FRAME, ldx(W, 0, 1, 0), exit());
        assertEquals(FRAME.length - KernelEbpf.ETH_HLEN, len.retval());
    }

    @Test
    void xdpWritesThePacketAfterABoundsCheck() {
        // r2 = ctx->data; r3 = ctx->data_end; if r2 + 2 > r3 goto pass; packet[1] = 0xaa; r0 = XDP_TX; exit;
        // pass: r0 = XDP_PASS; exit
        Insn[] program = {
            ldx(W, 2, 1, 0),
            ldx(W, 3, 1, 4),
            mov64Reg(4, 2),
            alu64Imm(ADD, 4, 2),
            jmpReg(JGT, 4, 3, 3),
            st(B, 2, 1, 0xaa),
            mov64Imm(0, XDP_TX),
            exit(),
            mov64Imm(0, XDP_PASS),
            exit()
        };
        KernelEbpf.TestRun run = runOnce(KernelEbpf.BPF_PROG_TYPE_XDP, FRAME, program);
        assertEquals(XDP_TX, run.retval());
        byte[] expected = FRAME.clone();
        expected[1] = (byte) 0xaa;
        assertArrayEquals(expected, run.dataOut());
    }

    @Test
    void refusedProgramsComeWithTheVerifiersMessage() {
        KernelEbpf.Load noReturnValue = KernelEbpf.load(KernelEbpf.BPF_PROG_TYPE_SOCKET_FILTER, encode(exit()));
        assertFalse(noReturnValue.ok());
        assertEquals(Libc.EACCES, noReturnValue.errno());
        assertTrue(noReturnValue.log().contains("R0 !read_ok"), noReturnValue.log());

        // An unchecked packet access in XDP: r2 = ctx->data; r0 = *(u8 *)(r2 + 0); exit
        KernelEbpf.Load unchecked =
                KernelEbpf.load(KernelEbpf.BPF_PROG_TYPE_XDP, encode(ldx(W, 2, 1, 0), ldx(B, 0, 2, 0), exit()));
        assertFalse(unchecked.ok());
        assertTrue(unchecked.log().contains("invalid access to packet"), unchecked.log());

        // A jump past the end is refused before the verifier walks the program (no log level needed, EINVAL).
        KernelEbpf.Load outOfRange =
                KernelEbpf.load(KernelEbpf.BPF_PROG_TYPE_XDP, encode(mov64Imm(0, 0), ja(5), exit()));
        assertFalse(outOfRange.ok());
        assertTrue(outOfRange.log().contains("jump out of range"), outOfRange.log());

        IllegalStateException e = assertThrows(
                IllegalStateException.class,
                () -> KernelEbpf.loadOrThrow(KernelEbpf.BPF_PROG_TYPE_XDP, encode(exit())));
        assertTrue(e.getMessage().contains("R0 !read_ok"), e.getMessage());
    }

    @Test
    void legacyLoadsAndLocalFunctions() {
        // main: r6 = ctx; r0 = packet[0]; call f; exit. f: r0 = 7; exit. The kernel accepts a legacy load in the main
        // function of a program with local functions, and its out-of-packet case still ends the program with 0.
        Insn[] inMain = {mov64Reg(6, 1), ldAbs(B, 0), new Insn(JMP | CALL, 0, 1, 0, 1), exit(), mov64Imm(0, 7), exit()};
        assertEquals(
                7,
                runOnce(KernelEbpf.BPF_PROG_TYPE_SOCKET_FILTER, FRAME, inMain).retval());
        Insn[] outOfPacket = {
            mov64Reg(6, 1), ldAbs(B, 1000), new Insn(JMP | CALL, 0, 1, 0, 1), exit(), mov64Imm(0, 7), exit()
        };
        assertEquals(
                0,
                runOnce(KernelEbpf.BPF_PROG_TYPE_SOCKET_FILTER, FRAME, outOfPacket)
                        .retval());
        // In the local function (loaded without BTF, as Sluice's tests load programs) the kernel refuses it.
        Insn[] inCallee = {mov64Reg(6, 1), new Insn(JMP | CALL, 0, 1, 0, 1), exit(), mov64Reg(6, 1), ldAbs(B, 0), exit()
        };
        KernelEbpf.Load load = KernelEbpf.load(KernelEbpf.BPF_PROG_TYPE_SOCKET_FILTER, encode(inCallee));
        System.err.println("KernelEbpfTest: LD_ABS in a local function: "
                + (load.ok() ? "accepted" : "refused: " + load.log().strip()));
        if (load.ok()) {
            KernelEbpf.close(load.fd());
        }
    }

    @Test
    void boundedLoopIsAcceptedAndRuns() {
        // r0 = 0; r1 = 10; loop: r0 += r1; r1 -= 1; if r1 != 0 goto loop; exit  -> 55
        KernelEbpf.TestRun run = runOnce(
                KernelEbpf.BPF_PROG_TYPE_XDP,
                FRAME,
                mov64Imm(0, 0),
                mov64Imm(1, 10),
                alu64Reg(ADD, 0, 1),
                alu64Imm(SUB, 1, 1),
                jmpImm(JNE, 1, 0, -3),
                exit());
        assertEquals(55, run.retval());
    }

    @Test
    void mapsReadAndWriteFromBothSides() {
        int array = KernelEbpf.createMap(KernelEbpf.BPF_MAP_TYPE_ARRAY, 4, 8, 4);
        int hash = KernelEbpf.createMap(KernelEbpf.BPF_MAP_TYPE_HASH, 4, 8, 16);
        try {
            // An array has every key, zero-filled; updates are visible to lookups.
            assertArrayEquals(new byte[8], KernelEbpf.lookup(array, KernelEbpf.le32(3), 8));
            assertNull(KernelEbpf.lookup(array, KernelEbpf.le32(4), 8), "key 4 of a 4-entry array");
            assertFalse(KernelEbpf.update(array, KernelEbpf.le32(1), KernelEbpf.le64(77), KernelEbpf.BPF_ANY)
                    .failed());
            assertEquals(77, KernelEbpf.readLe64(KernelEbpf.lookup(array, KernelEbpf.le32(1), 8)));

            assertNull(KernelEbpf.lookup(hash, KernelEbpf.le32(5), 8));
            assertFalse(KernelEbpf.update(hash, KernelEbpf.le32(5), KernelEbpf.le64(-1), KernelEbpf.BPF_NOEXIST)
                    .failed());
            assertEquals(-1L, KernelEbpf.readLe64(KernelEbpf.lookup(hash, KernelEbpf.le32(5), 8)));
            Libc.Result again = KernelEbpf.update(hash, KernelEbpf.le32(5), KernelEbpf.le64(1), KernelEbpf.BPF_NOEXIST);
            assertTrue(again.failed(), "BPF_NOEXIST on a present key");
            assertFalse(KernelEbpf.delete(hash, KernelEbpf.le32(5)).failed());
            assertNull(KernelEbpf.lookup(hash, KernelEbpf.le32(5), 8));
            assertEquals(
                    KernelEbpf.ENOENT,
                    KernelEbpf.delete(hash, KernelEbpf.le32(5)).errno());

            // A program that adds 1 to array[1] per run, run 10 times by one test run (repeat).
            Insn[] counter = {
                st(W, 10, -4, 1), // key = 1 on the stack
                lddwLow(1, PSEUDO_MAP_FD, array),
                lddwHigh(0),
                mov64Reg(2, 10),
                alu64Imm(ADD, 2, -4),
                call(HELPER_MAP_LOOKUP_ELEM),
                jmpImm(JEQ, 0, 0, 3),
                ldx(DW, 1, 0, 0),
                alu64Imm(ADD, 1, 1),
                stx(DW, 0, 1, 0),
                mov64Imm(0, XDP_PASS),
                exit()
            };
            int fd = KernelEbpf.loadOrThrow(KernelEbpf.BPF_PROG_TYPE_XDP, encode(counter));
            try {
                KernelEbpf.TestRun run = KernelEbpf.testRun(fd, FRAME, 10, null, 0);
                assertEquals(XDP_PASS, run.retval());
                assertTrue(run.durationNanos() >= 0);
            } finally {
                KernelEbpf.close(fd);
            }
            assertEquals(87, KernelEbpf.readLe64(KernelEbpf.lookup(array, KernelEbpf.le32(1), 8)));
        } finally {
            KernelEbpf.close(array);
            KernelEbpf.close(hash);
        }
    }

    @Test
    void testRunRefusesAFrameShorterThanAnEthernetHeader() {
        int fd = KernelEbpf.loadOrThrow(KernelEbpf.BPF_PROG_TYPE_SOCKET_FILTER, encode(mov64Imm(0, 1), exit()));
        try {
            IllegalStateException e = assertThrows(
                    IllegalStateException.class,
                    () -> KernelEbpf.testRun(fd, Arrays.copyOf(FRAME, KernelEbpf.ETH_HLEN - 1)));
            assertTrue(e.getMessage().contains("errno " + Libc.EINVAL), e.getMessage());
            // IPv4 and IPv6 frames too short for their IP header are refused too (KernelEbpf.socketTestRunRefuses).
            for (int etherType : new int[] {0x0800, 0x86dd, 0x0806}) {
                int ipHeader = etherType == 0x0800 ? 20 : etherType == 0x86dd ? 40 : 0;
                for (int length = KernelEbpf.ETH_HLEN; length <= KernelEbpf.ETH_HLEN + 41; length++) {
                    byte[] frame = Arrays.copyOf(FRAME, length);
                    frame[12] = (byte) (etherType >> 8);
                    frame[13] = (byte) etherType;
                    boolean refused;
                    try {
                        KernelEbpf.testRun(fd, frame);
                        refused = false;
                    } catch (IllegalStateException refusal) {
                        refused = true;
                    }
                    assertEquals(
                            length < KernelEbpf.ETH_HLEN + ipHeader,
                            refused,
                            String.format("EtherType 0x%04x, %d bytes", etherType, length));
                    assertEquals(refused, KernelEbpf.socketTestRunRefuses(frame));
                }
            }
        } finally {
            KernelEbpf.close(fd);
        }
    }
}
