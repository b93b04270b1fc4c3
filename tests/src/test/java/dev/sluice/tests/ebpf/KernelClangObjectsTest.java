package dev.sluice.tests.ebpf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.sluice.ebpf.formats.elf.EbpfObject;
import dev.sluice.tests.kernel.KernelEbpf;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The clang-compiled test programs, read by Sluice's ELF loader and run by the live kernel: the kernel accepting them
 * checks the loader's relocations (a wrong call offset or map reference fails the verifier), and each program's
 * result on packets is what its C source says. Socket filters see the frame after its 14-byte Ethernet header.
 */
class KernelClangObjectsTest {
    private static final Random RANDOM = new Random(7);

    @BeforeAll
    static void kernelAvailable() {
        String reason = KernelEbpf.unavailableReason();
        if (reason != null) {
            System.err.println("SKIPPED KernelClangObjectsTest: " + reason);
        }
        Assumptions.assumeTrue(reason == null, "SKIPPED: " + reason);
    }

    private static byte[] frame(int length) {
        byte[] f = new byte[length];
        RANDOM.nextBytes(f);
        return f;
    }

    @Test
    void swapMac() {
        EbpfObject o = ClangObjects.read("xdp_swap_mac");
        try (ClangObjects.KernelLoaded k = ClangObjects.loadIntoKernel(o, o.program("xdp"))) {
            byte[] in = frame(60);
            KernelEbpf.TestRun run = KernelEbpf.testRun(k.progFd, in);
            assertEquals(3, run.retval(), "XDP_TX");
            byte[] expected = in.clone();
            System.arraycopy(in, 6, expected, 0, 6);
            System.arraycopy(in, 0, expected, 6, 6);
            assertArrayEquals(expected, run.dataOut());
        }
    }

    @Test
    void ipv4Tcp() {
        EbpfObject o = ClangObjects.read("socket_ipv4_tcp");
        try (ClangObjects.KernelLoaded k = ClangObjects.loadIntoKernel(o, o.program("socket"))) {
            byte[] tcp = frame(74);
            tcp[14] = 0x45;
            tcp[14 + 9] = 6;
            assertEquals(
                    60,
                    KernelEbpf.testRun(k.progFd, tcp).retval(),
                    "IPv4 TCP: the whole packet after the Ethernet header");
            byte[] udp = tcp.clone();
            udp[14 + 9] = 17;
            assertEquals(0, KernelEbpf.testRun(k.progFd, udp).retval());
            byte[] ipv6 = tcp.clone();
            ipv6[14] = 0x60;
            assertEquals(0, KernelEbpf.testRun(k.progFd, ipv6).retval());
            byte[] tooShort = Arrays.copyOf(tcp, 14 + 5);
            assertEquals(
                    0, KernelEbpf.testRun(k.progFd, tooShort).retval(), "LD_ABS past the end ends the program with 0");
        }
    }

    @Test
    void callsAcrossText() {
        EbpfObject o = ClangObjects.read("calls");
        try (ClangObjects.KernelLoaded k = ClangObjects.loadIntoKernel(o, o.program("socket"))) {
            for (int i = 0; i < 20; i++) {
                byte[] f = frame(20 + i);
                int a = f[14] & 0xff, b = f[15] & 0xff, c = (f[16] & 0xff) << 8 | (f[17] & 0xff);
                int mixAb = (a * 31) ^ (b << 3);
                int expected = (((mixAb * 31) ^ (c << 3)) + 1) & 0xffff;
                assertEquals(expected, KernelEbpf.testRun(k.progFd, f).retval());
            }
        }
    }

    @Test
    void boundedLoop() {
        EbpfObject o = ClangObjects.read("bounded_loop");
        try (ClangObjects.KernelLoaded k = ClangObjects.loadIntoKernel(o, o.program("xdp"))) {
            for (int length : new int[] {14, 15, 63, 64, 65, 200}) {
                byte[] f = frame(length);
                int sum = 0;
                for (int i = 0; i < Math.min(64, length); i++) {
                    sum += f[i] & 0xff;
                }
                assertEquals(
                        (sum & 1) != 0 ? 1 : 2, KernelEbpf.testRun(k.progFd, f).retval(), "length " + length);
            }
        }
    }

    @Test
    void btfMapsCount() {
        EbpfObject o = ClangObjects.read("map_counter");
        try (ClangObjects.KernelLoaded k = ClangObjects.loadIntoKernel(o, o.program("xdp"))) {
            long[] byClass = new long[4];
            java.util.Map<Integer, Long> byLength = new java.util.HashMap<>();
            for (int i = 0; i < 30; i++) {
                byte[] f = frame(14 + RANDOM.nextInt(5));
                assertEquals(2, KernelEbpf.testRun(k.progFd, f).retval());
                byClass[f[0] & 3]++;
                byLength.merge(f.length, (long) f.length, Long::sum);
            }
            for (int c = 0; c < 4; c++) {
                assertEquals(
                        byClass[c],
                        KernelEbpf.readLe64(KernelEbpf.lookup(k.mapFds[0], KernelEbpf.le32(c), 8)),
                        "packets_by_class[" + c + "]");
            }
            for (int length = 14; length < 19; length++) {
                byte[] v = KernelEbpf.lookup(k.mapFds[1], KernelEbpf.le32(length), 8);
                if (byLength.containsKey(length)) {
                    assertEquals(byLength.get(length), KernelEbpf.readLe64(v), "bytes_by_length[" + length + "]");
                } else {
                    assertNull(v);
                }
            }
        }
    }

    @Test
    void globalDataAsLibbpfLoadsIt() {
        int[] weights = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3};
        EbpfObject o = ClangObjects.read("global_data");
        try (ClangObjects.KernelLoaded k = ClangObjects.loadIntoKernel(o, o.program("socket"))) {
            long total = 1000;
            for (int n = 1; n <= 20; n++) {
                byte[] f = frame(14 + 20 + n);
                total += f.length - 14;
                assertEquals(
                        weights[f[14] & 15] * 3 + (n & 7),
                        KernelEbpf.testRun(k.progFd, f).retval(),
                        "packet " + n);
            }
            int bss = o.maps()
                    .indexOf(o.maps().stream()
                            .filter(m -> m.name().equals(".bss"))
                            .findFirst()
                            .orElseThrow());
            assertEquals(20, KernelEbpf.readLe64(KernelEbpf.lookup(k.mapFds[bss], KernelEbpf.le32(0), 8)));
            int data = o.maps()
                    .indexOf(o.maps().stream()
                            .filter(m -> m.name().equals(".data"))
                            .findFirst()
                            .orElseThrow());
            assertEquals(total, KernelEbpf.readLe64(KernelEbpf.lookup(k.mapFds[data], KernelEbpf.le32(0), 12)));
        }
    }

    @Test
    void theKernelRefusesAStoreIntoRodataAsSluiceDoes() {
        EbpfObject o = ClangObjects.read("rodata_write");
        AssertionError e = org.junit.jupiter.api.Assertions.assertThrows(
                AssertionError.class,
                () -> ClangObjects.loadIntoKernel(o, o.program("xdp")).close());
        org.junit.jupiter.api.Assertions.assertTrue(
                e.getMessage().contains("write into map forbidden, value_size=4 off=0 size=4"), e.getMessage());
    }

    @Test
    void legacyMapCounts() {
        EbpfObject o = ClangObjects.read("legacy_map");
        try (ClangObjects.KernelLoaded k = ClangObjects.loadIntoKernel(o, o.program("socket"))) {
            KernelEbpf.TestRun run = KernelEbpf.testRun(k.progFd, frame(40), 25, null, 0);
            assertEquals(1, run.retval());
            assertEquals(25, KernelEbpf.readLe64(KernelEbpf.lookup(k.mapFds[0], KernelEbpf.le32(0), 8)));
        }
    }
}
