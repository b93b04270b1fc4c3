package dev.sluice.scpl.compile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.bpf.formats.RawFormat;
import dev.sluice.bpf.isa.Program;
import dev.sluice.core.error.SluiceException;
import dev.sluice.core.seccomp.Arch;
import dev.sluice.core.seccomp.SeccompData;
import dev.sluice.scpl.error.ScplFailure;
import dev.sluice.scpl.syscalls.SyscallTable;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Big policies: trampolines for far jumps, the 4096 limit, and the side-by-side comparison with libseccomp. */
class LargePoliciesTest {
    /** Every x86_64 syscall but a deny list: the shape of a Docker-like allow list (more than 300 syscalls). */
    static List<String> allowList() {
        List<String> deny = List.of(
                "ptrace",
                "kexec_load",
                "kexec_file_load",
                "init_module",
                "finit_module",
                "delete_module",
                "mount",
                "umount2",
                "pivot_root",
                "swapon",
                "swapoff",
                "reboot",
                "bpf",
                "perf_event_open",
                "userfaultfd",
                "open_by_handle_at",
                "name_to_handle_at",
                "unshare",
                "setns",
                "acct",
                "quotactl",
                "lookup_dcookie",
                "iopl",
                "ioperm",
                "add_key",
                "request_key",
                "keyctl",
                "settimeofday",
                "clock_settime",
                "clock_adjtime",
                "adjtimex",
                "syslog",
                "vhangup",
                "create_module",
                "get_kernel_syms",
                "query_module",
                "nfsservctl",
                "uselib",
                "_sysctl",
                "afs_syscall",
                "tuxcall",
                "security",
                "vserver",
                "getpmsg",
                "putpmsg");
        List<String> out = new ArrayList<>();
        for (String n : SyscallTable.forArch(Arch.X86_64).all().keySet()) {
            if (!deny.contains(n)) {
                out.add(n);
            }
        }
        return out;
    }

    static String allowListPolicy() {
        return "{ arch = x86_64; default_action = KillProcess; rules = [ Allow [" + String.join(", ", allowList())
                + "] ] }";
    }

    @Test
    void farJumpsUseTrampolinesAndStillValidate() {
        StringBuilder sb = new StringBuilder("{ arch = [x86_64, x32]; default_action = Errno EPERM; rules = [\n");
        List<String> names =
                new ArrayList<>(SyscallTable.forArch(Arch.X86_64).all().keySet()).subList(0, 120);
        for (int i = 0; i < names.size(); i++) {
            sb.append("  Allow ")
                    .append(names.get(i))
                    .append(" if arg0 == ")
                    .append(i)
                    .append(" && arg1 > 0x")
                    .append(Long.toHexString(0x100000000L * i + 7))
                    .append(";\n");
        }
        sb.append("] }");
        CompileResult r = ScplCompiler.compile("far.scpl", sb.toString(), CompileOptions.defaults());
        assertTrue(r.program().length() > 600, "length " + r.program().length());
        assertTrue(
                r.trampolines() > 0, "expected trampolines in a " + r.program().length() + "-instruction filter");
        assertTrue(r.validation().casesChecked() > 10_000, r.validation().toString());
    }

    @Test
    void tooLargeNamesThePart() {
        StringBuilder sb = new StringBuilder("{ arch = x86_64; default_action = Kill; rules = [\n");
        List<String> names =
                new ArrayList<>(SyscallTable.forArch(Arch.X86_64).all().keySet());
        for (int i = 0; i < 300; i++) {
            // distinct constants per rule, so no two leaves can share code
            sb.append("  Allow ")
                    .append(names.get(i))
                    .append(" if arg0 == ")
                    .append(i)
                    .append(" || arg1 == ")
                    .append(i + 1000)
                    .append(" || arg2 == ")
                    .append(i + 2000)
                    .append(" || arg3 == ")
                    .append(i + 3000)
                    .append(";\n");
        }
        sb.append("] }");
        SluiceException e = assertThrows(
                SluiceException.class,
                () -> ScplCompiler.compile(
                        "big.scpl", sb.toString(), CompileOptions.defaults().validate(false)));
        assertEquals(ScplFailure.SCPL_TOO_LARGE, e.failure());
        assertTrue(
                e.getMessage().contains("more than the kernel's 4096; largest part: argument checks ("),
                e.getMessage());
    }

    /** Mean instructions executed over every syscall in the table, x86_64. */
    static double meanSteps(Program p, Map<String, Integer> table) {
        long total = 0;
        for (int nr : table.values()) {
            total += StepCounter.run(p, SeccompData.encode(Arch.X86_64, nr, 0L)).steps();
        }
        return (double) total / table.size();
    }

    @Test
    void sideBySideWithLibseccomp() throws Exception {
        List<String> allow = allowList();
        assertTrue(allow.size() > 300, "the comparison policy has " + allow.size() + " syscalls");
        CompileResult ours = ScplCompiler.compile("allow-list.scpl", allowListPolicy(), CompileOptions.defaults());
        Map<String, Integer> table = SyscallTable.forArch(Arch.X86_64).all();
        double oursMean = meanSteps(ours.program(), table);
        // the step counter agrees with the policy on every syscall
        for (int nr : table.values()) {
            assertEquals(
                    ours.policy()
                            .decide(Arch.X86_64.auditArch(), nr, new long[6])
                            .verdict(),
                    StepCounter.run(ours.program(), SeccompData.encode(Arch.X86_64, nr, 0L))
                            .verdict());
        }
        Program lib = libseccomp(allow);
        Assumptions.assumeTrue(
                lib != null, "SKIPPED: python3-seccomp (Debian) is not installed; cannot build libseccomp's filter");
        double libMean = meanSteps(lib, table);
        for (int nr : table.values()) {
            assertEquals(
                    ours.policy()
                            .decide(Arch.X86_64.auditArch(), nr, new long[6])
                            .verdict(),
                    StepCounter.run(lib, SeccompData.encode(Arch.X86_64, nr, 0L))
                            .verdict(),
                    "libseccomp's filter means the same for nr " + nr);
        }
        System.err.printf(
                "side-by-side (%d allowed of %d x86_64 syscalls): SCPL %d insns, mean %.2f executed; libseccomp %d insns, mean %.2f executed%n",
                allow.size(), table.size(), ours.program().length(), oursMean, lib.length(), libMean);
        assertTrue(
                oursMean < libMean, String.format("SCPL executes %.2f on average, libseccomp %.2f", oursMean, libMean));
    }

    /** libseccomp's filter for the allow list, binary-tree optimisation on, via Debian's python3-seccomp; null if absent. */
    static Program libseccomp(List<String> allow) throws IOException, InterruptedException {
        Path python = Path.of("/usr/bin/python3");
        if (!Files.isExecutable(python)) {
            System.err.println("SKIPPED: /usr/bin/python3 is missing");
            return null;
        }
        String script = """
                        import sys, seccomp, tempfile
                        f = seccomp.SyscallFilter(seccomp.KILL_PROCESS)
                        f.set_attr(seccomp.Attr.CTL_OPTIMIZE, 2)
                        for n in sys.argv[1:]:
                            f.add_rule(seccomp.ALLOW, n)
                        with tempfile.TemporaryFile() as t:
                            f.export_bpf(t)
                            t.seek(0)
                            sys.stdout.buffer.write(t.read())
                        """;
        List<String> cmd = new ArrayList<>(List.of(python.toString(), "-c", script));
        cmd.addAll(allow);
        Process proc = new ProcessBuilder(cmd)
                .redirectError(ProcessBuilder.Redirect.PIPE)
                .start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        proc.getInputStream().transferTo(out);
        String err = new String(proc.getErrorStream().readAllBytes());
        proc.waitFor(60, TimeUnit.SECONDS);
        if (proc.exitValue() != 0) {
            if (err.contains("No module named 'seccomp'")) {
                System.err.println("SKIPPED: python3-seccomp is not installed");
                return null;
            }
            throw new AssertionError("libseccomp script failed: " + err);
        }
        return RawFormat.decode(out.toByteArray(), ByteOrder.nativeOrder());
    }
}
