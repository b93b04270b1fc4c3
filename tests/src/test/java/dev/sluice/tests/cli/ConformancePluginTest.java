package dev.sluice.tests.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sluice.ebpf.formats.DataFile;
import dev.sluice.ebpf.formats.RawFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code sluice conformance-plugin} speaks the plugin protocol of the bpf_conformance runner: the program on stdin and
 * the memory in the first argument, both as hex bytes each followed by two spaces; r0 in hex on stdout. Checked on
 * conformance tests with and without memory, with a loop, local calls, atomics and callx.
 */
class ConformancePluginTest {
    static final Path TESTS = Sluice.ROOT.resolve("language/ebpf/src/test/resources/bpf_conformance");

    static String hex(byte[] bytes) {
        StringBuilder sb = new StringBuilder();
        for (byte b : bytes) {
            sb.append(String.format("%02x  ", b & 0xff));
        }
        return sb.toString();
    }

    @Test
    void runsConformanceTestsAsTheRunnerCallsAPlugin() throws IOException {
        for (String name : List.of(
                "mem-len.data",
                "ldxh-same-reg.data",
                "prime.data",
                "call_local.data",
                "lock_cmpxchg.data",
                "callx.data",
                "sdiv64-by-zero-imm.data")) {
            DataFile test = DataFile.parse(name, Files.readString(TESTS.resolve(name)));
            String program = hex(RawFormat.encode(test.program())) + "\n";
            Sluice.Result r = test.memory().length > 0
                    ? Sluice.runWithInput(
                            List.of(), program, "conformance-plugin", hex(test.memory()), "--some-runner-option")
                    : Sluice.runWithInput(List.of(), program, "conformance-plugin");
            assertEquals(0, r.exit(), () -> name + ": " + r);
            assertEquals(Long.toHexString(test.result()) + "\n", r.stdout(), name);
        }
    }

    @Test
    void runsTheRunnersElfObjects() throws IOException {
        // --elf true: the runner sends an object (function main in section .text) and appends --elf.
        for (String name : List.of("mem-len.data", "prime.data", "call_local.data", "lock_cmpxchg.data", "lddw.data")) {
            DataFile test = DataFile.parse(name, Files.readString(TESTS.resolve(name)));
            String object = hex(RunnerElfObject.write(".text", "main", RawFormat.encode(test.program()))) + "\n";
            Sluice.Result r = test.memory().length > 0
                    ? Sluice.runWithInput(List.of(), object, "conformance-plugin", hex(test.memory()), "--elf")
                    : Sluice.runWithInput(List.of(), object, "conformance-plugin", "--elf");
            assertEquals(0, r.exit(), () -> name + ": " + r);
            assertEquals(Long.toHexString(test.result()) + "\n", r.stdout(), name);
        }
        // With --xdp_prolog true the section is "xdp" and the program type XDP: r1 is the context, the memory the
        // packet.
        // ldxw r2, [r1+4]; ldxw r1, [r1+0]; mov r0, r2; sub r0, r1; exit: data_end - data, the memory's length.
        byte[] xdpLength = {
            0x61,
            0x12,
            4,
            0,
            0,
            0,
            0,
            0,
            0x61,
            0x11,
            0,
            0,
            0,
            0,
            0,
            0,
            (byte) 0xbf,
            0x20,
            0,
            0,
            0,
            0,
            0,
            0,
            0x1f,
            0x10,
            0,
            0,
            0,
            0,
            0,
            0,
            (byte) 0x95,
            0,
            0,
            0,
            0,
            0,
            0,
            0
        };
        Sluice.Result xdp = Sluice.runWithInput(
                List.of(),
                hex(RunnerElfObject.write("xdp", "main", xdpLength)) + "\n",
                "conformance-plugin",
                hex(new byte[5]),
                "--elf");
        assertEquals(0, xdp.exit(), xdp::toString);
        assertEquals("5\n", xdp.stdout());
        // A broken object is an error naming the problem, exit 1.
        Sluice.Result broken = Sluice.runWithInput(List.of(), "7f  45  4c  46  \n", "conformance-plugin", "--elf");
        assertEquals(1, broken.exit(), broken::toString);
        org.junit.jupiter.api.Assertions.assertTrue(broken.stdout().startsWith("stdin.o: "), broken::toString);
    }

    @Test
    void failuresExitNonZeroWithTheMessageOnStdout() {
        // ldxw %r0, [%r1+4] on 4 bytes of memory: out of bounds.
        Sluice.Result r = Sluice.runWithInput(
                List.of(),
                "61  10  04  00  00  00  00  00  95  00  00  00  00  00  00  00  \n",
                "conformance-plugin",
                "01  02  03  04  ");
        assertEquals(1, r.exit(), r::toString);
        assertEquals("insn 0: invalid load of 4 bytes at context+4\n", r.stdout());
        Sluice.Result garbage = Sluice.runWithInput(List.of(), "not hex\n", "conformance-plugin");
        assertEquals(1, garbage.exit(), garbage::toString);
        assertEquals("sluice conformance-plugin: stdin does not hold the program as hex bytes\n", garbage.stdout());
    }
}
