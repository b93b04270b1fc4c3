package dev.sluice.scpl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.seccomp.Arch;
import dev.sluice.scpl.compile.CompileOptions;
import dev.sluice.scpl.compile.CompileResult;
import dev.sluice.scpl.compile.ScplCompiler;
import dev.sluice.scpl.policy.Policy;
import dev.sluice.scpl.syscalls.SyscallTable;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code group @g on ARCHES = ...}: a policy naming syscalls of several arches compiles for each arch alone and for
 * all at once without warnings, where plain names an arch lacks warn (and fail when no target has them). The
 * verdicts per arch are in {@code scpl/cases/arch-groups.scpl}.
 */
class ArchConditionalGroupsTest {
    static final String POLICY = """
                    group @x86 on x86 = [chown32, _llseek];
                    group @x86_64-x32 on [x86_64, x32] = newfstatat;
                    { arch = [x86_64, x86, x32]; default_action = Errno EPERM;
                      rules = [ Allow [read, @x86, @x86_64-x32] ] }
                    """;

    static CompileResult compile(String text, List<Arch> arches) {
        return ScplCompiler.compile(
                "p.scpl", text, CompileOptions.defaults().arches(arches).resolver(Policy.IncludeResolver.NONE));
    }

    @Test
    void compilesForEachArchAloneAndForAllWithoutWarnings() {
        for (List<Arch> arches : List.of(
                List.<Arch>of(),
                List.of(Arch.X86_64),
                List.of(Arch.X86),
                List.of(Arch.X32),
                List.of(Arch.X86, Arch.X32))) {
            CompileResult r = compile(POLICY, arches);
            assertEquals(List.of(), r.warnings(), "compiled for " + arches);
        }
        // x86_64 alone: the x86 group names nothing, so chown32's number (212, lookup_dcookie there) stays at the
        // default
        Policy x86_64 = compile(POLICY, List.of(Arch.X86_64)).policy();
        int[] allowed = x86_64.rules().get(0).numbers().get(Arch.X86_64);
        assertEquals(
                List.of(
                        0,
                        SyscallTable.forArch(Arch.X86_64).number("newfstatat").getAsInt()),
                java.util.Arrays.stream(allowed).boxed().toList());
        Policy x86 = compile(POLICY, List.of(Arch.X86)).policy();
        assertEquals(3, x86.rules().get(0).numbers().get(Arch.X86).length, "read, chown32, _llseek");
    }

    /** The same names written plainly: warnings for the arches that lack them, an error where no target has one. */
    @Test
    void plainNamesStillWarnAndFail() {
        String plain = "{ arch = [x86_64, x86]; default_action = Errno EPERM; rules = [ Allow [read, chown32] ] }";
        CompileResult both = compile(plain, List.of());
        assertEquals(1, both.warnings().size(), both.warnings().toString());
        assertTrue(
                both.warnings().get(0).contains("syscall 'chown32' does not exist on x86_64"),
                both.warnings().get(0));
        var e = org.junit.jupiter.api.Assertions.assertThrows(
                dev.sluice.core.error.SluiceException.class, () -> compile(plain, List.of(Arch.X86_64)));
        assertTrue(e.getMessage().startsWith("p.scpl:1:78: unknown syscall 'chown32' on x86_64"), e.getMessage());
    }
}
