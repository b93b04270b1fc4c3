package dev.sluice.scpl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.error.SluiceException;
import dev.sluice.core.seccomp.Arch;
import dev.sluice.scpl.error.ScplFailure;
import dev.sluice.scpl.policy.Policy.IncludeResolver;
import dev.sluice.scpl.verify.Checker;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Bad input never crashes or hangs: every mutated policy either loads or fails with a positioned SluiceException. */
class ParserRobustnessTest {
    static final String[] SOURCES = {
        "jitk.scpl", "openssh.scpl", "static-file-server.scpl", "build-tool.scpl", "echo-hi.scpl", "file-io.scpl"
    };
    static final String[] PIECES = {
        "{",
        "}",
        "[",
        "]",
        "(",
        ")",
        ";",
        ",",
        "=",
        "==",
        "&",
        "&&",
        "||",
        "!",
        "-",
        "~",
        "@",
        "\"",
        "#",
        "/*",
        "arg9",
        "low32(",
        "0x",
        "99999999999999999999",
        "Errno",
        "Trap",
        "if",
        "include",
        "const",
        "group",
        "cond",
        "\n",
        " ",
        "0b2"
    };

    @Test
    void mutatedPoliciesFailCleanly() {
        Random r = new Random(42);
        int loaded = 0;
        int rejected = 0;
        for (int i = 0; i < 3000; i++) {
            String text = Examples.text(SOURCES[r.nextInt(SOURCES.length)]);
            StringBuilder sb = new StringBuilder(text);
            int edits = 1 + r.nextInt(3);
            for (int e = 0; e < edits && sb.length() > 0; e++) {
                int at = r.nextInt(sb.length());
                switch (r.nextInt(3)) {
                    case 0 -> sb.insert(at, PIECES[r.nextInt(PIECES.length)]);
                    case 1 -> sb.delete(at, Math.min(sb.length(), at + 1 + r.nextInt(8)));
                    default -> sb.setCharAt(at, (char) (32 + r.nextInt(95)));
                }
            }
            try {
                Checker.check("fuzz.scpl", sb.toString(), List.of(Arch.X86_64), IncludeResolver.NONE);
                loaded++;
            } catch (SluiceException ex) {
                rejected++;
                assertTrue(ex.failure().name().startsWith("SCPL_"), ex.failure() + ": " + ex.getMessage());
                assertTrue(
                        ex.line() > 0 || ex.failure() == ScplFailure.SCPL_NO_POLICY, "no position: " + ex.getMessage());
            }
        }
        assertTrue(rejected > 1000, "rejected " + rejected);
        assertTrue(loaded > 50, "loaded " + loaded);
    }

    @Test
    void deepNestingIsAnErrorNotAStackOverflow() {
        String deep = "{ default_action = Kill; rules = [ Allow read if " + "(".repeat(100_000) + "arg0 == 1"
                + ")".repeat(100_000) + " ] }";
        SluiceException e = assertThrows(
                SluiceException.class,
                () -> Checker.check("deep.scpl", deep, List.of(Arch.X86_64), IncludeResolver.NONE));
        assertEquals(ScplFailure.SCPL_SYNTAX, e.failure());
        assertTrue(e.getMessage().contains("nested more than"), e.getMessage());
        String bangs = "{ default_action = Kill; rules = [ Allow read if " + "!".repeat(100_000) + "arg0 == 1 ] }";
        assertEquals(
                ScplFailure.SCPL_SYNTAX,
                assertThrows(
                                SluiceException.class,
                                () -> Checker.check("deep.scpl", bangs, List.of(Arch.X86_64), IncludeResolver.NONE))
                        .failure());
        String minus = "const A = " + "-".repeat(100_000) + "1; { default_action = Kill; rules = [] }";
        assertEquals(
                ScplFailure.SCPL_SYNTAX,
                assertThrows(
                                SluiceException.class,
                                () -> Checker.check("deep.scpl", minus, List.of(Arch.X86_64), IncludeResolver.NONE))
                        .failure());
    }
}
