package dev.sluice.tests.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** check, run and explain as separate processes on the bundled examples: stdout, stderr and exit code. */
class CheckRunExplainTest {

    @Test
    void checkPrintsOkWithTheInstructionCount() {
        Sluice.Result r = Sluice.run(
                "check", "examples/allow-basic.bpf", "examples/deny-mkdir.bpf", "examples/allow-sh-echo.bpf");
        assertEquals(0, r.exit(), r::toString);
        assertEquals("""
                        examples/allow-basic.bpf: ok (10 instructions)
                        examples/deny-mkdir.bpf: ok (9 instructions)
                        examples/allow-sh-echo.bpf: ok (44 instructions)
                        """, r.stdout());
        assertEquals("", r.stderr());
    }

    @Test
    void checkAppliesTheProfileRules() {
        Sluice.Result socket = Sluice.run("check", "--profile", "socket", "examples/tcp-port-80.bpf");
        assertEquals(0, socket.exit(), socket::toString);
        assertEquals("examples/tcp-port-80.bpf: ok (20 instructions)\n", socket.stdout());
        // The same program as a seccomp filter: seccomp_check_filter refuses packet loads.
        Sluice.Result seccomp = Sluice.run("check", "examples/deny-mkdir.bpf", "examples/tcp-port-80.bpf");
        assertEquals(1, seccomp.exit(), seccomp::toString);
        assertEquals("examples/deny-mkdir.bpf: ok (9 instructions)\n", seccomp.stdout());
        assertEquals(
                List.of("examples/tcp-port-80.bpf: insn 0: ldh [k] is not allowed in a seccomp filter"),
                seccomp.stderrLines());
    }

    @Test
    void runPrintsOneVerdictPerSyscall() {
        Sluice.Result r = Sluice.run(
                "run",
                "examples/deny-mkdir.bpf",
                "--syscall",
                "83(0x1000, 0755)",
                "--syscall",
                "39",
                "--syscall",
                "258(-100, 0x1000, 0755)",
                "--syscall",
                "0x40000027");
        assertEquals(0, r.exit(), r::toString);
        // 0x40000027 is getpid with the x32 bit: the filter kills it.
        assertEquals("ERRNO(1)\nALLOW\nERRNO(1)\nKILL_PROCESS\n", r.stdout());
        assertEquals("", r.stderr());
        Sluice.Result raw = Sluice.run("run", "--raw", "examples/deny-mkdir.bpf", "--syscall", "83", "--syscall", "39");
        assertEquals("0x00050001\n0x7fff0000\n", raw.stdout(), raw::toString);
    }

    @Test
    void runReadsSeccompDataRecords() {
        Sluice.Result r = Sluice.run("run", "examples/deny-mkdir.bpf", "--data", "examples/syscalls.data");
        assertEquals(0, r.exit(), r::toString);
        // getpid, mkdir, mkdirat, openat, an i386 record (foreign arch), an x32 number (see examples/generate.py)
        assertEquals("ALLOW\nERRNO(1)\nERRNO(1)\nALLOW\nKILL_PROCESS\nKILL_PROCESS\n", r.stdout());
        // The same file in slices of two records (the path a progress indicator takes) gives the same output.
        Sluice.Result sliced = Sluice.runWith(
                List.of("-Dsluice.chunkBytes=128", "-Dsluice.progress.force=true"),
                "run",
                "examples/deny-mkdir.bpf",
                "--data",
                "examples/syscalls.data");
        assertEquals(r.stdout(), sliced.stdout(), sliced::toString);
        assertTrue(sliced.stderr().contains("sluice run: examples/syscalls.data: 100%"), sliced::toString);
        assertEquals("", r.stderr(), "no progress line when stderr is not a terminal");
    }

    @Test
    void runOnACaptureGivesOneValuePerPacketAndTheAcceptedCount() {
        Sluice.Result r =
                Sluice.run("run", "--profile", "socket", "examples/tcp-port-80.bpf", "--pcap", "examples/sample.pcap");
        assertEquals(0, r.exit(), r::toString);
        assertEquals("65535\n65535\n0\n0\n65535\n0\n0\n0\n0\n", r.stdout());
        Sluice.Result count = Sluice.run(
                "run", "--profile", "socket", "examples/tcp-port-80.bpf", "--pcap", "examples/sample.pcap", "--count");
        assertEquals("3\n", count.stdout(), count::toString);
        Sluice.Result sliced = Sluice.runWith(
                List.of("-Dsluice.chunkBytes=100"),
                "run",
                "--profile",
                "socket",
                "examples/tcp-port-80.bpf",
                "--pcap",
                "examples/sample.pcap");
        assertEquals(r.stdout(), sliced.stdout(), sliced::toString);
        assertEquals(tcpdumpCount("examples/sample.pcap"), 3);
    }

    @Test
    void aCaptureCutShortCountsThePacketsBeforeTheCutAsTcpdumpDoes() {
        Sluice.Result r = Sluice.run(
                "run",
                "--profile",
                "socket",
                "examples/tcp-port-80.bpf",
                "--pcap",
                "examples/truncated.pcap",
                "--count");
        assertEquals(1, r.exit(), r::toString);
        assertEquals("3\n", r.stdout());
        assertEquals(
                List.of(
                        "examples/truncated.pcap: truncated dump file: packet 10 claims 60 captured bytes, only 10 remain (the 9 packets before it were processed)"),
                r.stderrLines());
        // Read in slices of about 100 bytes, the slices before the cut run first: the same count and message.
        Sluice.Result sliced = Sluice.runWith(
                List.of("-Dsluice.chunkBytes=100"),
                "run",
                "--profile",
                "socket",
                "examples/tcp-port-80.bpf",
                "--pcap",
                "examples/truncated.pcap",
                "--count");
        assertEquals(1, sliced.exit(), sliced::toString);
        assertEquals(r.stdout(), sliced.stdout(), sliced::toString);
        assertEquals(r.stderrLines(), sliced.stderrLines(), sliced::toString);
        assertEquals(3, tcpdumpCount("examples/truncated.pcap"));
    }

    /** Packets tcpdump accepts for 'tcp port 80' (one line each); skips visibly without tcpdump. */
    private static int tcpdumpCount(String pcap) {
        Path tcpdump = Path.of("/usr/bin/tcpdump");
        if (!Files.isExecutable(tcpdump)) {
            System.err.println(
                    "SKIPPED: tcpdump is not installed; the count is checked against the expected value only");
            Assumptions.assumeTrue(false, "SKIPPED: tcpdump is not installed");
        }
        try {
            Process p = new ProcessBuilder(tcpdump.toString(), "-nr", pcap, "tcp port 80")
                    .directory(Sluice.ROOT.toFile())
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            String out = new String(p.getInputStream().readAllBytes());
            p.waitFor();
            return (int) out.lines().count();
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Test
    void explainShowsThePathWithRegisters() {
        Sluice.Result r = Sluice.run("explain", "examples/deny-mkdir.bpf", "--syscall", "83(0x1000, 0755)");
        assertEquals(0, r.exit(), r::toString);
        assertEquals("""
                        83(0x1000, 0755) on x86_64 (nr 83): ERRNO(1)
                          0: ld [4]                      A=0xc000003e X=0x00000000
                          1: jeq #0xc000003e jt 2 jf 8   A=0xc000003e X=0x00000000  true -> 2
                          2: ld [0]                      A=0x00000053 X=0x00000000
                          3: jge #0x40000000 jt 8 jf 4   A=0x00000053 X=0x00000000  false -> 4
                          4: jeq #0x53 jt 7 jf 5         A=0x00000053 X=0x00000000  true -> 7
                          7: ret #327681                 return ERRNO(1)
                        """, r.stdout());
        assertEquals("", r.stderr());
        Sluice.Result foreign = Sluice.run("explain", "--arch", "x86", "examples/deny-mkdir.bpf", "--syscall", "39");
        assertEquals(0, foreign.exit(), foreign::toString);
        assertTrue(foreign.stdout().startsWith("39 on x86 (nr 39): KILL_PROCESS\n"), foreign::toString);
        assertTrue(foreign.stdout().contains("A=0x40000003 X=0x00000000  false -> 8"), foreign::toString);
    }

    @Test
    void textProgramsAreCheckedAndExplainedWithTheirSourceLines() {
        Sluice.Result r = Sluice.run("check", "examples/deny-mkdir.asm");
        assertEquals("examples/deny-mkdir.asm: ok (9 instructions)\n", r.stdout(), r::toString);
        Sluice.Result socket = Sluice.run("check", "--profile", "socket", "examples/tcp-port-80.ddd");
        assertEquals("examples/tcp-port-80.ddd: ok (20 instructions)\n", socket.stdout(), socket::toString);
        Sluice.Result explain = Sluice.run("explain", "examples/deny-mkdir.asm", "--syscall", "258");
        assertEquals(0, explain.exit(), explain::toString);
        assertTrue(
                explain.stdout()
                        .contains(
                                "5: jeq #0x102 jt 7 jf 6       examples/deny-mkdir.asm:8  A=0x00000102 X=0x00000000  true -> 7"),
                explain::toString);
        assertTrue(
                explain.stdout().contains("7: ret #327681                examples/deny-mkdir.asm:10  return ERRNO(1)"),
                explain::toString);
    }

    @Test
    void asmAndDisasmRoundTripTheExamples() throws IOException {
        // The committed raw filter is the assembled text, byte for byte.
        Sluice.Result asm = Sluice.run("asm", "examples/deny-mkdir.asm", "--output-format", "dd");
        assertEquals(0, asm.exit(), asm::toString);
        Path raw = Files.createTempFile("deny-mkdir", ".bpf");
        try {
            Sluice.Result toFile = Sluice.run("asm", "examples/deny-mkdir.asm", "-o", raw.toString());
            assertEquals(0, toFile.exit(), toFile::toString);
            assertEquals(
                    java.util.HexFormat.of()
                            .formatHex(Files.readAllBytes(Sluice.ROOT.resolve("examples/deny-mkdir.bpf"))),
                    java.util.HexFormat.of().formatHex(Files.readAllBytes(raw)));
        } finally {
            Files.deleteIfExists(raw);
        }
        assertTrue(asm.stdout().startsWith("{ 0x20, 0, 0, 0x00000004 },\n"), asm::toString);
        Sluice.Result listing = Sluice.run("disasm", "--output-format", "listing", "examples/deny-mkdir.bpf");
        assertEquals(0, listing.exit(), listing::toString);
        assertEquals(9, listing.stdout().lines().count(), listing::toString);
        assertTrue(
                listing.stdout().startsWith("(000) ld       [4]\n(001) jeq      #0xc000003e      jt 2\tjf 8\n"),
                listing::toString);
        Sluice.Result text = Sluice.run("disasm", "examples/deny-mkdir.bpf");
        assertEquals(0, text.exit(), text::toString);
        assertTrue(text.stdout().contains("jne #0xc000003e, l8\n"), text::toString);
    }

    @Test
    void scplPoliciesAreCheckedRunAndExplainedByRule() {
        Sluice.Result check = Sluice.run("check", "examples/deny-mkdir.scpl", "examples/echo-hi.scpl");
        assertEquals(0, check.exit(), check::toString);
        // The counts are what the SCPL compiler emits for the host arch; the CLI must report exactly those.
        assertEquals(
                "examples/deny-mkdir.scpl: ok (" + compiledLength("deny-mkdir.scpl")
                        + " instructions)\nexamples/echo-hi.scpl: ok (" + compiledLength("echo-hi.scpl")
                        + " instructions)\n",
                check.stdout());
        Sluice.Result run = Sluice.run(
                "run",
                "examples/deny-mkdir.scpl",
                "--syscall",
                "mkdir(0x1000, 0755)",
                "--syscall",
                "mkdirat(AT_FDCWD, 0x1000, 0755)",
                "--syscall",
                "getpid",
                "--syscall",
                "openat(AT_FDCWD, 0x1000, O_RDONLY|O_CLOEXEC)");
        assertEquals(0, run.exit(), run::toString);
        assertEquals("ERRNO(1)\nERRNO(1)\nALLOW\nALLOW\n", run.stdout());
        Sluice.Result explain = Sluice.run(
                "explain",
                "examples/echo-hi.scpl",
                "--syscall",
                "write(1, 0x1000, 3)",
                "--syscall",
                "write(2, 0x1000, 3)");
        assertEquals(0, explain.exit(), explain::toString);
        assertEquals("""
                        write(1, 0x1000, 3) on x86_64 (nr 1): ALLOW
                          decided by the rule at examples/echo-hi.scpl:15:5
                            Allow write if arg0 == 1;

                        write(2, 0x1000, 3) on x86_64 (nr 1): ERRNO(38)
                          no rule matches: default_action
                        """, explain.stdout());
    }

    @Test
    void compiledPoliciesGiveThePolicysVerdicts() throws IOException {
        Path raw = Files.createTempFile("deny-mkdir", ".bpf");
        try {
            Sluice.Result compile = Sluice.run("compile", "examples/deny-mkdir.scpl", "-o", raw.toString());
            assertEquals(0, compile.exit(), compile::toString);
            assertEquals("", compile.stderr());
            Sluice.Result fromBpf = Sluice.run("run", raw.toString(), "--data", "examples/syscalls.data");
            Sluice.Result fromScpl = Sluice.run("run", "examples/deny-mkdir.scpl", "--data", "examples/syscalls.data");
            // The policy targets x86_64, x32 and x86: the i386 getpid and the x32 getpid are allowed.
            assertEquals("ALLOW\nERRNO(1)\nERRNO(1)\nALLOW\nALLOW\nALLOW\n", fromScpl.stdout(), fromScpl::toString);
            assertEquals(fromScpl.stdout(), fromBpf.stdout(), fromBpf::toString);
        } finally {
            Files.deleteIfExists(raw);
        }
        Sluice.Result asm =
                Sluice.run("compile", "examples/deny-mkdir.scpl", "--arch", "x86_64", "--output-format", "asm");
        assertEquals(0, asm.exit(), asm::toString);
        assertTrue(asm.stdout().strip().startsWith("ld [4]") && asm.stdout().contains("#0xc000003e"), asm::toString);
        assertTrue(asm.stdout().contains("ret #0x50001"), asm::toString);
    }

    @Test
    void engineOptionsPassThrough() {
        Sluice.Result r = Sluice.run(
                "--engine.TraceCompilation=true",
                "--engine.CompileImmediately",
                "--engine.BackgroundCompilation=false",
                "run",
                "examples/deny-mkdir.bpf",
                "--syscall",
                "39");
        assertEquals(0, r.exit(), r::toString);
        assertEquals("ALLOW\n", r.stdout());
        assertTrue(r.stderr().contains("opt done") && r.stderr().contains("bpf-seccomp-runRecords"), r::toString);
        Sluice.Result bad = Sluice.run("--engine.NoSuchOption=1", "run", "examples/deny-mkdir.bpf", "--syscall", "39");
        assertEquals(2, bad.exit(), bad::toString);
        assertEquals(1, bad.stderrLines().size(), bad::toString);
        assertTrue(bad.stderr().contains("engine.NoSuchOption"), bad::toString);
    }

    @Test
    void versionSaysTheGraalCompilerIsActive() {
        Sluice.Result r = Sluice.run("--version");
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.stdout().startsWith("sluice 0.1.0"), r::toString);
        assertTrue(r.stdout().contains("Graal compiler active"), r::toString);
        assertFalse(r.stdout().contains("NOT active"), r::toString);
    }

    @Test
    void helpListsEverySubcommandAndCompletionIsGenerated() {
        Sluice.Result r = Sluice.run("--help");
        assertEquals(0, r.exit(), r::toString);
        for (String sub : List.of("check", "run", "explain", "exec", "compile", "asm", "disasm", "completion")) {
            assertTrue(r.stdout().contains("\n  " + sub + " "), () -> sub + " missing from\n" + r.stdout());
        }
        Sluice.Result sub = Sluice.run("run", "--help");
        assertEquals(0, sub.exit(), sub::toString);
        assertTrue(sub.stdout().startsWith("Usage: sluice run "), sub::toString);
        assertTrue(sub.stdout().contains("--pcap=FILE"), sub::toString);
        Sluice.Result completion = Sluice.run("completion");
        assertEquals(0, completion.exit(), completion::toString);
        assertTrue(completion.stdout().startsWith("#!/usr/bin/env bash"), completion::toString);
        assertTrue(
                completion.stdout().contains("--syscall") && completion.stdout().contains("--output-format"),
                "completes options of subcommands");
    }

    private static int compiledLength(String example) {
        try {
            java.nio.file.Path file = java.nio.file.Path.of(System.getProperty("sluice.repo.root", ".."))
                    .resolve("examples")
                    .resolve(example);
            return dev.sluice.scpl.compile.ScplCompiler.compile(
                            file.toString(),
                            java.nio.file.Files.readString(file),
                            dev.sluice.scpl.compile.CompileOptions.defaults().validate(false))
                    .program()
                    .length();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * check loads a program exactly as run does, language options included: in constant-time mode both refuse a load
     * at a secret-dependent offset and a netlink walk over secret bytes, at the instruction's source line.
     */
    @Test
    void checkAppliesTheLanguageOptionsAsRunDoes(@TempDir Path dir) throws IOException {
        Path index = Files.writeString(dir.resolve("index.asm"), "ld [0]\ntax\nldb [x+0]\nret a\n");
        Path nla = Files.writeString(dir.resolve("nla.asm"), "ld #4\nldx #2\nld nla\nret a\n");
        String[] ct = {"--profile", "socket", "--bpf.ConstantTime=true", "--bpf.SecretFields=0-63"};
        Sluice.Result plain = Sluice.run("check", "--profile", "socket", index.toString(), nla.toString());
        assertEquals(0, plain.exit(), plain::toString);
        assertEquals(index + ": ok (4 instructions)\n" + nla + ": ok (4 instructions)\n", plain.stdout());

        Sluice.Result checked =
                Sluice.run(concat(new String[] {"check"}, ct, new String[] {index.toString(), nla.toString()}));
        assertEquals(1, checked.exit(), checked::toString);
        assertEquals("", checked.stdout());
        assertEquals(
                List.of(
                        index + ":3:1: insn 2: constant-time program loads at a secret-dependent offset [x + 0]",
                        "ldb [x+0]",
                        "^",
                        nla
                                + ":3:1: insn 2: constant-time program cannot run nla: its netlink attribute walk reads the packet from offset A to the end,"
                                + " and its steps and result depend on the secret bytes 0-63",
                        "ld nla",
                        "^"),
                checked.stderrLines());

        Sluice.Result run = Sluice.run(concat(
                new String[] {"run"}, ct, new String[] {index.toString(), "--pcap", "examples/sample.pcap", "--count"
                }));
        assertEquals(1, run.exit(), run::toString);
        assertEquals(checked.stderrLines().subList(0, 3), run.stderrLines(), "run refuses with check's message");

        Sluice.Result range =
                Sluice.run("check", "--bpf.ConstantTime=true", "--bpf.SecretFields=64-70", "examples/deny-mkdir.asm");
        assertEquals(2, range.exit(), "a bad option value is a usage error, as the README's exit codes say: " + range);
        assertEquals(
                List.of(
                        "sluice check: bpf.SecretFields: '64-70' names bytes past the end of the 64-byte struct seccomp_data;"
                                + " expected byte ranges within 0-63 (struct seccomp_data) or nr, arch, ip, args, arg0..arg5"),
                range.stderrLines());

        Sluice.Result window =
                Sluice.run("run", "--bpf.BudgetWindowMillis=0", "examples/deny-mkdir.asm", "--syscall", "getpid");
        assertEquals(2, window.exit(), window::toString);
        assertEquals(List.of("sluice run: bpf.BudgetWindowMillis: 0 is below 1"), window.stderrLines());
    }

    private static String[] concat(String[]... parts) {
        return java.util.Arrays.stream(parts).flatMap(java.util.Arrays::stream).toArray(String[]::new);
    }
}
