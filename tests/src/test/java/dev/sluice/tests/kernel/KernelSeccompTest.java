package dev.sluice.tests.kernel;

import static dev.sluice.bpf.isa.Opcodes.*;
import static dev.sluice.tests.Asm.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.sluice.bpf.isa.Insn;
import dev.sluice.core.seccomp.Arch;
import dev.sluice.core.seccomp.SeccompAction;
import dev.sluice.core.seccomp.SeccompData;
import dev.sluice.core.testing.EngineMode;
import dev.sluice.tests.SluiceRunner;
import dev.sluice.tests.kernel.KernelSeccomp.Outcome;
import dev.sluice.tests.kernel.KernelSeccomp.Probe;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.graalvm.polyglot.Value;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Seccomp semantics checked on the live kernel (in child JVMs, see {@link KernelSeccomp}). Each case states the
 * outcome the kernel is expected to give for a probe; the test asserts that the kernel gives it and that Sluice's
 * verdict, in both engine modes, predicts it. A second table checks installation: seccomp() fails with EINVAL
 * exactly for the programs Sluice's verifier rejects as seccomp filters (bpf_check_classic + seccomp_check_filter).
 * All cases run in one batch of child processes (a new child after each KILL_PROCESS).
 */
class KernelSeccompTest {
    private static final int ERRNO = SeccompAction.ERRNO.value;
    private static final int ALLOW = SeccompAction.ALLOW.value;
    private static final int EQUAL = ERRNO | 3;
    private static final int NOT_EQUAL = ERRNO | 2;
    private static final long A0 = 0x1122334455667788L;
    private static final long A5 = 0x8000000000000001L;

    private static final List<SluiceRunner> RUNNERS = new ArrayList<>();
    private static List<Case> cases;
    private static List<Load> loads;
    private static List<KernelSeccomp.JobResult> results;
    private static long parentPid;

    record Case(String name, byte[] program, Probe probe, Outcome expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    record Load(String name, byte[] program, boolean accepted) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Probe getppid() {
        return new Probe(Libc.SYS_GETPPID, A0, 2, 3, 4, 5, A5);
    }

    static Case action(String name, int ret, Probe probe, Outcome expected) {
        return new Case(name, raw(ret(ret)), probe, expected);
    }

    /** The program leaves a value in A; the case passes when A equals {@code value} (ERRNO(3), else ERRNO(2)). */
    static Case a(String name, int value, Insn... body) {
        Insn[] all = Arrays.copyOf(body, body.length + 3);
        all[body.length] = jmp(JEQ, value, 0, 1);
        all[body.length + 1] = ret(EQUAL);
        all[body.length + 2] = ret(NOT_EQUAL);
        return new Case(name, raw(all), getppid(), new Outcome.Failed(3));
    }

    static List<Case> semantics() {
        long ppid = ProcessHandle.current().pid();
        Probe unused = new Probe(1234, 1, 2, 3, 4, 5, 6);
        return List.of(
                action("ALLOW runs getppid", ALLOW, getppid(), new Outcome.Returned(ppid)),
                action("ALLOW of an unused number is ENOSYS", ALLOW, unused, new Outcome.Failed(Libc.ENOSYS)),
                action("LOG runs getppid", SeccompAction.LOG.value, getppid(), new Outcome.Returned(ppid)),
                action("ERRNO(1) is EPERM", ERRNO | 1, getppid(), new Outcome.Failed(Libc.EPERM)),
                action("ERRNO(0) returns 0 without running", ERRNO, getppid(), new Outcome.Returned(0)),
                action("ERRNO(4095)", ERRNO | 4095, getppid(), new Outcome.Failed(4095)),
                action("ERRNO(5000) is capped at 4095", ERRNO | 5000, getppid(), new Outcome.Failed(4095)),
                action("ERRNO(0xffff) is capped at 4095", ERRNO | 0xffff, getppid(), new Outcome.Failed(4095)),
                action(
                        "TRACE without a tracer is ENOSYS",
                        SeccompAction.TRACE.value | 7,
                        getppid(),
                        new Outcome.Failed(Libc.ENOSYS)),
                action(
                        "USER_NOTIF without a listener is ENOSYS",
                        SeccompAction.USER_NOTIF.value,
                        getppid(),
                        new Outcome.Failed(Libc.ENOSYS)),
                action(
                        "TRAP raises SIGSYS with the data in si_errno",
                        SeccompAction.TRAP.value | 0x1234,
                        getppid(),
                        new Outcome.Trapped(0x1234)),
                action(
                        "KILL_THREAD ends the thread",
                        SeccompAction.KILL_THREAD.value,
                        getppid(),
                        new Outcome.ThreadKilled()),
                action("KILL_THREAD data is ignored", 0x0000abcd, unused, new Outcome.ThreadKilled()),
                action(
                        "KILL_PROCESS ends the process with SIGSYS",
                        SeccompAction.KILL_PROCESS.value,
                        getppid(),
                        new Outcome.ProcessKilled(159)),
                action(
                        "an unknown action 0x00010000 kills the process",
                        0x00010000,
                        getppid(),
                        new Outcome.ProcessKilled(159)),
                action(
                        "an unknown action 0x7ff80000 kills the process",
                        0x7ff80000,
                        getppid(),
                        new Outcome.ProcessKilled(159)),
                action("0xffff0000 (negative) kills the process", 0xffff0000, unused, new Outcome.ProcessKilled(159)),
                a("ld [0] is nr", Libc.SYS_GETPPID, ld(0)),
                a("ld [4] is AUDIT_ARCH_X86_64", KernelSeccomp.AUDIT_ARCH_X86_64, ld(4)),
                a("ld [16] is the low word of arg 0", (int) A0, ld(16)),
                a("ld [20] is the high word of arg 0", (int) (A0 >>> 32), ld(20)),
                a("ld [24] is arg 1", 2, ld(24)),
                a("ld [28] is arg 1's high word", 0, ld(28)),
                a("ld [56] is the low word of arg 5", 1, ld(56)),
                a("ld [60] is the high word of arg 5", 0x80000000, ld(60)),
                a("ld len is 64", 64, ldLen()),
                a("ldx len is 64", 64, ldxLen(), txa()),
                a("A starts at 0", 0),
                a("X starts at 0", 0, ldImm(5), txa()),
                a("div is unsigned", 0x7fffffff, ldImm(0xfffffffe), alu(DIV, 2)),
                new Case(
                        "div x by 0 returns 0 = KILL_THREAD",
                        raw(ldImm(5), ldxImm(0), aluX(DIV), ret(ALLOW)),
                        getppid(),
                        new Outcome.ThreadKilled()),
                a("lsh x by 33 shifts by 1", 2, ldImm(1), ldxImm(33), aluX(LSH)),
                a("rsh x by 63 shifts by 31", 1, ldImm(0x80000000), ldxImm(63), aluX(RSH)),
                a("neg", -1, ldImm(1), neg()),
                a("scratch round trip", 0x55, ldImm(0x55), st(9), ldImm(0), ldxMem(9), txa()),
                new Case(
                        "ret a returns the computed action",
                        raw(ld(24), alu(OR, ERRNO), retA()),
                        getppid(),
                        new Outcome.Failed(2)),
                new Case(
                        "ret a with arg bits as errno",
                        raw(ld(16), alu(AND, 0xfff), alu(OR, ERRNO), retA()),
                        getppid(),
                        new Outcome.Failed((int) (A0 & 0xfff))),
                new Case(
                        "jgt on arg 5 high word is unsigned",
                        raw(ld(60), jmp(JGT, 1, 0, 1), ret(ERRNO | 11), ret(ERRNO | 12)),
                        getppid(),
                        new Outcome.Failed(11)),
                new Case(
                        "jset",
                        raw(ld(16), jmp(JSET, 0x80, 0, 1), ret(ERRNO | 11), ret(ERRNO | 12)),
                        getppid(),
                        new Outcome.Failed(11)));
    }

    static List<Load> loading() {
        return List.of(
                new Load("ld [8] (instruction pointer) is allowed", raw(ld(8), ret(ALLOW)), true),
                new Load("ld [60]", raw(ld(60), ret(ALLOW)), true),
                new Load("ld [64] is outside seccomp_data", raw(ld(64), ret(ALLOW)), false),
                new Load("ld [2] is unaligned", raw(ld(2), ret(ALLOW)), false),
                new Load("ld [-4] is out of range", raw(ld(-4), ret(ALLOW)), false),
                new Load("ldh [0] is not allowed", raw(ldh(0), ret(ALLOW)), false),
                new Load("ldb [0] is not allowed", raw(ldb(0), ret(ALLOW)), false),
                new Load("ld [x + 0] is not allowed", raw(ldInd(0), ret(ALLOW)), false),
                new Load("ldxb msh is not allowed", raw(ldxMsh(0), ret(ALLOW)), false),
                new Load("mod #3 is not allowed", raw(alu(MOD, 3), ret(ALLOW)), false),
                new Load("mod x is not allowed", raw(aluX(MOD), ret(ALLOW)), false),
                new Load("ancillary proto is not allowed", raw(ld(SKF_AD_OFF), ret(ALLOW)), false),
                new Load("ld len is allowed", raw(ldLen(), ret(ALLOW)), true),
                new Load("ldx len is allowed", raw(ldxLen(), ret(ALLOW)), true),
                new Load("xor x and neg are allowed", raw(aluX(XOR), neg(), ret(ALLOW)), true),
                new Load("div #0 (classic check first)", raw(alu(DIV, 0), ret(ALLOW)), false),
                new Load("uninitialised M[3]", raw(ldMem(3), retA()), false),
                new Load("jeq out of range", raw(jmp(JEQ, 0, 2, 0), ret(ALLOW)), false),
                new Load("last insn not ret", raw(ret(ALLOW), ldImm(0)), false),
                new Load("ret a", raw(ldImm(ALLOW), retA()), true));
    }

    @BeforeAll
    static void runEverythingOnTheKernel() throws Exception {
        String reason = KernelSeccomp.unavailableReason();
        if (reason != null) {
            System.err.println("SKIPPED KernelSeccompTest: " + reason);
        }
        Assumptions.assumeTrue(reason == null, "SKIPPED: " + reason);
        parentPid = ProcessHandle.current().pid();
        cases = semantics();
        loads = loading();
        List<KernelSeccomp.Job> jobs = new ArrayList<>();
        for (Case c : cases) {
            jobs.add(new KernelSeccomp.Job(c.program, List.of(c.probe)));
        }
        for (Load l : loads) {
            jobs.add(new KernelSeccomp.Job(l.program, List.of(getppid())));
        }
        results = KernelSeccomp.run(jobs);
        for (EngineMode mode : EngineMode.INTERPRETED_AND_COMPILED) {
            RUNNERS.add(new SluiceRunner(mode, "seccomp"));
        }
    }

    @AfterAll
    static void tearDown() {
        RUNNERS.forEach(SluiceRunner::close);
        RUNNERS.clear();
    }

    static Stream<Integer> caseIndexes() {
        return IntStream.range(0, semantics().size()).boxed();
    }

    static Stream<Integer> loadIndexes() {
        return IntStream.range(0, loading().size()).boxed();
    }

    static byte[] seccompData(Probe p) {
        return SeccompData.encode(Arch.X86_64, p.nr(), 0, p.args());
    }

    @ParameterizedTest(name = "case {0}")
    @MethodSource("caseIndexes")
    void kernelAndSluiceAgree(int i) {
        Case c = cases.get(i);
        KernelSeccomp.JobResult r = results.get(i);
        assertNull(r.rejected(), "live kernel rejected the filter of " + c.name);
        assertEquals(c.expected, r.outcomes().getFirst(), "live kernel: " + c.name);
        for (SluiceRunner runner : RUNNERS) {
            Value f = runner.load(c.program);
            int verdict = (int) f.execute(seccompData(c.probe)).asLong();
            assertEquals(
                    c.expected,
                    KernelSeccomp.predict(verdict, c.probe, parentPid),
                    runner.mode() + ": " + c.name + " (Sluice verdict " + SeccompAction.format(verdict) + ")");
        }
    }

    @ParameterizedTest(name = "load {0}")
    @MethodSource("loadIndexes")
    void kernelAndSluiceAcceptTheSamePrograms(int i) {
        Load l = loads.get(i);
        KernelSeccomp.JobResult r = results.get(cases.size() + i);
        if (l.accepted) {
            assertNull(r.rejected(), "live kernel: " + l.name);
        } else {
            assertEquals(new Outcome.NotInstalled(Libc.EINVAL), r.rejected(), "live kernel: " + l.name);
        }
        String rejection = RUNNERS.get(0).rejection(l.program);
        assertEquals(l.accepted, rejection == null, "Sluice verifier: " + l.name + " -> " + rejection);
    }
}
