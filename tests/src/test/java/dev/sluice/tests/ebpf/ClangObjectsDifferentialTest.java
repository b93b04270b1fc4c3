package dev.sluice.tests.ebpf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.testing.EngineMode;
import dev.sluice.ebpf.formats.elf.EbpfObject;
import dev.sluice.tests.kernel.KernelEbpf;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.StringJoiner;
import java.util.stream.Stream;
import org.graalvm.polyglot.Value;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every clang-compiled test program, read by the ELF loader, run by the live kernel and by Sluice (interpreted and
 * compiled) on the same packets: equal return values, equal XDP output packets, and equal map contents afterwards.
 */
class ClangObjectsDifferentialTest {
    private static final int PACKETS = 40;

    @BeforeAll
    static void kernelAvailable() {
        String reason = KernelEbpf.unavailableReason();
        if (reason != null) {
            System.err.println("SKIPPED ClangObjectsDifferentialTest: " + reason);
        }
        Assumptions.assumeTrue(reason == null, "SKIPPED: " + reason);
    }

    static Stream<Arguments> programs() {
        List<Arguments> out = new ArrayList<>();
        for (String name : List.of(
                "xdp_swap_mac",
                "socket_ipv4_tcp",
                "calls",
                "bounded_loop",
                "map_counter",
                "legacy_map",
                "global_data",
                "global_strings")) {
            for (EngineMode mode : EngineMode.INTERPRETED_AND_COMPILED) {
                out.add(Arguments.of(name, mode));
            }
        }
        return out.stream();
    }

    /** Frames of 14 to 120 bytes, a third of them IPv4 TCP, so that every program takes each of its paths. */
    private static byte[] frame(Random rnd) {
        byte[] f = new byte[14 + rnd.nextInt(rnd.nextInt(4) == 0 ? 3 : 107)];
        rnd.nextBytes(f);
        if (rnd.nextInt(3) == 0 && f.length > 24) {
            f[14] = 0x45;
            f[23] = 6;
        }
        return f;
    }

    private static String mapsOption(EbpfObject o) {
        StringJoiner j = new StringJoiner(",");
        for (EbpfObject.MapDefinition m : o.maps()) {
            j.add(m.name() + ":" + m.type() + ":" + m.keySize() + ":" + m.valueSize() + ":" + m.maxEntries());
        }
        return j.toString();
    }

    /** A map value as the host sees it (a number for 1, 2, 4 or 8 bytes, else an array of bytes) as little-endian bytes. */
    private static byte[] valueBytes(Value v, int size) {
        byte[] out = new byte[size];
        if (v.hasArrayElements()) {
            for (int i = 0; i < size; i++) {
                out[i] = (byte) v.getArrayElement(i).asLong();
            }
        } else {
            long n = v.asLong();
            for (int i = 0; i < size; i++) {
                out[i] = (byte) (n >>> (8 * i));
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("programs")
    void kernelAndSluiceAgree(String name, EngineMode mode) {
        EbpfObject o = ClangObjects.read(name);
        EbpfObject.ObjectProgram p = o.programs().get(0);
        boolean xdp = p.kind() == EbpfObject.ProgramKind.XDP;
        Random rnd = new Random(name.hashCode());
        try (ClangObjects.KernelLoaded kernel = ClangObjects.loadIntoKernel(o, p);
                SluiceEbpfRunner sluice = new SluiceEbpfRunner(mode, xdp ? "xdp" : "socket_filter", mapsOption(o))) {
            // Objects with global data load whole, as an embedder loads them (their maps start with the sections'
            // bytes);
            // the others load as raw instructions with the ebpf.Maps option, the other way in.
            boolean globalData = o.maps().stream().anyMatch(EbpfObject.MapDefinition::isGlobalData);
            Value object = globalData ? sluice.loadObject(ClangObjects.bytes(name), name + ".o") : null;
            Value program = globalData ? object.getMember("programs").getMember(p.section()) : sluice.load(p.code());
            int changed = 0;
            for (int i = 0; i < PACKETS; i++) {
                byte[] frame = frame(rnd);
                KernelEbpf.TestRun k = KernelEbpf.testRun(kernel.progFd, frame);
                long r0;
                if (xdp) {
                    byte[] packet = frame.clone();
                    r0 = program.invokeMember("runInPlace", (Object) packet).asLong();
                    assertArrayEquals(k.dataOut(), packet, name + " packet " + i + " after the run");
                    changed += Arrays.equals(frame, packet) ? 0 : 1;
                } else {
                    // The socket filter's test run starts the program after the Ethernet header.
                    r0 = program.execute((Object) frame.clone()).asLong();
                }
                assertEquals(
                        k.retval(), (int) r0, name + " packet " + i + " (" + frame.length + " bytes): return value");
            }
            if (name.equals("xdp_swap_mac")) {
                assertTrue(changed > PACKETS / 2, "swap_mac should rewrite most frames");
            }
            Value maps = (globalData ? object : program).getMember("maps");
            for (int m = 0; m < o.maps().size(); m++) {
                EbpfObject.MapDefinition def = o.maps().get(m);
                Value map = maps.getMember(def.name());
                int keys = def.type() == KernelEbpf.BPF_MAP_TYPE_ARRAY ? def.maxEntries() : 200;
                int present = 0;
                for (int key = 0; key < keys; key++) {
                    byte[] kernelValue = KernelEbpf.lookup(kernel.mapFds[m], KernelEbpf.le32(key), def.valueSize());
                    Value sluiceValue = map.hasHashEntry(key) ? map.getHashValue(key) : null;
                    if (kernelValue == null) {
                        assertTrue(
                                sluiceValue == null || sluiceValue.isNull(),
                                def.name() + "[" + key + "] is absent in the kernel, Sluice has " + sluiceValue);
                    } else {
                        present++;
                        assertFalse(
                                sluiceValue == null || sluiceValue.isNull(),
                                def.name() + "[" + key + "] is missing in Sluice");
                        assertArrayEquals(
                                kernelValue, valueBytes(sluiceValue, def.valueSize()), def.name() + "[" + key + "]");
                    }
                }
                assertTrue(present > 0, def.name() + " should hold something after " + PACKETS + " runs");
            }
        }
    }
}
