package dev.sluice.ebpf.nodes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sluice.core.error.SluiceException;
import dev.sluice.ebpf.runtime.EbpfFailure;
import dev.sluice.ebpf.runtime.Memory;
import org.junit.jupiter.api.Test;

/**
 * Accesses the verifier proved inside the packet or a stack read and write without Java's bounds checks, after one
 * compare with the region's own bounds: in bounds they mean what a guarded access means, and a wrong proof (an
 * access outside the region it names) gets the guard's error and changes nothing, even where the bytes lie inside
 * the host array (another packet of a batch).
 */
class MemoryGuardTest {
    private static final int PC = 3;

    /** A 10-byte packet at offset 4 of a 20-byte buffer, bytes 0..19 holding 0x10..0x23. */
    private static Memory packet(byte[] buffer) {
        for (int i = 0; i < buffer.length; i++) {
            buffer[i] = (byte) (0x10 + i);
        }
        Memory m = new Memory();
        m.setPacket(buffer, 4, 10, true);
        return m;
    }

    @Test
    void provenPacketAccessesReadAndWriteLittleEndianInsideThePacket() {
        byte[] buffer = new byte[20];
        Memory m = packet(buffer);
        for (int size : new int[] {1, 2, 4, 8}) {
            for (int off = 0; off + size <= 10; off++) {
                long address = Memory.pointer(Memory.PACKET, off);
                long guarded = MemoryGuard.load(m, address, size, 0, PC, null);
                assertEquals(guarded, MemoryGuard.load(m, address, size, Memory.PACKET, PC, null), size + "@" + off);
                assertEquals(
                        MemoryGuard.loadSigned(m, address, size, 0, PC, null),
                        MemoryGuard.loadSigned(m, address, size, Memory.PACKET, PC, null),
                        "signed " + size + "@" + off);
            }
        }
        assertEquals(0x1716L, MemoryGuard.load(m, Memory.pointer(Memory.PACKET, 2), 2, Memory.PACKET, PC, null));
        MemoryGuard.store(m, Memory.pointer(Memory.PACKET, 6), 4, 0xa1b2c3d4L, Memory.PACKET, PC, null);
        assertArrayEquals(new byte[] {(byte) 0xd4, (byte) 0xc3, (byte) 0xb2, (byte) 0xa1}, slice(buffer, 10, 4));
        assertEquals(
                0xffff_ffff_a1b2_c3d4L,
                MemoryGuard.loadSigned(m, Memory.pointer(Memory.PACKET, 6), 4, Memory.PACKET, PC, null));
        MemoryGuard.store(m, Memory.pointer(Memory.PACKET, 0), 8, 0x0102030405060708L, Memory.PACKET, PC, null);
        assertEquals(0x0102030405060708L, MemoryGuard.load(m, Memory.pointer(Memory.PACKET, 0), 8, 0, PC, null));
    }

    @Test
    void aWrongPacketProofGetsTheGuardsErrorAndChangesNothing() {
        byte[] buffer = new byte[20];
        Memory m = packet(buffer);
        byte[] before = buffer.clone();
        // Past the packet's end by one byte, but inside the buffer; below it; far outside the buffer.
        long[] outside = {
            Memory.pointer(Memory.PACKET, 9), Memory.pointer(Memory.PACKET, -1), Memory.pointer(Memory.PACKET, 100000)
        };
        for (long address : outside) {
            SluiceException load =
                    assertThrows(SluiceException.class, () -> MemoryGuard.load(m, address, 2, Memory.PACKET, PC, null));
            assertEquals(EbpfFailure.BAD_ACCESS, load.failure());
            assertEquals("insn 3: invalid load of 2 bytes at " + Memory.describe(address), load.getMessage());
            SluiceException store = assertThrows(
                    SluiceException.class, () -> MemoryGuard.store(m, address, 2, 0xffff, Memory.PACKET, PC, null));
            assertEquals(EbpfFailure.BAD_ACCESS, store.failure());
        }
        assertArrayEquals(before, buffer);
        Memory none = new Memory(); // a run without a packet: its length is 0
        assertThrows(
                SluiceException.class,
                () -> MemoryGuard.load(none, Memory.pointer(Memory.PACKET, 0), 1, Memory.PACKET, PC, null));
    }

    @Test
    void provenStackAccessesStayInsideTheStacks() {
        Memory m = new Memory();
        m.enterFrame(0);
        m.enterFrame(1);
        long top0 = Memory.stackPointer(0), top1 = Memory.stackPointer(1);
        MemoryGuard.store(m, top0 - 8, 8, 0x1122334455667788L, Memory.STACK0, PC, null);
        MemoryGuard.store(m, top1 - 512, 4, -2, Memory.STACK0, PC, null);
        assertEquals(0x1122334455667788L, MemoryGuard.load(m, top0 - 8, 8, 0, PC, null));
        assertEquals(0x55667788L, MemoryGuard.load(m, top0 - 8, 4, Memory.STACK0, PC, null));
        assertEquals(-2L, MemoryGuard.loadSigned(m, top1 - 512, 4, Memory.STACK0, PC, null));
        assertEquals(0xfffffffeL, MemoryGuard.load(m, top1 - 512, 4, 0, PC, null));
        // A frame past the last of the stacks' array (a wrong proof): the guard's error, not a read beyond it.
        long pastTheStacks = Memory.pointer(Memory.STACK0 + Memory.MAX_FRAMES, 0);
        SluiceException e = assertThrows(
                SluiceException.class, () -> MemoryGuard.load(m, pastTheStacks, 8, Memory.STACK0, PC, null));
        assertEquals(EbpfFailure.BAD_ACCESS, e.failure());
        assertThrows(
                SluiceException.class,
                () -> MemoryGuard.store(m, Memory.pointer(Memory.STACK0 + 7, 510), 4, 1, Memory.STACK0, PC, null));
    }

    private static byte[] slice(byte[] b, int from, int n) {
        byte[] out = new byte[n];
        System.arraycopy(b, from, out, 0, n);
        return out;
    }
}
