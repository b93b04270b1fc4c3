package dev.sluice.inetdiag;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.error.SluiceException;
import dev.sluice.inetdiag.isa.Ops;
import dev.sluice.inetdiag.parse.FilterCompiler;
import dev.sluice.inetdiag.runtime.InetDiagFailure;
import dev.sluice.inetdiag.verify.Audit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The compiler against iproute2's ss 6.1: each expected value is the INET_DIAG_REQ_BYTECODE that {@code ss -tn FILTER}
 * sent to the kernel, captured with {@code strace -e trace=sendmsg -e write=3}. Every compiled program also passes
 * the checker.
 */
class FilterCompilerTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiterString = " => ",
            quoteCharacter = '`',
            value = {
                "sport = :1 => 07101400000000000100000000000000",
                "sport = :1 or sport = :2 and dport = :3 => 07101400000000000100000000000000010414000710240000000000020000000000000008101400000000000300000000000000",
                "sport = :1 and sport = :2 or dport = :3 => 07102400000000000100000000000000071014000000000002000000000000000104140008101400000000000300000000000000",
                "sport = :1 or sport = :2 or sport = :3 => 0710140000000000010000000000000001041400071014000000000002000000000000000104140007101400000000000300000000000000",
                "sport = :1 and sport = :2 and sport = :3 => 071034000000000001000000000000000710240000000000020000000000000007101400000000000300000000000000",
                "sport = :1 sport = :2 or sport = :3 => 07102400000000000100000000000000071014000000000002000000000000000104140007101400000000000300000000000000",
                "not sport = :1 and sport = :2 => 071014000000000001000000000000000104180007101400000000000200000000000000",
                "not ( sport = :1 and sport = :2 ) => 071024000000000001000000000000000710140000000000020000000000000001040800",
                "! sport = :1 or dport = :2 => 07101400000000000100000000000000010408000104140008101400000000000200000000000000",
                "( sport = :1 or dport = :2 ) and not dport = :3 => 0710140000000000010000000000000001041400081028000000000002000000000000000810140000000000030000000000000001040800",
                "sport = :1 and ( dport = :2 or dport = :3 ) => 07103800000000000100000000000000081014000000000002000000000000000104140008101400000000000300000000000000",
                "sport = :1 or not sport = :2 => 07101400000000000100000000000000010418000710140000000000020000000000000001040800",
                "dport >= :1024 => 04080c0000000004",
                "dport ge :1 => 04080c0000000100",
                "dport le :1 => 05080c0000000100",
                "dport gt :1 => 05080c000000010001040800",
                "dport < :5 => 04080c000000050001040800",
                "sport > :5 => 03080c000000050001040800",
                "sport < :5 => 02080c000000050001040800",
                "sport != :5 => 0710140000000000050000000000000001040800",
                "dport neq :1 => 0810140000000000010000000000000001040800",
                "src 10.0.0.0/8 => 0710140002080000ffffffff0a000000",
                "src 10/8 => 0710140002080000ffffffff0a000000",
                "src 127.1 => 0710140002200000ffffffff7f010000",
                "src 127.0.0.1:80 => 0710140002200000500000007f000001",
                "src 127.0.0.1/8:80 => 0710140002080000500000007f000001",
                "src 127.0.0.1 and dst 127.0.0.1 => 0710240002200000ffffffff7f0000010810140002200000ffffffff7f000001",
                "src 0.0.0.0/0 => 0710140002000000ffffffff00000000",
                "dst 10.1.2.3/24 => 0810140002180000ffffffff0a010203",
                "dst 127.0.0.1:* => 0810140002200000ffffffff7f000001",
                "dst [::1]:443 => 081c20000a800000bb01000000000000000000000000000000000001",
                "dst [::1/64]:22 => 081c20000a4000001600000000000000000000000000000000000001",
                "dst [::ffff:1.2.3.4] => 081c20000a800000ffffffff00000000000000000000ffff01020304",
                "dst [::/0] => 081c20000a000000ffffffff00000000000000000000000000000000",
                "src [::] => 071c20000a800000ffffffff00000000000000000000000000000000",
                "src * => 0710140000000000ffffffff00000000",
                "src *:80 => 07101400000000005000000000000000",
                "src [*]:22 => 07101400000000001600000000000000",
                "autobound => 06040800",
                "not autobound => 0604080001040800",
                "fwmark 0x10/0xff => 0a0c100010000000ff000000",
                "fwmark 0x10 => 0a0c100010000000ffffffff",
                "fwmark 16 => 0a0c100010000000ffffffff",
                "fwmark != 0x10/0xf => 0a0c1000100000000f00000001040800",
                "sport = :http => 07101400000000005000000000000000",
                "sport = :ssh or sport = :domain => 071014000000000016000000000000000104140007101400000000003500000000000000",
                "sport = 1 => 07101400000000000100000000000000",
                "sport == :1 => 07101400000000000100000000000000",
                "sport :1 dport :2 => 0710240000000000010000000000000008101400000000000200000000000000",
                "sport = :1 && dport = :2 => 0710240000000000010000000000000008101400000000000200000000000000",
                "sport = :1 || dport = :2 => 071014000000000001000000000000000104140008101400000000000200000000000000",
                "dport = :65535 => 0810140000000000ffff000000000000",
                "dport = :65536 => 08101400000000000000010000000000",
                "sport = :0 => 07101400000000000000000000000000",
            })
    void compilesAsSsDoes(String filter, String expected) {
        byte[] bc = FilterCompiler.compile(filter, "f");
        assertEquals(expected, HexFormat.of().formatHex(bc));
        Audit.check(bc, true);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiterString = " => ",
            quoteCharacter = '`',
            value = {
                "sport = :1 or => 1 => 14 => expected a condition after 'or'",
                "src ::1 => 1 => 5 => an IPv6 address goes in brackets: [::1]",
                "src 300.1.1.1 => 1 => 5 => '300.1.1.1' is not an IPv4 address (host names are not looked up)",
                "src 127.0.0.1/33 => 1 => 5 => prefix length '/33' is not 0..32",
                "dst [::1]/64 => 1 => 10 => expected ':PORT' after ']', found '/64' (an IPv6 prefix goes inside the brackets: [::1/64])",
                "sport = :nosuch => 1 => 9 => 'nosuch' is not a port number or a service name in /etc/services",
                "( sport = :1 => 1 => 13 => expected ')' to close the '(' at 1:1",
                "sport = :1 ) => 1 => 12 => unexpected ')' (no '(' to close)",
                "frobnicate => 1 => 1 => unknown condition 'frobnicate' (expected src, dst, sport, dport, dev, fwmark, cgroup, autobound, not or '(')",
                "sport = :1 and state listening => 1 => 16 => 'state' must come before the expression (the bytecode has no state condition: `sluice ss state NAME ...` selects states)",
                "dev >= lo => 1 => 5 => 'dev' takes = or != only, not '>='",
                "fwmark 0x1ffffffff => 1 => 8 => '0x1ffffffff' is not a 32-bit number",
                "dev nosuchif0 => 1 => 5 => no network interface named 'nosuchif0'",
                "dev ../../../etc => 1 => 5 => '../../../etc' is not an interface name (1-15 bytes, no '/', ':', space or NUL, not . or ..)",
                "dev .. => 1 => 5 => '..' is not an interface name (1-15 bytes, no '/', ':', space or NUL, not . or ..)",
                "dev abcdefghijklmnop => 1 => 5 => 'abcdefghijklmnop' is not an interface name (1-15 bytes, no '/', ':', space or NUL, not . or ..)",
                "dev lo:1 => 1 => 5 => 'lo:1' is not an interface name (1-15 bytes, no '/', ':', space or NUL, not . or ..)",
            })
    void errorsAreLocated(String filter, int line, int column, String message) {
        SluiceException e = assertThrows(SluiceException.class, () -> FilterCompiler.compile(filter, "f"));
        assertEquals(InetDiagFailure.FILTER_SYNTAX, e.failure());
        assertEquals(message, e.detail());
        assertEquals(line, e.line(), e.getMessage());
        assertEquals(column, e.column(), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiterString = " => ",
            quoteCharacter = '`',
            value = {
                "sport = :1\\nand dport = :http\\n  or (src 10.1/16 => 3 => 18 => expected ')' to close the '(' at 3:6",
                "# a comment\\nsport >= :bogus => 2 => 10 => 'bogus' is not a port number or a service name in /etc/services",
            })
    void multiLineErrorsNameTheLine(String filter, int line, int column, String message) {
        String text = filter.replace("\\n", "\n");
        SluiceException e = assertThrows(SluiceException.class, () -> FilterCompiler.compile(text, "f.ss"));
        assertEquals(message, e.detail());
        assertEquals("f.ss:" + line + ":" + column + ": " + message, e.getMessage());
    }

    @Test
    void caretPointsAtTheColumn() {
        assertEquals("src 300.1.1.1\n    ^", FilterCompiler.caret("src 300.1.1.1", 1, 5));
    }

    @Test
    void emptyFilterSelectsEverything() {
        assertEquals("00040000", HexFormat.of().formatHex(FilterCompiler.compile("  ", "f")));
    }

    /** Where cgroup2 is mounted here (/sys/fs/cgroup, or /sys/fs/cgroup/unified on a hybrid machine), or null. */
    private static Path cgroup2Mount() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ");
            int dash = Arrays.asList(f).indexOf("-");
            if (dash > 0 && f[dash + 1].equals("cgroup2")) {
                return Path.of(f[4]);
            }
        }
        return null;
    }

    @Test
    void cgroupPathsResolveAsIproute2DoesToTheDirectorysId() throws Exception {
        Path mount = cgroup2Mount();
        Assumptions.assumeTrue(mount != null, "SKIPPED: no cgroup2 file system is mounted");
        long rootId = ((Number) Files.getAttribute(mount, "unix:ino")).longValue();
        // The hierarchy's root, by its path.
        byte[] byPath = FilterCompiler.compile("cgroup " + mount, "f");
        assertEquals(12, byPath.length);
        assertEquals(Ops.CGROUP_COND, byPath[0]);
        assertEquals(rootId, Ops.s64(byPath, 4));
        // A child cgroup, under the mount, by a path relative to the mount (leading '/' dropped, as iproute2 does).
        try (var children = Files.list(mount)) {
            Path child = children.filter(Files::isDirectory).findFirst().orElse(null);
            if (child != null) {
                byte[] relative = FilterCompiler.compile("cgroup /" + child.getFileName(), "f");
                assertEquals(((Number) Files.getAttribute(child, "unix:ino")).longValue(), Ops.s64(relative, 4));
                byte[] negated = FilterCompiler.compile("cgroup != /" + child.getFileName(), "f");
                assertTrue(negated.length > relative.length, "not adds a jump");
            }
        }
        SluiceException none =
                assertThrows(SluiceException.class, () -> FilterCompiler.compile("cgroup /no/such/cgroup/here", "f"));
        assertEquals(
                "cgroup /no/such/cgroup/here: no such cgroup (looked at the path and under " + mount + ")",
                none.detail());
        assertEquals(8, none.column());
        SluiceException outside = assertThrows(SluiceException.class, () -> FilterCompiler.compile("cgroup /etc", "f"));
        assertEquals("cgroup /etc: /etc is not in the cgroup2 hierarchy at " + mount, outside.detail());
        // Found by the inetdiag-filter campaign: a NUL byte in the path was a host InvalidPathException.
        SluiceException nul = assertThrows(SluiceException.class, () -> FilterCompiler.compile("cgroup /a\0b", "f"));
        assertEquals(InetDiagFailure.FILTER_SYNTAX, nul.failure());
        assertEquals("cgroup /a\\x00b: a path cannot contain a NUL byte", nul.detail());
        assertEquals(8, nul.column());
    }
}
