package dev.sluice.tests.ebpf;

import static dev.sluice.tests.ebpf.EbpfAsm.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.testing.EngineMode;
import dev.sluice.tests.kernel.KernelEbpf;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.graalvm.polyglot.Value;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * eBPF socket filters whose legacy packet loads (LD_ABS, LD_IND) feed {@code jeq}, {@code jne}, {@code jset} (64- and
 * 32-bit) and {@code and} with immediates taken from the packets, so that they match often, and now and then a use
 * that needs r0's plain value (an exit, a move, arithmetic, an ordered compare): the programs where Sluice leaves r0 in
 * the machine's byte order (ebpf nodes' {@code NativeOrderR0}). Each must return what the kernel's
 * {@code BPF_PROG_TEST_RUN} returns on every packet, in Sluice interpreted and compiled, blinded and not.
 */
class NativeOrderLegacyLoadsTest {
    private static final long SEED = 0x0de5_ebL;
    private static final int PROGRAMS = 80;
    private static final int PACKETS = 16;
    /** Few byte values, so that loaded halfwords and words often equal immediates built from them. */
    private static final int[] ALPHABET = {0x00, 0x08, 0x86};
    /** What the programs' exits return besides r0 itself. */
    private static final int STUBS = 4;

    @BeforeAll
    static void kernelAvailable() {
        String reason = KernelEbpf.unavailableReason();
        if (reason != null) {
            System.err.println("SKIPPED NativeOrderLegacyLoadsTest: " + reason);
        }
        Assumptions.assumeTrue(reason == null, "SKIPPED: " + reason);
    }

    @Test
    void legacyLoadsComparedWithPacketBytesAgreeWithTheKernel() {
        Random rnd = new Random(SEED);
        List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < PACKETS; i++) {
            byte[] frame = new byte[14 + (i % 5 == 0 ? rnd.nextInt(40) : 40 + rnd.nextInt(30))];
            for (int b = 0; b < frame.length; b++) {
                frame[b] = (byte) ALPHABET[rnd.nextInt(ALPHABET.length)];
            }
            // IPv4, or for the short frames ARP: the test run refuses an IPv4 frame shorter than its header.
            frame[12] = 0x08;
            frame[13] = (byte) (i % 5 == 0 ? 0x06 : 0x00);
            frames.add(frame);
        }
        List<SluiceEbpfRunner> runners = new ArrayList<>();
        int accepted = 0;
        int matched = 0;
        Set<Long> results = new HashSet<>();
        try {
            for (EngineMode mode : EngineMode.INTERPRETED_AND_COMPILED) {
                for (String blinding : new String[] {"on", "off"}) {
                    runners.add(new SluiceEbpfRunner(mode, "socket_filter", "", true, blinding));
                }
            }
            for (int i = 0; i < PROGRAMS; i++) {
                List<Insn> generated = program(rnd, frames);
                while (generated == null) {
                    generated = program(rnd, frames);
                }
                List<Insn> program = generated;
                byte[] code = encode(program);
                KernelEbpf.Load load = KernelEbpf.load(KernelEbpf.BPF_PROG_TYPE_SOCKET_FILTER, code);
                assertTrue(load.ok(), () -> "the kernel refused " + program + ":\n" + load.log());
                accepted++;
                try {
                    List<Value> loaded = new ArrayList<>();
                    for (SluiceEbpfRunner runner : runners) {
                        loaded.add(runner.load(code));
                    }
                    for (byte[] frame : frames) {
                        long expected =
                                KernelEbpf.testRun(load.fd(), frame.clone()).retval() & 0xffffffffL;
                        results.add(expected);
                        matched += expected >= 2 && expected < 2 + STUBS ? 1 : 0;
                        for (int r = 0; r < runners.size(); r++) {
                            long got = SluiceEbpfRunner.runOnFrame(loaded.get(r), false, frame)
                                            .r0()
                                    & 0xffffffffL;
                            SluiceEbpfRunner runner = runners.get(r);
                            assertEquals(
                                    expected,
                                    got,
                                    "program " + i + " " + program + ", " + runner.mode() + " runner " + r
                                            + ", frame of " + frame.length + " bytes");
                        }
                    }
                } finally {
                    KernelEbpf.close(load.fd());
                }
            }
        } finally {
            runners.forEach(SluiceEbpfRunner::close);
        }
        // What the generator is for: compares that match (an exit stub taken) and varied results.
        assertTrue(matched > PROGRAMS * PACKETS / 20, matched + " runs ended at a stub");
        assertTrue(results.size() >= 4, "results " + results);
        System.err.printf(
                "NativeOrderLegacyLoadsTest: %d programs x %d frames agree with the kernel, interpreted and compiled,"
                        + " blinded and not; %d runs ended at a compare's stub, %d distinct results%n",
                accepted, PACKETS, matched, results.size());
    }

    /**
     * {@code r6 = ctx; r7 = a small index; r8 = 0}, then loads and their readers with forward jumps to exit stubs that
     * return 2..5, and at the end an exit of r0 itself or of 1; null when a stub is not reached (the kernel refuses
     * unreachable instructions).
     */
    private static List<Insn> program(Random rnd, List<byte[]> frames) {
        int body = 6 + rnd.nextInt(20);
        List<Insn> insns = new ArrayList<>();
        insns.add(mov64Reg(6, 1));
        int index = rnd.nextInt(16);
        insns.add(mov64Imm(7, index));
        insns.add(mov64Imm(8, 0));
        int size = 2;
        int offset = 0;
        boolean loaded = false;
        int prologue = insns.size();
        boolean[] reached = new boolean[STUBS];
        for (int i = 0; i < body; i++) {
            int here = insns.size() - prologue;
            int choice = rnd.nextInt(20);
            if (!loaded || choice < 6) {
                size = new int[] {4, 2, 1}[rnd.nextInt(3)];
                int sizeCode = size == 4 ? W : size == 2 ? H : B;
                boolean indexed = rnd.nextInt(3) == 0;
                int k = rnd.nextInt(indexed ? 24 : 48);
                offset = k + (indexed ? index : 0);
                insns.add(indexed ? ldInd(sizeCode, 7, k) : ldAbs(sizeCode, k));
                loaded = true;
                continue;
            }
            // A jump from slot `here` of the body to stub s lands past the body's remaining slots and the tail.
            int stub = rnd.nextInt(STUBS);
            int plainUse = rnd.nextInt(4);
            reached[stub] |= choice < 15 || choice >= 17 && plainUse >= 2;
            int toStub = (body - here - 1) + 2 + 2 * stub; // the rest of the body, the tail (2 slots), earlier stubs
            int value = valueOf(rnd, frames, offset, size);
            if (rnd.nextInt(8) == 0) {
                value |= 0x10000 << rnd.nextInt(15);
            }
            if (choice < 13) {
                int op = new int[] {JEQ, JNE, JEQ}[rnd.nextInt(3)];
                insns.add(rnd.nextBoolean() ? jmpImm(op, 0, value, toStub) : jmp32Imm(op, 0, value, toStub));
            } else if (choice < 15) {
                int mask = rnd.nextBoolean() ? rnd.nextInt() : value;
                insns.add(rnd.nextBoolean() ? jmpImm(JSET, 0, mask, toStub) : jmp32Imm(JSET, 0, mask, toStub));
            } else if (choice < 17) {
                int mask = switch (rnd.nextInt(3)) {
                    case 0 -> 0xffff0000;
                    case 1 -> 0x00ff;
                    default -> rnd.nextInt();
                };
                insns.add(rnd.nextBoolean() ? alu64Imm(AND, 0, mask) : alu32Imm(AND, 0, mask));
            } else {
                insns.add(
                        switch (plainUse) {
                            case 0 -> mov64Reg(8, 0); // r8 = r0, compared below
                            case 1 -> alu64Imm(ADD, 0, 1);
                            case 2 -> jmpImm(JGT, 0, value, toStub);
                            default -> jmpImm(JEQ, 8, value, toStub); // r8, the plain copy
                        });
            }
        }
        // Tail: r0 itself (a plain use) or a constant, then the stubs.
        for (boolean r : reached) {
            if (!r) {
                return null;
            }
        }
        insns.add(rnd.nextBoolean() ? mov64Imm(0, 1) : alu64Imm(ADD, 0, 0));
        insns.add(exit());
        for (int s = 0; s < STUBS; s++) {
            insns.add(mov64Imm(0, 2 + s));
            insns.add(exit());
        }
        return insns;
    }

    /** The big-endian value of {@code size} bytes at {@code offset} after a random frame's Ethernet header, or 0. */
    private static int valueOf(Random rnd, List<byte[]> frames, int offset, int size) {
        byte[] frame = frames.get(rnd.nextInt(frames.size()));
        int at = 14 + offset;
        if (at + size > frame.length) {
            return 0;
        }
        int v = 0;
        for (int i = 0; i < size; i++) {
            v = v << 8 | (frame[at + i] & 0xff);
        }
        return v;
    }
}
