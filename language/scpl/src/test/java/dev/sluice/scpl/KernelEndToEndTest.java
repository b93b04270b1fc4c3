package dev.sluice.scpl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.bpf.formats.RawFormat;
import dev.sluice.core.seccomp.Arch;
import dev.sluice.core.seccomp.SeccompAction;
import dev.sluice.scpl.compile.CompileOptions;
import dev.sluice.scpl.compile.CompileResult;
import dev.sluice.scpl.compile.ScplCompiler;
import dev.sluice.scpl.syscalls.SyscallTable;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * End to end against the kernel: a child JVM installs the compiled filter and makes real syscalls; each result must
 * be what the SCPL interpreter predicts (ERRNO n: ret -1 with errno n; ALLOW: the kernel's own result).
 */
class KernelEndToEndTest {
    static final String POLICY = """
                    { arch = x86_64; default_action = Allow;
                      rules = [
                        Errno 77 getppid;
                        Errno EIO dup if arg0 > 1000;                 # 64-bit: 0x100000003 > 1000 too
                        Errno EACCES mkdirat if arg0 == AT_FDCWD && low32(arg2) == 0o700;
                      ] }
                    """;

    record Case(String name, long a0, String a1, long a2, int allowedErrno) {}

    @Test
    void kernelGivesThePredictedVerdicts() throws Exception {
        boolean linuxX64 = System.getProperty("os.name").equals("Linux") && Arch.host() == Arch.X86_64;
        if (!linuxX64) {
            System.err.println("SKIPPED: KernelEndToEndTest needs Linux on x86_64");
        }
        Assumptions.assumeTrue(linuxX64, "SKIPPED: needs Linux on x86_64");
        CompileResult r = ScplCompiler.compile("e2e.scpl", POLICY, CompileOptions.defaults());
        Path filter = Files.createTempFile("sluice-e2e", ".bpf");
        Files.write(filter, RawFormat.encode(r.program(), ByteOrder.nativeOrder()));
        long fdcwd = -100;
        List<Case> cases = List.of(
                new Case("getppid", 0, "0", 0, 0),
                new Case("dup", 5000, "0", 0, 9), // allowed: EBADF
                new Case("dup", 0x100000003L, "0", 0, 9),
                new Case("dup", 1000, "0", 0, 9),
                new Case("mkdirat", fdcwd, "@path", 0700, 2), // allowed: ENOENT
                new Case("mkdirat", fdcwd, "@path", 0755, 2),
                new Case("mkdirat", fdcwd, "@path", 0x1_0000_01c0L, 2)); // low32 == 0700: denied
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-Xshare:auto",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                Path.of(SeccompChild.class
                                .getProtectionDomain()
                                .getCodeSource()
                                .getLocation()
                                .toURI())
                        .toString(),
                SeccompChild.class.getName(),
                filter.toString()));
        SyscallTable table = SyscallTable.forArch(Arch.X86_64);
        for (Case c : cases) {
            cmd.add(table.number(c.name()).getAsInt() + "," + c.a0() + "," + c.a1() + "," + c.a2());
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        Files.deleteIfExists(filter);
        if (out.startsWith("UNAVAILABLE")) {
            System.err.println("SKIPPED: KernelEndToEndTest: " + out.strip());
        }
        Assumptions.assumeFalse(out.startsWith("UNAVAILABLE"), "SKIPPED: " + out.strip());
        assertFalse(out.startsWith("ERROR"), out);
        String[] lines = out.strip().split("\n");
        assertEquals(cases.size(), lines.length, out);
        int denied = 0;
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            int nr = table.number(c.name()).getAsInt();
            int verdict = r.policy()
                    .decide(Arch.X86_64.auditArch(), nr, new long[] {c.a0(), 0, c.a2(), 0, 0, 0})
                    .verdict();
            String[] f = lines[i].split(" ");
            long ret = Long.parseLong(f[0]);
            int errno = Integer.parseInt(f[1]);
            String what = c + " -> " + lines[i] + " predicted " + SeccompAction.format(verdict);
            if (SeccompAction.of(verdict) == SeccompAction.ERRNO) {
                denied++;
                assertEquals(-1, ret, what);
                assertEquals(verdict & 0xffff, errno, what);
            } else {
                assertEquals(SeccompAction.ALLOW, SeccompAction.of(verdict), what);
                if (c.allowedErrno() == 0) {
                    assertTrue(ret > 0, what);
                } else {
                    assertEquals(c.allowedErrno(), errno, what);
                }
            }
        }
        assertEquals(5, denied, "the test exercises both outcomes");
    }
}
