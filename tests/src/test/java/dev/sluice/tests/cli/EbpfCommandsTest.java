package dev.sluice.tests.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** check, run, disasm and asm with {@code --lang ebpf}, as separate processes on the bundled eBPF examples. */
class EbpfCommandsTest {

    @Test
    void checkAcceptsAndLocatesErrors(@TempDir Path dir) throws IOException {
        Path bad = dir.resolve("bad.s");
        Files.writeString(bad, "mov %r0, 0\nmov %r10, 1\nexit\n");
        Sluice.Result r = Sluice.run("check", "--lang", "ebpf", "examples/ebpf/sum.s", bad.toString());
        assertEquals(1, r.exit(), r::toString);
        assertEquals("examples/ebpf/sum.s: ok (7 instruction slots)\n", r.stdout());
        assertEquals(
                List.of(bad + ":2:1: insn 1: frame pointer r10 is read only", "mov %r10, 1", "^"), r.stderrLines());
    }

    @Test
    void runsARawProgramWithALoopOnItsMemory(@TempDir Path dir) throws IOException {
        Path memory = dir.resolve("ten.bin");
        Files.write(memory, new byte[] {10});
        Sluice.Result r = Sluice.run("run", "--lang", "ebpf", "examples/ebpf/sum.s", "--data", memory.toString());
        assertEquals(0, r.exit(), r::toString);
        assertEquals("55\n", r.stdout());
    }

    @Test
    void runsAnXdpProgramOverACapture() {
        // examples/sample.pcap: 9 Ethernet frames, 6 of them IPv4 (tcpdump -r examples/sample.pcap 'ether proto
        // 0x0800').
        Sluice.Result each = Sluice.run(
                "run",
                "--lang",
                "ebpf",
                "--profile",
                "xdp",
                "examples/ebpf/xdp-ipv4.s",
                "--pcap",
                "examples/sample.pcap");
        assertEquals(0, each.exit(), each::toString);
        assertEquals(9, each.stdoutLines().size());
        assertEquals(6, each.stdoutLines().stream().filter("2"::equals).count(), each::toString);
        assertEquals(3, each.stdoutLines().stream().filter("1"::equals).count(), each::toString);
        Sluice.Result count = Sluice.run(
                "run",
                "--lang",
                "ebpf",
                "--profile",
                "xdp",
                "examples/ebpf/xdp-ipv4.s",
                "--pcap",
                "examples/sample.pcap",
                "--count");
        assertEquals("6\n", count.stdout(), count::toString);
    }

    @Test
    void explainShowsTheInstructionsTakenAndWhatEachChanged(@TempDir Path dir) throws IOException {
        Path memory = dir.resolve("three.bin");
        Files.write(memory, new byte[] {3});
        Sluice.Result r = Sluice.run("explain", "--lang", "ebpf", "examples/ebpf/sum.s", "--data", memory.toString());
        assertEquals(0, r.exit(), r::toString);
        assertEquals(
                List.of(
                        "examples/ebpf/sum.s on memory of 1 bytes: r0 = 6",
                        "  (000) mov %r0, 0",
                        "  (001) ldxb %r3, [%r1]  ; r3 = 3",
                        "  (002) jeq %r3, 0, +3",
                        "  (003) add %r0, %r3     ; r0 = 3",
                        "  (004) sub %r3, 1       ; r3 = 2",
                        "  (005) jne %r3, 0, -3",
                        "  (003) add %r0, %r3     ; r0 = 5",
                        "  (004) sub %r3, 1       ; r3 = 1",
                        "  (005) jne %r3, 0, -3",
                        "  (003) add %r0, %r3     ; r0 = 6",
                        "  (004) sub %r3, 1       ; r3 = 0",
                        "  (005) jne %r3, 0, -3",
                        "  (006) exit"),
                r.stdoutLines());
        // An XDP program over a capture: each packet's path, pointers named by their region.
        Sluice.Result xdp = Sluice.run(
                "explain",
                "--lang",
                "ebpf",
                "--profile",
                "xdp",
                "examples/ebpf/xdp-ipv4.s",
                "--pcap",
                "examples/sample.pcap");
        assertEquals(0, xdp.exit(), xdp::toString);
        List<String> lines = xdp.stdoutLines();
        assertEquals(
                List.of(
                        "examples/ebpf/xdp-ipv4.s on packet 1 (54 bytes): r0 = 2",
                        "  (000) ldxw %r2, [%r1]     ; r2 = 0x200000000 (packet+0)",
                        "  (001) ldxw %r3, [%r1+4]   ; r3 = 0x200000036 (packet+54)"),
                lines.subList(0, 3));
        assertEquals(9, lines.stream().filter(l -> l.contains(" on packet ")).count());
        assertEquals(
                6,
                lines.stream()
                        .filter(l -> l.contains(" on packet ") && l.endsWith("r0 = 2"))
                        .count(),
                xdp::toString);
        Sluice.Result wrong = Sluice.run("explain", "--lang", "ebpf", "examples/ebpf/sum.s", "--syscall", "getpid");
        assertEquals(2, wrong.exit(), wrong::toString);
        assertEquals(
                List.of(
                        "sluice explain --lang ebpf: give --data FILE (raw) or --pcap FILE (xdp, socket_filter), not --syscall or --socket"),
                wrong.stderrLines());
    }

    @Test
    void aBadAccessIsRefusedByTheVerifierOrStoppedByTheGuardWhenUnverified(@TempDir Path dir) throws IOException {
        Path oob = dir.resolve("oob.s");
        Files.writeString(oob, "ldxw %r2, [%r1+0]\nldxdw %r0, [%r2+4096]\nexit\n");
        Sluice.Result r = Sluice.run(
                "run", "--lang", "ebpf", "--profile", "xdp", oob.toString(), "--pcap", "examples/sample.pcap");
        assertEquals(1, r.exit(), r::toString);
        assertEquals(
                List.of(
                        oob + ":2:1: insn 1: invalid access to packet, off=4096 size=8, R2 pkt(id=0,off=0,r=0)",
                        "ldxdw %r0, [%r2+4096]",
                        "^"),
                r.stderrLines());
        Sluice.Result unverified = Sluice.run(
                "run",
                "--lang",
                "ebpf",
                "--profile",
                "xdp",
                "--ebpf.Verify=false",
                oob.toString(),
                "--pcap",
                "examples/sample.pcap");
        assertEquals(1, unverified.exit(), unverified::toString);
        assertEquals(List.of(oob + ": insn 1: invalid load of 8 bytes at packet+4096"), unverified.stderrLines());
    }

    /** Raw instruction slots, little-endian: {opcode, dst, src, off, imm} each. */
    static byte[] raw(int[]... insns) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(insns.length * 8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int[] i : insns) {
            b.put((byte) i[0])
                    .put((byte) (i[1] | i[2] << 4))
                    .putShort((short) i[3])
                    .putInt(i[4]);
        }
        return b.array();
    }

    @Test
    void checkVerifiesRawProgramsForEachProgramType(@TempDir Path dir) throws IOException {
        int ldxw = 0x61, ldxh = 0x69, ldxdw = 0x79, movx = 0xbf, exit = 0x95;
        Path xdpOk = dir.resolve("xdp-ok.bin");
        Sluice.Result asm = Sluice.run("asm", "--lang", "ebpf", "examples/ebpf/xdp-ipv4.s", "-o", xdpOk.toString());
        assertEquals(0, asm.exit(), asm::toString);
        Path xdpUnchecked = dir.resolve("xdp-unchecked.bin");
        Files.write(
                xdpUnchecked,
                raw(new int[] {ldxw, 2, 1, 0, 0}, new int[] {ldxh, 0, 2, 12, 0}, new int[] {exit, 0, 0, 0, 0}));
        Sluice.Result xdp = Sluice.run(
                "check",
                "--lang",
                "ebpf",
                "--profile",
                "xdp",
                "--input-format",
                "raw",
                xdpOk.toString(),
                xdpUnchecked.toString());
        assertEquals(1, xdp.exit(), xdp::toString);
        assertEquals(xdpOk + ": ok (11 instruction slots)\n", xdp.stdout());
        assertEquals(
                List.of(xdpUnchecked + ": insn 1: invalid access to packet, off=12 size=2, R2 pkt(id=0,off=0,r=0)"),
                xdp.stderrLines());
        Path returnsContext = dir.resolve("returns-ctx.bin");
        Files.write(returnsContext, raw(new int[] {movx, 0, 1, 0, 0}, new int[] {exit, 0, 0, 0, 0}));
        Sluice.Result socket = Sluice.run(
                "check",
                "--lang",
                "ebpf",
                "--profile",
                "socket_filter",
                "--input-format",
                "raw",
                returnsContext.toString());
        assertEquals(1, socket.exit(), socket::toString);
        assertEquals(
                List.of(returnsContext + ": insn 1: at exit: R0 is not a known value (ctx(off=0))"),
                socket.stderrLines());
        Sluice.Result rawType = Sluice.run(
                "check", "--lang", "ebpf", "--profile", "raw", "--input-format", "raw", returnsContext.toString());
        assertEquals(0, rawType.exit(), rawType::toString);
        Path throughLength = dir.resolve("through-length.bin");
        Files.write(throughLength, raw(new int[] {ldxdw, 0, 2, 0, 0}, new int[] {exit, 0, 0, 0, 0}));
        Sluice.Result number = Sluice.run(
                "check", "--lang", "ebpf", "--profile", "raw", "--input-format", "raw", throughLength.toString());
        assertEquals(1, number.exit(), number::toString);
        assertEquals(
                List.of(
                        throughLength
                                + ": insn 0: R2 invalid mem access 'scalar' (scalar(umax=2147483647,var_off=(0x0; 0x7fffffff)))"),
                number.stderrLines());
    }

    @Test
    void asmAndDisasmRoundTrip(@TempDir Path dir) throws IOException {
        Path raw = dir.resolve("xdp.bin");
        Sluice.Result asm = Sluice.run("asm", "--lang", "ebpf", "examples/ebpf/xdp-ipv4.s", "-o", raw.toString());
        assertEquals(0, asm.exit(), asm::toString);
        assertEquals(11 * 8, Files.size(raw));
        Sluice.Result disasm = Sluice.run("disasm", "--lang", "ebpf", "--input-format", "raw", raw.toString());
        assertEquals(0, disasm.exit(), disasm::toString);
        Path text = dir.resolve("again.s");
        Files.writeString(text, disasm.stdout());
        Path again = dir.resolve("again.bin");
        assertEquals(
                0,
                Sluice.run("asm", "--lang", "ebpf", text.toString(), "-o", again.toString())
                        .exit());
        assertArrayEquals(Files.readAllBytes(raw), Files.readAllBytes(again));
        assertEquals("jne %r5, 8, L9", disasm.stdoutLines().get(6));
    }
}
