package dev.sluice.ebpf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.testing.EngineMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The bundled socket filter {@code examples/ebpf/socket-tcp-port-80.s} (the socket-filter shape of
 * benchmarks/ebpf-compare.sh: legacy LD_ABS/LD_IND loads and skb->len) in one {@code runBatch}, as EbpfBenchmark runs
 * it: frames that test each of its branches, each load at and past the frame's end, and an IPv4 header with options
 * (the LD_IND offset). Under the interpreter and compiled, where the batch root must have been compiled by Graal.
 */
class SocketFilterExampleTest {
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
    void bundledSocketFilterBatchKeepsTcpPort80(EngineMode mode) throws IOException {
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
