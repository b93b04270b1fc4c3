package dev.sluice.scpl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.error.SluiceException;
import dev.sluice.core.seccomp.Arch;
import dev.sluice.scpl.compile.CompileOptions;
import dev.sluice.scpl.compile.ScplCompiler;
import dev.sluice.scpl.error.ScplFailure;
import dev.sluice.scpl.policy.Policy;
import dev.sluice.scpl.policy.Policy.IncludeResolver;
import dev.sluice.scpl.verify.Checker;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** User errors: file:line:col, the message, the source line and a caret; semantic errors and warnings. */
class ErrorsTest {
    static SluiceException fails(String text) {
        return assertThrows(
                SluiceException.class, () -> Checker.check("p.scpl", text, List.of(Arch.X86_64), IncludeResolver.NONE));
    }

    @Test
    void unknownSyscallSuggestsNearestNames() {
        SluiceException e = fails("{ default_action = Kill;\n  rules = [ { action = Allow; syscall = SYS_opne } ] }");
        assertEquals(ScplFailure.SCPL_UNKNOWN_SYSCALL, e.failure());
        assertEquals(2, e.line());
        assertEquals(41, e.column());
        assertTrue(
                e.getMessage().startsWith("p.scpl:2:41: unknown syscall 'SYS_opne' on x86_64; did you mean "),
                e.getMessage());
        assertTrue(e.getMessage().contains("open"), e.getMessage());
        assertTrue(
                e.getMessage()
                        .endsWith("\n      rules = [ { action = Allow; syscall = SYS_opne } ] }\n" + " ".repeat(4 + 40)
                                + "^"),
                e.getMessage());
    }

    /** A fuzzing campaign found a 474-character message quoting a long bad number (issue 18): quoted input is clipped. */
    @Test
    void longWordsFromTheInputAreClippedInMessages() {
        String word = "T".repeat(2000);
        for (String text : List.of(
                "{ default_action = Kill; rules = [ 0O" + word + " ] }",
                "{ default_action = Kill; rules = [ { action = Allow; syscall = " + word + " } ] }",
                "{ default_action = Kill; " + word + " = 1; rules = [] }",
                "{ default_action = " + word + "; rules = [] }",
                "{ default_action = Kill; rules = [ Allow [" + word + "x, " + word + "y] ] }")) {
            SluiceException e = fails(text);
            String first = e.getMessage().split("\n", -1)[0];
            assertTrue(first.length() <= 330, () -> first.length() + " characters: " + first);
            assertTrue(first.contains("TTT..."), first);
        }
        // The scpl campaign's second finding: a string token with a carriage return, quoted as "found string ...".
        String found = fails("{ default_action = Kill; rules = [ Allow [read] when arg0 == \"a\\rb\r" + word + "\" ] }")
                .getMessage()
                .split("\n", -1)[0];
        assertTrue(!found.contains("\r") && found.length() <= 330, found);
        assertTrue(fails("{ default_action = Kill; rules = [ 0O" + word + " ] }")
                .getMessage()
                .contains("' (numbers are 64-bit"));
    }

    @Test
    void unknownErrno() {
        SluiceException e = fails("{ default_action = Errno EACCESS; rules = [] }");
        assertEquals(ScplFailure.SCPL_UNKNOWN_ERRNO, e.failure());
        assertTrue(e.getMessage().contains("did you mean EACCES"), e.getMessage());
        assertEquals(
                ScplFailure.SCPL_BAD_VALUE,
                fails("{ default_action = Errno 4096; rules = [] }").failure());
    }

    @Test
    void syntaxErrorsArePositioned() {
        SluiceException e = fails("{ default_action = Kill;\n rules = [ { action = Allow syscall = read } ] }");
        assertEquals(ScplFailure.SCPL_SYNTAX, e.failure());
        assertEquals(2, e.line());
        assertTrue(e.getMessage().contains("expected '}'"), e.getMessage());
        assertEquals(
                ScplFailure.SCPL_SYNTAX,
                fails("{ default_action = Frobnicate; rules = [] }").failure());
        assertEquals(ScplFailure.SCPL_SYNTAX, fails("{ rules = [] }").failure());
        assertEquals(
                ScplFailure.SCPL_SYNTAX,
                fails("{ default_action = Kill; rules = [ Allow read if arg6 == 0 ] }")
                        .failure());
        assertEquals(
                ScplFailure.SCPL_SYNTAX,
                fails("{ default_action = Kill; rules = [ Allow read if arg1 ~ 0 ] }")
                        .failure());
        assertEquals(
                ScplFailure.SCPL_SYNTAX,
                fails("{ default_action = Kill; rules = [ Allow read } ").failure());
        assertEquals(ScplFailure.SCPL_SYNTAX, fails("/* unterminated").failure());
        assertEquals(ScplFailure.SCPL_NO_POLICY, fails("const A = 1;").failure());
        assertEquals(
                ScplFailure.SCPL_UNKNOWN_ARCH,
                fails("{ arch = [sparc]; default_action = Kill; rules = [] }").failure());
        assertEquals(
                ScplFailure.SCPL_UNKNOWN_NAME,
                fails("{ default_action = Kill; rules = [ Allow read if arg0 == NOPE ] }")
                        .failure());
        assertEquals(
                ScplFailure.SCPL_UNKNOWN_NAME,
                fails("{ default_action = Kill; rules = [ Allow @nope ] }").failure());
        assertEquals(
                ScplFailure.SCPL_BAD_VALUE,
                fails("{ default_action = Kill; rules = [ Allow read if low32(arg0) == 0x100000000 ] }")
                        .failure());
        assertEquals(
                ScplFailure.SCPL_DEFINITION_CYCLE,
                fails("const A = B; const B = A; { default_action = Kill; rules = [ Allow read if arg0 == A ] }")
                        .failure());
        assertEquals(
                ScplFailure.SCPL_DEFINITION_CYCLE,
                fails("group @a = [read, @a]; { default_action = Kill; rules = [ Allow @a ] }")
                        .failure());
        assertEquals(
                ScplFailure.SCPL_DUPLICATE,
                fails("const A = 1; const A = 2; { default_action = Kill; rules = [] }")
                        .failure());
    }

    @Test
    void shadowedRuleIsAnErrorAndPartialShadowAWarning() {
        SluiceException e = fails(
                "{ default_action = Kill; rules = [\n Allow [read, write];\n Errno EPERM read if arg0 == 3;\n] }");
        assertEquals(ScplFailure.SCPL_SHADOWED_RULE, e.failure());
        assertEquals(3, e.line());
        assertTrue(e.getMessage().contains("read is decided by the earlier rule at p.scpl:2:2"), e.getMessage());
        // the same condition twice also shadows
        assertEquals(
                ScplFailure.SCPL_SHADOWED_RULE,
                fails("{ default_action = Kill; rules = [ Allow read if arg0 == 1; Errno 1 read if arg0 == 1 ] }")
                        .failure());
        // a conditional earlier rule does not
        Policy ok = Checker.check(
                "p.scpl",
                "{ default_action = Kill; rules = [ Allow read if arg0 == 1; Errno 1 [read, write] ] }",
                List.of(Arch.X86_64),
                IncludeResolver.NONE);
        assertEquals(List.of(), ok.warnings());
        Policy partial = Checker.check(
                "p.scpl",
                "{ default_action = Kill; rules = [ Allow read; Errno 1 [read, write] ] }",
                List.of(Arch.X86_64),
                IncludeResolver.NONE);
        assertEquals(1, partial.warnings().size());
        assertTrue(
                partial.warnings().get(0).contains("warning: read is already decided"),
                partial.warnings().toString());
    }

    @Test
    void actionEqualToDefaultIsAWarningInTheCompileResult() {
        var r = ScplCompiler.compile(
                "p.scpl",
                "{ default_action = Errno EPERM; rules = [ Allow read; Errno EPERM write ] }",
                CompileOptions.defaults());
        assertEquals(1, r.warnings().size());
        assertTrue(r.warnings().get(0).startsWith("p.scpl:1:"), r.warnings().toString());
        assertTrue(
                r.warnings().get(0).contains("equals the default action"),
                r.warnings().toString());
    }

    @Test
    void includesResolveRelativelyAndCyclesAreErrors() {
        IncludeResolver files = IncludeResolver.of(Map.of(
                "dir/main.scpl",
                        "include \"lib/defs.scpl\";\n{ default_action = Kill; rules = [ Allow @io if safe_fd ] }",
                "dir/lib/defs.scpl", "include \"more.scpl\";\ngroup @io = [read, write];",
                "dir/lib/more.scpl", "cond safe_fd = arg0 <= 2;",
                "dir/a.scpl", "include \"b.scpl\"; { default_action = Kill; rules = [] }",
                "dir/b.scpl", "include \"a.scpl\";"));
        Policy p = Checker.check("dir/main.scpl", files.readUnchecked("dir/main.scpl"), List.of(Arch.X86_64), files);
        assertEquals(
                0x7fff0000L,
                p.decide(Arch.X86_64.auditArch(), 1, new long[] {2, 0, 0, 0, 0, 0})
                        .unsignedVerdict());
        assertEquals(
                0L,
                p.decide(Arch.X86_64.auditArch(), 1, new long[] {3, 0, 0, 0, 0, 0})
                        .unsignedVerdict());
        SluiceException cycle = assertThrows(
                SluiceException.class,
                () -> Checker.check("dir/a.scpl", files.readUnchecked("dir/a.scpl"), List.of(Arch.X86_64), files));
        assertEquals(ScplFailure.SCPL_INCLUDE_CYCLE, cycle.failure());
        assertTrue(cycle.getMessage().contains("dir/a.scpl -> dir/b.scpl -> dir/a.scpl"), cycle.getMessage());
        assertEquals(
                2, cycle.line() == 1 ? 2 : cycle.line() + 1, "the cycle is reported at the include in b.scpl line 1");
        SluiceException missing = assertThrows(
                SluiceException.class,
                () -> Checker.check(
                        "x.scpl",
                        "include \"nope.scpl\"; { default_action = Kill; rules = [] }",
                        List.of(Arch.X86_64),
                        files));
        assertEquals(ScplFailure.SCPL_INCLUDE_FAILED, missing.failure());
    }

    @Test
    void nameMissingOnSomeArchesIsAWarning() {
        Policy p = Checker.check(
                "p.scpl",
                "{ arch = [x86_64, aarch64]; default_action = Kill; rules = [ Allow open ] }",
                List.of(),
                IncludeResolver.NONE);
        assertEquals(1, p.warnings().size());
        assertTrue(
                p.warnings().get(0).contains("'open' does not exist on aarch64"),
                p.warnings().toString());
    }
}
