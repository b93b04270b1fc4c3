package dev.sluice.tests.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** check, disasm and ss --bytecode with --lang inetdiag: located errors with a caret, exit codes, listings. */
class InetDiagCommandsTest {
    @Test
    void checkAcceptsFiltersAndBytecodeAndLocatesErrors() {
        Sluice.Result r = Sluice.run(
                "check",
                "--lang",
                "inetdiag",
                "examples/inetdiag/web.ss",
                "examples/inetdiag/not-autobound.bc",
                "examples/inetdiag/bad-address.ss",
                "examples/inetdiag/jump-past-end.bc");
        assertEquals(1, r.exit(), r.toString());
        assertEquals(
                List.of(
                        "examples/inetdiag/web.ss: ok (56 bytes, 5 ops)",
                        "examples/inetdiag/not-autobound.bc: ok (8 bytes, 2 ops)"),
                r.stdoutLines(),
                r.toString());
        assertEquals(
                List.of(
                        "examples/inetdiag/bad-address.ss:2:11: '10.0.0.300' is not an IPv4 address (host names are not looked up)",
                        "  and dst 10.0.0.300",
                        "          ^",
                        "examples/inetdiag/jump-past-end.bc: op at byte 0: no = 12 goes beyond the end + 4 (4 bytes remain)"),
                r.stderrLines(),
                r.toString());
    }

    @Test
    void disasmListsTheYesChain() {
        Sluice.Result r = Sluice.run("disasm", "--lang", "inetdiag", "examples/inetdiag/web.ss");
        assertEquals(0, r.exit(), r.toString());
        String row = "%5d: %-11s %-34s %s";
        assertEquals(
                List.of(
                        String.format(row, 0, "D_COND", "dst * port 443", "yes 16  no 20"),
                        String.format(row, 16, "JMP", "", "no accept"),
                        String.format(row, 20, "D_COND", "dst * port 80", "yes 36  no reject"),
                        String.format(row, 36, "S_COND", "src 10.0.0.0/8 port *", "yes 52  no accept"),
                        String.format(row, 52, "JMP", "", "no reject")),
                r.stdoutLines(),
                r.toString());
    }

    @Test
    void ssRefusesABadFilterWithACaret() {
        Sluice.Result r = Sluice.run("ss", "sport", ">=", ":1024", "and", "dst", "[::1]/64");
        assertEquals(1, r.exit(), r.toString());
        assertEquals(
                List.of(
                        "filter:1:29: expected ':PORT' after ']', found '/64' (an IPv6 prefix goes inside the brackets: [::1/64])",
                        "sport >= :1024 and dst [::1]/64",
                        " ".repeat(28) + "^"),
                r.stderrLines(),
                r.toString());
        Sluice.Result b = Sluice.run("ss", "--bytecode", "not", "autobound");
        assertEquals(0, b.exit(), b.toString());
        assertTrue(b.stdout().contains("AUTO") && b.stdout().contains("JMP"), b.toString());
    }

    @Test
    void explainShowsTheOpsRunAndTheirBranches() {
        Sluice.Result r = Sluice.run(
                "explain",
                "--lang",
                "inetdiag",
                "examples/inetdiag/web.ss",
                "--socket",
                "10.1.1.1:5000 93.184.216.34:443",
                "--socket",
                "10.1.1.1:5000 93.184.216.34:80",
                "--socket",
                "[2001:db8::1]:5000 [2001:db8::2]:80 mark 0x10");
        assertEquals(0, r.exit(), r.toString());
        String row = "%d: %-11s %-34s %s";
        String op0 = String.format(row, 0, "D_COND", "dst * port 443", "yes 16  no 20");
        String op16 = String.format(row, 16, "JMP", "", "no accept");
        String op20 = String.format(row, 20, "D_COND", "dst * port 80", "yes 36  no reject");
        String op36 = String.format(row, 36, "S_COND", "src 10.0.0.0/8 port *", "yes 52  no accept");
        String op52 = String.format(row, 52, "JMP", "", "no reject");
        assertEquals(
                List.of(
                        "10.1.1.1:5000 93.184.216.34:443: selected",
                        "  " + op0 + "   -> yes",
                        "  " + op16 + "   -> no",
                        "",
                        "10.1.1.1:5000 93.184.216.34:80: not selected",
                        "  " + op0 + "   -> no",
                        "  " + op20 + "   -> yes",
                        "  " + op36 + "   -> yes",
                        "  " + op52 + "   -> no",
                        "",
                        // an IPv6 socket never matches an IPv4 prefix
                        "[2001:db8::1]:5000 [2001:db8::2]:80 mark 0x10: selected",
                        "  " + op0 + "   -> no",
                        "  " + op20 + "   -> yes",
                        "  " + op36 + "   -> no"),
                r.stdoutLines(),
                r.toString());
    }

    @Test
    void runSaysWhichSocketsTheFilterSelects() {
        Sluice.Result r = Sluice.run(
                "run",
                "--lang",
                "inetdiag",
                "examples/inetdiag/web.ss",
                "--socket",
                "10.1.1.1:5000 93.184.216.34:443",
                "--socket",
                "10.1.1.1:5000 93.184.216.34:80",
                "--socket",
                "192.168.1.1:5000 93.184.216.34:80 dev 1");
        assertEquals(0, r.exit(), r.toString());
        assertEquals(
                List.of(
                        "10.1.1.1:5000 93.184.216.34:443: selected",
                        "10.1.1.1:5000 93.184.216.34:80: not selected",
                        "192.168.1.1:5000 93.184.216.34:80 dev 1: selected"),
                r.stdoutLines(),
                r.toString());
        Sluice.Result mixed = Sluice.run(
                "run",
                "--lang",
                "inetdiag",
                "examples/inetdiag/web.ss",
                "--socket",
                "10.1.1.1:1 10.1.1.2:2",
                "--syscall",
                "getpid()");
        assertEquals(2, mixed.exit(), mixed.toString());
    }

    @Test
    void explainRefusesWhatIsNotASocket() {
        Sluice.Result noSocket =
                Sluice.run("explain", "--lang", "inetdiag", "examples/inetdiag/web.ss", "--syscall", "getpid()");
        assertEquals(2, noSocket.exit(), noSocket.toString());
        assertEquals(
                List.of("sluice explain --lang inetdiag: give --socket 'LOCAL PEER ...' (not --syscall)"),
                noSocket.stderrLines(),
                noSocket.toString());
        Sluice.Result bad = Sluice.run(
                "explain", "--lang", "inetdiag", "examples/inetdiag/web.ss", "--socket", "10.1.1.1 10.2.2.2:80");
        assertEquals(2, bad.exit(), bad.toString());
        assertEquals(
                List.of(
                        "sluice explain: --socket '10.1.1.1 10.2.2.2:80': local '10.1.1.1' is not ADDR:PORT (IPv6: [ADDR]:PORT)"),
                bad.stderrLines(),
                bad.toString());
        Sluice.Result word = Sluice.run(
                "explain", "--lang", "inetdiag", "examples/inetdiag/web.ss", "--socket", "10.1.1.1:1 10.2.2.2:80 mark");
        assertEquals(2, word.exit(), word.toString());
        assertEquals(
                List.of(
                        "sluice explain: --socket '10.1.1.1:1 10.2.2.2:80 mark': 'mark' is not one of dev IFINDEX|NAME, mark N, cgroup ID, autobound"),
                word.stderrLines(),
                word.toString());
    }

    @Test
    void ssRefusesAnUnknownState() {
        Sluice.Result r = Sluice.run("ss", "state", "establised");
        assertEquals(2, r.exit(), r.toString());
        assertTrue(
                r.stderr().startsWith("sluice ss: wrong state name: establised (established, syn-sent"), r.toString());
    }
}
