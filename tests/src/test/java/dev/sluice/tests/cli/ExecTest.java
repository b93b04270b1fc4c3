package dev.sluice.tests.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sluice exec}: the live kernel enforces the policy on the command it runs. */
class ExecTest {
    @BeforeAll
    static void needsSeccompOnX86_64() throws IOException {
        boolean linux = System.getProperty("os.name").equals("Linux");
        boolean seccomp =
                linux && Files.readString(Path.of("/proc/self/status")).contains("Seccomp:");
        boolean x86 = System.getProperty("os.arch").equals("amd64");
        if (!(seccomp && x86)) {
            System.err.println(
                    "SKIPPED: ExecTest needs Linux with seccomp on x86_64 (the example policies are x86_64 filters)");
        }
        Assumptions.assumeTrue(seccomp && x86, "SKIPPED: needs Linux with seccomp on x86_64");
    }

    @Test
    void deniedMkdirFailsWithThePolicysErrno(@TempDir Path dir) {
        Path target = dir.resolve("x");
        Sluice.Result r = Sluice.run("exec", "examples/deny-mkdir.bpf", "--", "mkdir", target.toString());
        assertEquals(1, r.exit(), r::toString); // mkdir's own status
        assertTrue(r.stderr().contains("Operation not permitted"), r::toString); // EPERM, the policy's ERRNO(1)
        assertFalse(Files.exists(target), "the directory must not exist");
    }

    @Test
    void theScplPolicyDeniesMkdirToo(@TempDir Path dir) {
        Path target = dir.resolve("x");
        Sluice.Result r = Sluice.run("exec", "examples/deny-mkdir.scpl", "--", "mkdir", target.toString());
        assertEquals(1, r.exit(), r::toString);
        assertEquals(
                List.of("mkdir: cannot create directory ‘" + target + "’: Operation not permitted"), r.stderrLines());
        assertFalse(Files.exists(target), "the directory must not exist");
        // Children inherit the filter.
        Path child = dir.resolve("child");
        Sluice.Result sh = Sluice.run(
                "exec", "examples/deny-mkdir.scpl", "--", "/bin/sh", "-c", "mkdir " + child + " || echo denied");
        assertEquals("denied\n", sh.stdout(), sh::toString);
        assertFalse(Files.exists(child));
    }

    @Test
    void theEchoHiPolicyRunsShellEchoRepeatedly() {
        // A strict allow-list (everything else ENOSYS). Run several times: the moment between installing the filter
        // and execve must never need a syscall the policy denies.
        for (int i = 0; i < 3; i++) {
            Sluice.Result r = Sluice.run("exec", "examples/echo-hi.scpl", "--", "/bin/sh", "-c", "echo hi");
            assertEquals(0, r.exit(), r::toString);
            assertEquals("hi\n", r.stdout());
            assertEquals("", r.stderr());
        }
    }

    /**
     * The start scripts list the descriptors their caller passed in -Dsluice.callerFds; the command gets those and none
     * the JVM opened itself. Without the list (a JVM started otherwise) descriptors are left as they are, and the
     * JVM's own reach the command: the check sees them.
     */
    @Test
    void theCommandGetsOnlyTheCallersDescriptors(@TempDir Path dir) {
        Path policy = dir.resolve("ls.scpl");
        Sluice.Result learn = Sluice.run("learn", "-o", policy.toString(), "--", "/bin/ls", "/proc/self/fd");
        assertEquals(0, learn.exit(), learn::toString);
        Sluice.Result listed = Sluice.runWith(
                List.of("-Dsluice.callerFds=0,1,2"), "exec", policy.toString(), "--", "/bin/ls", "/proc/self/fd");
        assertEquals(0, listed.exit(), listed::toString);
        // 0-2 from the caller, 3 the listing's own
        assertEquals(List.of("0", "1", "2", "3"), listed.stdout().lines().toList(), listed::toString);
        Sluice.Result unlisted = Sluice.run("exec", policy.toString(), "--", "/bin/ls", "/proc/self/fd");
        assertEquals(0, unlisted.exit(), unlisted::toString);
        assertTrue(
                unlisted.stdout().lines().count() > 4,
                "without the list the JVM's own descriptors reach the command: " + unlisted.stdout());
    }

    @Test
    void anAllowListPolicyRunsShellEcho() {
        Sluice.Result r = Sluice.run("exec", "examples/allow-sh-echo.bpf", "--", "/bin/sh", "-c", "echo hi");
        assertEquals(0, r.exit(), r::toString);
        assertEquals("hi\n", r.stdout());
        assertEquals("", r.stderr());
        // Children inherit the filter: forking a command is not on the list.
        Sluice.Result fork =
                Sluice.run("exec", "examples/allow-sh-echo.bpf", "--", "/bin/sh", "-c", "echo hi; /bin/true");
        assertEquals("hi\n", fork.stdout(), fork::toString);
        assertTrue(fork.stderr().contains("Cannot fork"), fork::toString);
        assertEquals(2, fork.exit(), fork::toString);
    }

    @Test
    void logReportsADeniedCall(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(dmesg() != null, "SKIPPED: dmesg is not readable");
        // Without auditd the kernel prints audit records through printk_ratelimit() (a burst of 10 per 5 s, shared by
        // every printer), so a record can be dropped right after other tests' floods of seccomp records. Each attempt
        // is a new process; waiting out the window between attempts leaves room for our record.
        List<String> seen = new java.util.ArrayList<>();
        for (int attempt = 0; attempt < 3; attempt++) {
            if (attempt > 0) {
                Thread.sleep(6000);
            }
            Path target = dir.resolve("logged" + attempt);
            Sluice.Result r = Sluice.run("exec", "--log", "examples/deny-mkdir.scpl", "--", "mkdir", target.toString());
            assertEquals(1, r.exit(), r::toString);
            assertFalse(Files.exists(target));
            assertTrue(
                    r.stderr()
                            .contains(
                                    "sluice exec: --log: with all arguments 0 the policy denies on x86_64: mkdir (83), mkdirat (258) -> ERRNO(1)"),
                    r::toString);
            // The kernel's audit record for the denied mkdir, from the same process (execve keeps the pid).
            String pid = "pid=" + r.pid() + " ";
            seen.add(pid);
            for (int poll = 0; poll < 20; poll++) {
                String log = dmesg();
                if (log != null
                        && log.lines()
                                .anyMatch(l -> l.contains("type=1326")
                                        && l.contains(pid)
                                        && l.contains("comm=\"mkdir\"")
                                        && l.contains("syscall=83 "))) {
                    return;
                }
                Thread.sleep(100);
            }
        }
        String log = dmesg();
        throw new AssertionError("no audit record for any of " + seen + " (mkdir, syscall=83) in dmesg:\n"
                + (log == null
                        ? ""
                        : String.join(
                                "\n",
                                log.lines()
                                        .filter(l -> l.contains("type=1326") || l.contains("suppressed"))
                                        .toList())));
    }

    /** The kernel log, or null when it cannot be read here. */
    private static String dmesg() throws InterruptedException {
        try {
            Process p = new ProcessBuilder("dmesg")
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            String out = new String(p.getInputStream().readAllBytes());
            return p.waitFor() == 0 && !out.isEmpty() ? out : null;
        } catch (IOException e) {
            return null;
        }
    }

    @Test
    void aMissingCommandIsReportedBeforeAnythingIsInstalled() {
        Sluice.Result r = Sluice.run("exec", "examples/deny-mkdir.bpf", "--", "no-such-command-sluice");
        assertEquals(127, r.exit(), r::toString);
        assertEquals(List.of("sluice exec: no-such-command-sluice: command not found"), r.stderrLines());
    }

    @Test
    void aPolicyThatDeniesExecveIsRefused() {
        // allow-basic allows only read, write, getpid and exit_group: the command could never start.
        Sluice.Result r = Sluice.run("exec", "examples/allow-basic.bpf", "--", "true");
        assertEquals(1, r.exit(), r::toString);
        assertEquals(
                List.of(
                        "examples/allow-basic.bpf: the policy does not allow execve (nr 59) on x86_64 (ERRNO(1)), so the command could never start; nothing was installed"),
                r.stderrLines());
    }

    @Test
    void execNeedsACommand() {
        Sluice.Result r = Sluice.run("exec", "examples/deny-mkdir.bpf");
        assertEquals(2, r.exit(), r::toString);
        assertEquals(List.of("sluice exec: no command given (sluice exec POLICY -- CMD [ARGS...])"), r.stderrLines());
    }
}
