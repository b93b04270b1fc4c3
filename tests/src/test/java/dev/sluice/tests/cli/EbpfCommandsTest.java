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
        assertEquals(List.of(bad + ":2:1: insn 1: frame pointer r10 is read only", "mov %r10, 1", "^"), r.stderrLines());
    }

    @Test
    void runsARawProgramWithALoopOnItsMemory(@TempDir Path dir) throws IOException {
        Path memory = dir.resolve("ten.bin");
        Files.write(memory, new byte[]{10});
        Sluice.Result r = Sluice.run("run", "--lang", "ebpf", "examples/ebpf/sum.s", "--data", memory.toString());
        assertEquals(0, r.exit(), r::toString);
        assertEquals("55\n", r.stdout());
    }

    @Test
    void runsAnXdpProgramOverACapture() {
        // examples/sample.pcap: 9 Ethernet frames, 6 of them IPv4 (tcpdump -r examples/sample.pcap 'ether proto 0x0800').
        Sluice.Result each = Sluice.run("run", "--lang", "ebpf", "--profile", "xdp", "examples/ebpf/xdp-ipv4.s", "--pcap", "examples/sample.pcap");
        assertEquals(0, each.exit(), each::toString);
        assertEquals(9, each.stdoutLines().size());
        assertEquals(6, each.stdoutLines().stream().filter("2"::equals).count(), each::toString);
        assertEquals(3, each.stdoutLines().stream().filter("1"::equals).count(), each::toString);
        Sluice.Result count = Sluice.run("run", "--lang", "ebpf", "--profile", "xdp", "examples/ebpf/xdp-ipv4.s", "--pcap", "examples/sample.pcap", "--count");
        assertEquals("6\n", count.stdout(), count::toString);
    }

    @Test
    void aBadAccessIsAnErrorNamingTheInstruction(@TempDir Path dir) throws IOException {
        Path oob = dir.resolve("oob.s");
        Files.writeString(oob, "ldxw %r2, [%r1+0]\nldxdw %r0, [%r2+4096]\nexit\n");
        Sluice.Result r = Sluice.run("run", "--lang", "ebpf", "--profile", "xdp", oob.toString(), "--pcap", "examples/sample.pcap");
        assertEquals(1, r.exit(), r::toString);
        assertEquals(List.of(oob + ": insn 1: invalid load of 8 bytes at packet+4096"), r.stderrLines());
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
        assertEquals(0, Sluice.run("asm", "--lang", "ebpf", text.toString(), "-o", again.toString()).exit());
        assertArrayEquals(Files.readAllBytes(raw), Files.readAllBytes(again));
        assertEquals("jne %r5, 8, L9", disasm.stdoutLines().get(6));
    }
}
