package dev.sluice.tests.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input gives the documented exit code and a one-line reason, never a stack trace. */
class BadInputTest {
    private static void assertOneLine(Sluice.Result r, int exit, String line) {
        assertEquals(exit, r.exit(), r::toString);
        assertEquals(List.of(line), r.stderrLines(), r::toString);
        assertFalse(r.stderr().contains("\tat "), "no stack trace");
    }

    @Test
    void aMissingFile() {
        assertOneLine(Sluice.run("check", "examples/no-such-file.bpf"), 1, "examples/no-such-file.bpf: no such file");
        assertOneLine(
                Sluice.run("run", "examples/deny-mkdir.bpf", "--data", "examples/no-such.data"),
                1,
                "examples/no-such.data: no such file");
    }

    @Test
    void garbageBytes(@TempDir Path dir) throws IOException {
        Path odd = dir.resolve("odd.bpf");
        Files.write(odd, new byte[] {(byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef, 0, 1, 2, 3, 4, 5, 6, 7, 8});
        assertOneLine(
                Sluice.run("check", odd.toString()),
                1,
                odd + ": raw program is 13 bytes, not a multiple of 8 (sizeof struct sock_filter)");
        Path junk = dir.resolve("junk.bpf");
        Files.write(junk, new byte[] {(byte) 0xff, (byte) 0xff, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0, 0, 0, (byte) 0xff, 0x7f});
        assertOneLine(
                Sluice.run("run", junk.toString(), "--syscall", "1"), 1, junk + ": insn 0: unknown opcode 0xffff");
        Path data = dir.resolve("short.data");
        Files.write(data, new byte[100]);
        assertOneLine(
                Sluice.run("run", "examples/deny-mkdir.bpf", "--data", data.toString()),
                1,
                data + ": 100 bytes is not a whole number of 64-byte struct seccomp_data records");
        Path notPcap = dir.resolve("x.pcap");
        Files.write(notPcap, new byte[40]);
        assertOneLine(
                Sluice.run("run", "--profile", "socket", "examples/tcp-port-80.bpf", "--pcap", notPcap.toString()),
                1,
                notPcap + ": pcap: not a pcap file (magic 0x00000000; pcapng is not supported)");
    }

    @Test
    void aTextErrorIsLocatedWithTheSourceLineAndACaret(@TempDir Path dir) throws IOException {
        Path bad = dir.resolve("bad.asm");
        Files.writeString(bad, "ld [4]\njeq #1, nowhere\nret #0\n");
        Sluice.Result r = Sluice.run("check", bad.toString());
        assertEquals(1, r.exit(), r::toString);
        assertEquals(List.of(bad + ":2:9: undefined label 'nowhere'", "jeq #1, nowhere", "        ^"), r.stderrLines());
        // A verifier rule broken by an instruction is placed at that instruction's line.
        Path uninit = dir.resolve("uninit.asm");
        Files.writeString(uninit, "ld [0]\n  ld M[3]\nret a\n");
        Sluice.Result v = Sluice.run("check", uninit.toString());
        assertEquals(1, v.exit(), v::toString);
        assertEquals(
                List.of(
                        uninit + ":2:3: insn 1: read of M[3] before any write on the path from insn 0",
                        "  ld M[3]",
                        "  ^"),
                v.stderrLines());
    }

    @Test
    void aBadFlag() {
        Sluice.Result r = Sluice.run("check", "--bogus", "examples/deny-mkdir.bpf");
        assertEquals(2, r.exit(), r::toString);
        assertEquals(List.of("sluice check: Unknown option: '--bogus'", "Try 'sluice check --help'."), r.stderrLines());
        assertOneLine(
                Sluice.run("run", "--arch", "vax", "examples/deny-mkdir.bpf", "--syscall", "1"),
                2,
                "sluice run: unknown arch 'vax' (expected one of x86_64, x86, x32, aarch64, arm, riscv64, ppc64le, ppc64, ppc, s390x, s390, mips, mipsel, mips64, mipsel64, mips64n32, mipsel64n32, parisc, parisc64)");
        assertOneLine(
                Sluice.run("run", "examples/deny-mkdir.bpf"),
                2,
                "sluice run: give exactly one input: --syscall CALL (repeatable), --data FILE or --pcap FILE");
        assertOneLine(
                Sluice.run("run", "examples/deny-mkdir.bpf", "--syscall", "83(0"),
                2,
                "sluice run: --syscall '83(0': missing ')' at the end");
        Sluice.Result missing = Sluice.run("check");
        assertEquals(2, missing.exit(), missing::toString);
        assertEquals(
                List.of("sluice check: Missing required parameter: 'FILE'", "Try 'sluice check --help'."),
                missing.stderrLines());
        Sluice.Result none = Sluice.run();
        assertEquals(2, none.exit(), none::toString);
        assertTrue(none.stderr().startsWith("Usage: sluice"), none::toString);
    }

    @Test
    void anUnknownSyscallNameOrConstant() {
        assertOneLine(
                Sluice.run("run", "examples/deny-mkdir.bpf", "--syscall", "mkdri(1)"),
                2,
                "sluice run: unknown syscall 'mkdri' on x86_64 (did you mean mkdir?)");
        assertOneLine(
                Sluice.run("explain", "examples/deny-mkdir.scpl", "--syscall", "openat(AT_FDCWD, 0, O_RDONY)"),
                2,
                "sluice explain: unknown constant 'O_RDONY' (did you mean O_RDONLY?)");
        // In a policy the same mistake is located, with the source line and a caret.
        Sluice.Result policy =
                Sluice.run("check", "examples/deny-mkdir.scpl", "tests/src/test/resources/cli/unknown-syscall.scpl");
        assertEquals(1, policy.exit(), policy::toString);
        assertTrue(
                policy.stdout().matches("examples/deny-mkdir\\.scpl: ok \\(\\d+ instructions\\)\n"), policy::toString);
        assertEquals(
                List.of(
                        "tests/src/test/resources/cli/unknown-syscall.scpl:3:30: unknown syscall 'mkdri' on x86_64; did you mean mkdir?",
                        "          rules = [ Errno EPERM [mkdri]; ] }",
                        "                                 ^"),
                policy.stderrLines());
    }

    @Test
    void compileTakesOnlyScpl() {
        assertOneLine(
                Sluice.run("compile", "examples/deny-mkdir.asm"),
                2,
                "sluice compile: examples/deny-mkdir.asm: compile takes an SCPL policy (.scpl); use 'sluice asm' for BPF text");
    }
}
