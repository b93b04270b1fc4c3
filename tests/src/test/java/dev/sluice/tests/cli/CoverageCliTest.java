package dev.sluice.tests.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice run --coverage}: exact runs per instruction and line, the unreached ones, text and LCOV; for a policy
 * also per rule the calls that reached it and those it decided.
 */
class CoverageCliTest {

    @Test
    void textCoverageOfAnAsmProgramListsTheUnreachedLine() {
        Sluice.Result r = Sluice.run(
                "run",
                "examples/deny-mkdir.asm",
                "--syscall",
                "getpid",
                "--syscall",
                "mkdir(0x1000, 0755)",
                "--syscall",
                "mkdirat(AT_FDCWD, 0x1000, 0755)",
                "--coverage");
        assertEquals(0, r.exit(), r::toString);
        assertEquals("""
                        ALLOW
                        ERRNO(1)
                        ERRNO(1)
                        coverage of examples/deny-mkdir.asm: 8 of 9 instructions ran
                         insn  line       runs  source
                            0     3          3  ld [4]                  ; seccomp_data.arch
                            1     4          3  jne #0xc000003e, kill
                            2     5          3  ld [0]                  ; seccomp_data.nr
                            3     6          3  jge #0x40000000, kill   ; x32 syscall numbers
                            4     7          3  jeq #83, deny           ; mkdir
                            5     8          2  jeq #258, deny          ; mkdirat
                            6     9          1  ret #0x7fff0000         ; SECCOMP_RET_ALLOW
                            7    10          2  deny:   ret #0x00050001         ; SECCOMP_RET_ERRNO | EPERM
                            8    11          0  kill:   ret #0x80000000         ; SECCOMP_RET_KILL_PROCESS
                        never reached: insn 8 (line 11)
                        """, r.stdout());
        assertEquals("", r.stderr());
    }

    @Test
    void lcovOfDataRecordsGoesToAFile(@TempDir Path dir) throws IOException {
        Path lcov = dir.resolve("deny-mkdir.info");
        Sluice.Result r = Sluice.run(
                "run",
                "examples/deny-mkdir.asm",
                "--data",
                "examples/syscalls.data",
                "--coverage-format",
                "lcov",
                "--coverage-output",
                lcov.toString());
        assertEquals(0, r.exit(), r::toString);
        assertEquals("ALLOW\nERRNO(1)\nERRNO(1)\nALLOW\nKILL_PROCESS\nKILL_PROCESS\n", r.stdout());
        // getpid, mkdir, mkdirat, openat, an i386 record (killed at line 4's jump), an x32 number (killed at line 6's).
        assertEquals("""
                        TN:
                        SF:examples/deny-mkdir.asm
                        DA:3,6
                        DA:4,6
                        DA:5,5
                        DA:6,5
                        DA:7,4
                        DA:8,3
                        DA:9,2
                        DA:10,2
                        DA:11,2
                        LF:9
                        LH:9
                        end_of_record
                        """, Files.readString(lcov));
    }

    @Test
    void aBinaryProgramIsReportedOnItsListing() {
        Sluice.Result r =
                Sluice.run("run", "examples/deny-mkdir.bpf", "--syscall", "getpid", "--coverage-format", "lcov");
        assertEquals(0, r.exit(), r::toString);
        assertEquals("""
                        ALLOW
                        TN:
                        SF:examples/deny-mkdir.bpf (listing)
                        DA:1,1
                        DA:2,1
                        DA:3,1
                        DA:4,1
                        DA:5,1
                        DA:6,1
                        DA:7,1
                        DA:8,0
                        DA:9,0
                        LF:9
                        LH:7
                        end_of_record
                        """, r.stdout());
    }

    @Test
    void aPolicyListsItsRulesReachedAndDecidedAndTheOneNeverReached() {
        Sluice.Result r = Sluice.run(
                "run",
                "examples/echo-hi.scpl",
                "--syscall",
                "write(1, 0x1000, 3)",
                "--syscall",
                "write(2, 0x1000, 3)",
                "--syscall",
                "getpid",
                "--syscall",
                "openat(AT_FDCWD, 0x1000, O_RDONLY)",
                "--syscall",
                "mkdir",
                "--coverage");
        assertEquals(0, r.exit(), r::toString);
        // write(2, ...) reaches line 15 and fails its condition; mkdir is named by no rule; exit_group is never called.
        String rules = """
                        ALLOW
                        ERRNO(38)
                        ALLOW
                        ALLOW
                        ERRNO(38)
                        rule coverage of examples/echo-hi.scpl: 5 calls, 2 of 3 rules reached, 2 decided
                         line    reached    decided  rule
                           13          2          2  Allow [@loader, @shell]
                           15          2          1  Allow write if arg0 == 1
                           16          0          0  Allow exit_group
                        never reached: line 16 (Allow exit_group)
                        coverage of examples/echo-hi.scpl: 27 of 57 instructions ran
                        """;
        assertEquals(rules, r.stdout().substring(0, Math.min(r.stdout().length(), rules.length())), r::toString);
        assertEquals("", r.stderr());
    }

    @Test
    void lcovOfAPolicyHasItsRuleLinesThenTheListing() {
        Sluice.Result r = Sluice.run(
                "run", "examples/deny-mkdir.scpl", "--data", "examples/syscalls.data", "--coverage-format", "lcov");
        assertEquals(0, r.exit(), r::toString);
        // mkdir and mkdirat reach the one rule (line 7); getpid, openat and the i386 and x32 getpid records reach none.
        String head = """
                        ALLOW
                        ERRNO(1)
                        ERRNO(1)
                        ALLOW
                        ALLOW
                        ALLOW
                        TN:
                        SF:examples/deny-mkdir.scpl
                        DA:7,2
                        LF:1
                        LH:1
                        end_of_record
                        TN:
                        SF:examples/deny-mkdir.scpl (listing)
                        DA:1,6
                        """;
        assertEquals(head, r.stdout().substring(0, Math.min(r.stdout().length(), head.length())), r::toString);
    }

    @Test
    void ruleCoverageIsRefusedWhereTheInterpreterCannotRunThePolicy() {
        // s390x: the policy compiles (it names its arches) and runs as BPF, but SCPL has no syscall table for s390x.
        Sluice.Result arch =
                Sluice.run("run", "--arch", "s390x", "examples/deny-mkdir.scpl", "--syscall", "39(0)", "--coverage");
        assertEquals(2, arch.exit(), arch::toString);
        assertEquals(
                "sluice run --coverage: the rule table runs the policy in SCPL's interpreter, which has no syscall table for --arch s390x\n",
                arch.stderr());
        // with trust flags, includes must not be read a second time unchecked
        Sluice.Result trust =
                Sluice.run("run", "--measure", "examples/deny-mkdir.scpl", "--syscall", "getpid", "--coverage");
        assertEquals(2, trust.exit(), trust::toString);
        assertEquals(
                "sluice run --coverage: the rule table loads the policy a second time (with its includes); not with trust flags\n",
                trust.stderr());
    }

    @Test
    void ebpfTextCoverageListsTheLoopNoRunEntered(@TempDir Path dir) throws IOException {
        Path zero = dir.resolve("zero.bin");
        Files.write(zero, new byte[] {0});
        Sluice.Result r =
                Sluice.run("run", "--lang", "ebpf", "examples/ebpf/sum.s", "--data", zero.toString(), "--coverage");
        assertEquals(0, r.exit(), r::toString);
        assertEquals("""
                        0
                        coverage of examples/ebpf/sum.s: 4 of 7 instructions ran
                         insn  line       runs  source
                            0     2          1  mov %r0, 0
                            1     3          1  ldxb %r3, [%r1]
                            2     4          1  jeq %r3, 0, done
                            3     6          0  add %r0, %r3
                            4     7          0  sub %r3, 1
                            5     8          0  jne %r3, 0, loop
                            6    10          1  exit
                        never reached: insn 3 (line 6), insn 4 (line 7), insn 5 (line 8)
                        """, r.stdout());
        assertEquals("", r.stderr());
    }

    @Test
    void ebpfLcovOfABinaryProgramIsOnItsListingWithoutLddwSecondSlots(@TempDir Path dir) throws IOException {
        Path asm = dir.resolve("sum-or-big.s");
        Files.writeString(asm, """
                mov %r0, 0
                ldxb %r3, [%r1]
                jgt %r3, 100, big
                jeq %r3, 0, done
                loop:
                add %r0, %r3
                sub %r3, 1
                jne %r3, 0, loop
                done:
                exit
                big:
                lddw %r0, 0x100000000
                exit
                """);
        Path bin = dir.resolve("sum-or-big.bin");
        Sluice.Result assembled = Sluice.run("asm", "--lang", "ebpf", asm.toString(), "-o", bin.toString());
        assertEquals(0, assembled.exit(), assembled::toString);
        Path three = dir.resolve("three.bin");
        Files.write(three, new byte[] {3});
        Sluice.Result r = Sluice.run(
                "run", "--lang", "ebpf", bin.toString(), "--data", three.toString(), "--coverage-format", "lcov");
        assertEquals(0, r.exit(), r::toString);
        // Listing line pc + 1; the loop (slots 4-6) ran 3 times, big (8, 10) never; slot 9 is the lddw's second half.
        assertEquals("6\nTN:\nSF:" + bin + " (listing)\n" + """
                        DA:1,1
                        DA:2,1
                        DA:3,1
                        DA:4,1
                        DA:5,3
                        DA:6,3
                        DA:7,3
                        DA:8,1
                        DA:9,0
                        DA:11,0
                        LF:10
                        LH:8
                        end_of_record
                        """, r.stdout());
        assertEquals("", r.stderr());
    }
}
