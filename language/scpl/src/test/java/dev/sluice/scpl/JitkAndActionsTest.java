package dev.sluice.scpl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.seccomp.Arch;
import dev.sluice.core.seccomp.SeccompData;
import dev.sluice.scpl.compile.CompileOptions;
import dev.sluice.scpl.compile.CompileResult;
import dev.sluice.scpl.compile.ScplCompiler;
import dev.sluice.scpl.policy.Policy;
import java.util.List;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Value;
import org.junit.jupiter.api.Test;

/** Jitk's example with its published meaning, and the action encodings against the kernel's numbers. */
class JitkAndActionsTest {
    // linux/seccomp.h, written out here independently of SeccompAction.
    static final long RET_KILL_PROCESS = 0x80000000L;
    static final long RET_KILL_THREAD = 0x00000000L;
    static final long RET_TRAP = 0x00030000L;
    static final long RET_ERRNO = 0x00050000L;
    static final long RET_USER_NOTIF = 0x7fc00000L;
    static final long RET_TRACE = 0x7ff00000L;
    static final long RET_LOG = 0x7ffc0000L;
    static final long RET_ALLOW = 0x7fff0000L;
    static final int EACCES = 13; // asm-generic/errno-base.h
    // arch/x86/entry/syscalls/syscall_64.tbl
    static final int NR_WRITE = 1;
    static final int NR_OPEN = 2;
    static final int NR_GETPID = 39;
    static final int NR_GETTIMEOFDAY = 96;

    @Test
    void jitkExampleMeaningInAllThreeSemantics() {
        String text = Examples.text("jitk.scpl");
        CompileResult r = ScplCompiler.compile("jitk.scpl", text, CompileOptions.defaults());
        assertTrue(
                r.validation().enabled() && r.validation().casesChecked() > 500,
                r.validation().toString());
        assertEquals(List.of(), r.warnings());
        Policy p = r.policy();
        try (BpfRunner bpf = new BpfRunner(r.program(), Arch.X86_64);
                Context ctx = Context.newBuilder("scpl")
                        .option("scpl.Arch", "x86_64")
                        .option("engine.WarnInterpreterOnly", "false")
                        .build()) {
            Value truffle = ctx.eval("scpl", text);
            long[][] expected = {
                {NR_OPEN, RET_ERRNO | EACCES},
                {NR_GETPID, RET_ALLOW},
                {NR_GETTIMEOFDAY, RET_ALLOW},
                {NR_WRITE, RET_KILL_THREAD}
            };
            for (long[] e : expected) {
                int nr = (int) e[0];
                byte[] data = SeccompData.encode(Arch.X86_64, nr, 0L);
                assertEquals(e[1], bpf.run(nr), "compiled BPF for nr " + nr);
                assertEquals(e[1], p.decide(Arch.X86_64, data).unsignedVerdict(), "Policy.decide for nr " + nr);
                assertEquals(e[1], truffle.execute(data).asLong(), "SCPL Truffle interpreter for nr " + nr);
            }
            // the deciding rule's line, for sluice explain
            assertEquals(
                    3,
                    p.decide(Arch.X86_64, SeccompData.encode(Arch.X86_64, NR_OPEN, 0L))
                            .line());
            assertEquals(
                    0,
                    p.decide(Arch.X86_64, SeccompData.encode(Arch.X86_64, NR_WRITE, 0L))
                            .line());
            // a foreign arch gets the default bad-arch action, KillProcess
            assertEquals(RET_KILL_PROCESS, bpf.runWithArch(Arch.AARCH64.auditArch(), NR_GETPID));
        }
    }

    static long verdictOf(String action) {
        String text = "{ default_action = Allow; rules = [ { action = " + action + "; syscall = getpid } ] }";
        CompileResult r = ScplCompiler.compile("a.scpl", text, CompileOptions.defaults());
        try (BpfRunner bpf = new BpfRunner(r.program(), Arch.X86_64)) {
            long fromBpf = bpf.run(NR_GETPID);
            assertEquals(
                    r.policy()
                            .decide(Arch.X86_64.auditArch(), NR_GETPID, new long[6])
                            .unsignedVerdict(),
                    fromBpf);
            return fromBpf;
        }
    }

    @Test
    void everyActionEncodesToTheKernelValue() {
        assertEquals(RET_KILL_THREAD, verdictOf("Kill"));
        assertEquals(RET_KILL_THREAD, verdictOf("KillThread"));
        assertEquals(RET_KILL_PROCESS, verdictOf("KillProcess"));
        assertEquals(RET_TRAP | 7, verdictOf("Trap 7"));
        assertEquals(RET_TRAP, verdictOf("Trap"));
        assertEquals(RET_ERRNO | 1, verdictOf("Errno EPERM"));
        assertEquals(RET_ERRNO | 38, verdictOf("Errno 38"));
        assertEquals(RET_TRACE | 3, verdictOf("Trace 3"));
        assertEquals(RET_LOG, verdictOf("Log"));
        assertEquals(RET_USER_NOTIF, verdictOf("Notify"));
        assertEquals(RET_ALLOW, verdictOf("Errno 0") == RET_ERRNO ? RET_ALLOW : -1L, "Errno 0 is ERRNO with data 0");
        // Jitk's published spec encodes Trace with the ERRNO action value; SCPL must not.
        assertNotEquals(RET_ERRNO, verdictOf("Trace 0") & 0xffff0000L);
    }
}
