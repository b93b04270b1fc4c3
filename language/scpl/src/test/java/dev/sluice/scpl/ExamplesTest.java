package dev.sluice.scpl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.seccomp.Arch;
import dev.sluice.scpl.compile.CompileOptions;
import dev.sluice.scpl.compile.CompileResult;
import dev.sluice.scpl.compile.ScplCompiler;
import dev.sluice.scpl.syscalls.Constants;
import dev.sluice.scpl.syscalls.SyscallTable;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every example policy compiles, passes the verifier and translation validation, and means what its comments say. */
class ExamplesTest {
    static CompileResult compile(String name) {
        return ScplCompiler.compile(Examples.path(name).toString(), Examples.text(name), CompileOptions.defaults());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "jitk.scpl",
                "openssh.scpl",
                "static-file-server.scpl",
                "build-tool.scpl",
                "deny-mkdir.scpl",
                "echo-hi.scpl"
            })
    void compilesAndValidates(String name) {
        CompileResult r = compile(name);
        assertTrue(r.validation().enabled());
        assertTrue(r.validation().casesChecked() > 500, r.validation().toString());
        assertTrue(r.program().length() < 4096);
        System.err.printf(
                "%s: %d instructions, %d warnings, %s%n",
                name, r.program().length(), r.warnings().size(), r.validation());
        r.warnings().forEach(w -> System.err.println("  " + w));
        // deterministic output
        assertEquals(r.program(), compile(name).program());
    }

    static int nr(Arch a, String name) {
        return SyscallTable.forArch(a).number(name).orElseThrow();
    }

    @Test
    void denyMkdir() {
        CompileResult r = compile("deny-mkdir.scpl");
        for (Arch a : List.of(Arch.X86_64, Arch.X86, Arch.X32)) {
            assertEquals(
                    0x50000L | 1,
                    r.policy()
                            .decide(a.auditArch(), nr(a, "mkdir"), new long[6])
                            .unsignedVerdict());
            assertEquals(
                    0x50000L | 1,
                    r.policy()
                            .decide(a.auditArch(), nr(a, "mkdirat"), new long[6])
                            .unsignedVerdict());
            assertEquals(
                    0x7fff0000L,
                    r.policy()
                            .decide(a.auditArch(), nr(a, "rmdir"), new long[6])
                            .unsignedVerdict());
        }
        try (BpfRunner bpf = new BpfRunner(r.program(), Arch.X86_64)) {
            assertEquals(0x50001L, bpf.run(nr(Arch.X86_64, "mkdir")));
            assertEquals(0x50001L, bpf.runWithArch(Arch.X86_64.auditArch(), nr(Arch.X32, "mkdirat")));
            assertEquals(0x7fff0000L, bpf.run(nr(Arch.X86_64, "write")));
            assertEquals(
                    0x80000000L, bpf.runWithArch(Arch.AARCH64.auditArch(), 34), "aarch64 is not a target: KillProcess");
        }
    }

    @Test
    void staticFileServerArguments() {
        CompileResult r = compile("static-file-server.scpl");
        long rdwr = Constants.lookup("O_RDWR").getAsLong();
        long fdcwd = Constants.lookup("AT_FDCWD").getAsLong();
        try (BpfRunner bpf = new BpfRunner(r.program(), Arch.X86_64)) {
            int openat = nr(Arch.X86_64, "openat");
            assertEquals(0x7fff0000L, bpf.run(openat, fdcwd, 0x1000, 0));
            assertEquals(0x50000L | 13, bpf.run(openat, fdcwd, 0x1000, rdwr));
            int socket = nr(Arch.X86_64, "socket");
            assertEquals(0x7fff0000L, bpf.run(socket, 2, 1 | 0x80000, 0), "AF_INET, SOCK_STREAM|SOCK_CLOEXEC");
            assertEquals(0x80000000L, bpf.run(socket, 2, 2, 0), "AF_INET, SOCK_DGRAM");
            assertEquals(0x80000000L, bpf.run(socket, 0x100000002L, 1, 0), "64-bit compare: high half set");
            int mprotect = nr(Arch.X86_64, "mprotect");
            assertEquals(0x50001L, bpf.run(mprotect, 0, 4096, 5));
            assertEquals(0x7fff0000L, bpf.run(mprotect, 0, 4096, 3));
            assertEquals(0x80000000L, bpf.run(nr(Arch.X86_64, "execve")));
        }
    }

    @Test
    void echoHiAllowsOnlyStdoutWrites() {
        CompileResult r = compile("echo-hi.scpl");
        try (BpfRunner bpf = new BpfRunner(r.program(), Arch.X86_64)) {
            assertEquals(0x7fff0000L, bpf.run(1, 1, 0, 3));
            assertEquals(0x50000L | 38, bpf.run(1, 2, 0, 3), "write to fd 2: ENOSYS");
            assertEquals(0x50000L | 38, bpf.run(nr(Arch.X86_64, "socket")));
            assertEquals(0x7fff0000L, bpf.run(nr(Arch.X86_64, "execve")));
        }
    }

    @Test
    void buildToolOnEveryArch() {
        CompileResult r = compile("build-tool.scpl");
        assertEquals(
                List.of(Arch.X86_64, Arch.X32, Arch.X86, Arch.AARCH64, Arch.ARM, Arch.RISCV64),
                r.policy().arches());
        long newUser = Constants.lookup("CLONE_NEWUSER").getAsLong();
        for (Arch a : r.policy().arches()) {
            try (BpfRunner bpf = new BpfRunner(r.program(), a)) {
                int clone = nr(a, "clone");
                assertEquals(0x7fff0000L, bpf.run(clone, 0x11), a + " plain fork-like clone");
                assertEquals(0x50001L, bpf.run(clone, newUser | 0x11), a + " clone with CLONE_NEWUSER");
                assertEquals(0x50001L, bpf.run(nr(a, "ptrace")), a + " ptrace");
                assertEquals(0x50000L | 38, bpf.run(nr(a, "sethostname")), a + " default");
            }
        }
        assertTrue(r.trampolines() >= 0);
    }
}
