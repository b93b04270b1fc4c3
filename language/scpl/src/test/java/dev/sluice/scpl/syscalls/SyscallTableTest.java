package dev.sluice.scpl.syscalls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.seccomp.Arch;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** Spot checks of the generated tables against numbers from the kernel's syscall tables (named per line). */
class SyscallTableTest {
    @Test
    void x86_64Numbers() {
        // arch/x86/entry/syscalls/syscall_64.tbl
        SyscallTable t = SyscallTable.forArch(Arch.X86_64);
        assertEquals(OptionalInt.of(0), t.number("read"));
        assertEquals(OptionalInt.of(1), t.number("SYS_write"));
        assertEquals(OptionalInt.of(2), t.number("open"));
        assertEquals(OptionalInt.of(39), t.number("getpid"));
        assertEquals(OptionalInt.of(59), t.number("__NR_execve"));
        assertEquals(OptionalInt.of(257), t.number("openat"));
        assertEquals(OptionalInt.of(435), t.number("clone3"));
        assertEquals("getpid", t.name(39).orElseThrow());
        assertTrue(t.all().size() > 340, "x86_64 has more than 340 syscalls");
    }

    @Test
    void otherArches() {
        // arch/x86/entry/syscalls/syscall_32.tbl
        assertEquals(OptionalInt.of(5), SyscallTable.forArch(Arch.X86).number("open"));
        assertEquals(OptionalInt.of(102), SyscallTable.forArch(Arch.X86).number("socketcall"));
        // x32: syscall_64.tbl common entries with __X32_SYSCALL_BIT; x32 execve is 520
        assertEquals(OptionalInt.of(0x40000000), SyscallTable.forArch(Arch.X32).number("read"));
        assertEquals(
                OptionalInt.of(0x40000000 + 520), SyscallTable.forArch(Arch.X32).number("execve"));
        // include/uapi/asm-generic/unistd.h (aarch64, riscv64): no open, openat = 56
        assertEquals(OptionalInt.empty(), SyscallTable.forArch(Arch.AARCH64).number("open"));
        assertEquals(OptionalInt.of(56), SyscallTable.forArch(Arch.AARCH64).number("openat"));
        assertEquals(OptionalInt.of(56), SyscallTable.forArch(Arch.RISCV64).number("openat"));
        assertEquals(OptionalInt.of(172), SyscallTable.forArch(Arch.RISCV64).number("getpid"));
        // arch/arm/tools/syscall.tbl: open = 5, and the ARM private syscalls at 0x0f0000
        assertEquals(OptionalInt.of(5), SyscallTable.forArch(Arch.ARM).number("open"));
        assertEquals(OptionalInt.of(0x0f0005), SyscallTable.forArch(Arch.ARM).number("set_tls"));
    }

    @Test
    void suggestionsAreNearestNames() {
        SyscallTable t = SyscallTable.forArch(Arch.X86_64);
        assertTrue(t.suggestions("opne").contains("open"), t.suggestions("opne").toString());
        assertTrue(
                t.suggestions("SYS_getpdi").contains("getpid"),
                t.suggestions("getpdi").toString());
        assertTrue(t.suggestions("zzzzzzzzzzzzzzzzzzzz").isEmpty());
    }

    @Test
    void constantsAndErrno() {
        // <fcntl.h>, <linux/sched.h>, <sys/mman.h>, <asm-generic/errno-base.h>
        assertEquals(-100L, Constants.lookup("AT_FDCWD").getAsLong());
        assertEquals(0100L, Constants.lookup("O_CREAT").getAsLong());
        assertEquals(2L, Constants.lookup("O_RDWR").getAsLong());
        assertEquals(4L, Constants.lookup("PROT_EXEC").getAsLong());
        assertEquals(0x20L, Constants.lookup("MAP_ANONYMOUS").getAsLong());
        assertEquals(0x10000000L, Constants.lookup("CLONE_NEWUSER").getAsLong());
        assertEquals(10L, Constants.lookup("AF_INET6").getAsLong());
        assertEquals(13, Errno.lookup("EACCES").getAsInt());
        assertEquals(1, Errno.lookup("EPERM").getAsInt());
        assertEquals(38, Errno.lookup("ENOSYS").getAsInt());
        assertTrue(Errno.lookup("EFOO").isEmpty());
        assertTrue(Constants.lookup("NOT_A_CONSTANT").isEmpty());
    }
}
