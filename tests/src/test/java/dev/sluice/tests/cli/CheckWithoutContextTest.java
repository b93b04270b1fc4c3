package dev.sluice.tests.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice check} with no language option does not build a polyglot context (a cold start's largest cost): the
 * launcher's load runs the bpf language's own reader, verifier and lowering. Any polyglot option makes check load
 * through the language's context, as run does. Both ways must give the same verdicts and the same messages, on good
 * programs and on programs each stage refuses.
 */
class CheckWithoutContextTest {
    /** An engine option that changes no verdict: its only effect here is that check loads through a context. */
    private static final String THROUGH_CONTEXT = "--engine.WarnInterpreterOnly=false";

    private static final Map<String, String> NO_CACHE = Map.of("SLUICE_POLICY_CACHE", "off");

    /** The run's result, and whether it created a polyglot context (from the JVM's class-loading log). */
    private record Checked(Sluice.Result result, boolean createdContext) {}

    private static Checked check(Path dir, String name, List<String> args) throws IOException {
        Path log = dir.resolve(name + "-classes.log");
        Sluice.Result r = Sluice.runWithEnv(
                NO_CACHE, List.of("-Xlog:class+load=info:file=" + log), null, args.toArray(String[]::new));
        return new Checked(r, Files.readString(log).contains(" com.oracle.truffle.polyglot.PolyglotContextImpl "));
    }

    private static void assertSameWithAndWithoutContext(Path dir, List<String> args, int oks, List<String> refused)
            throws IOException {
        List<String> plain = new ArrayList<>(List.of("check"));
        plain.addAll(args);
        List<String> viaContext = new ArrayList<>(List.of("check", THROUGH_CONTEXT));
        viaContext.addAll(args);
        Checked plainRun = check(dir, "plain", plain);
        Checked contextRun = check(dir, "context", viaContext);
        assertFalse(plainRun.createdContext(), "no option: no polyglot context");
        assertTrue(contextRun.createdContext(), "an option: loaded through the bpf language's context");
        Sluice.Result without = plainRun.result();
        Sluice.Result with = contextRun.result();
        assertEquals(with.exit(), without.exit(), () -> "exit\nwith a context: " + with + "\nwithout: " + without);
        assertEquals(with.stdout(), without.stdout(), "stdout");
        assertEquals(with.stderr(), without.stderr(), "stderr");
        // Not vacuous: the files were checked, some accepted and some refused.
        assertEquals(
                oks, without.stdout().lines().filter(l -> l.contains(": ok (")).count(), without::toString);
        assertEquals(refused.isEmpty() ? 0 : 1, without.exit(), without::toString);
        for (String file : refused) {
            assertTrue(
                    without.stderr().lines().anyMatch(l -> l.startsWith(file + ":")),
                    () -> file + " refused: " + without);
        }
    }

    @Test
    void seccompProgramsAndPolicies(@TempDir Path dir) throws IOException {
        Path odd = dir.resolve("odd.bpf");
        Files.write(odd, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        Path junk = dir.resolve("junk.bpf");
        Files.write(junk, new byte[] {(byte) 0xff, (byte) 0xff, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0, 0, 0, (byte) 0xff, 0x7f});
        Path label = dir.resolve("label.asm");
        Files.writeString(label, "ld [4]\njeq #1, nowhere\nret #0\n");
        Path uninit = dir.resolve("uninit.asm");
        Files.writeString(uninit, "ld [0]\n  ld M[3]\nret a\n");
        Path beyond = dir.resolve("beyond.asm");
        Files.writeString(beyond, "ld [64]\nret a\n"); // past struct seccomp_data
        Path noReturn = dir.resolve("noreturn.asm");
        Files.writeString(noReturn, "ld [0]\n"); // falls off the end
        Path badPolicy = dir.resolve("bad.scpl");
        Files.writeString(badPolicy, "default kill\nallow frobnicate\n");
        List<String> args = List.of(
                "examples/allow-basic.bpf",
                "examples/deny-mkdir.bpf",
                "examples/allow-sh-echo.bpf",
                "examples/deny-mkdir.asm",
                "examples/deny-mkdir.scpl",
                "examples/jitk.scpl",
                "examples/echo-hi.scpl",
                "examples/static-file-server.scpl",
                odd.toString(),
                junk.toString(),
                label.toString(),
                uninit.toString(),
                beyond.toString(),
                noReturn.toString(),
                badPolicy.toString(),
                "tests/src/test/resources/cli/unknown-syscall.scpl");
        assertSameWithAndWithoutContext(dir, args, 8, args.subList(8, args.size()));
    }

    @Test
    void socketFilters(@TempDir Path dir) throws IOException {
        Path uninit = dir.resolve("uninit.asm");
        Files.writeString(uninit, "ldh [12]\nst M[1]\nld M[2]\nret a\n");
        Path divide = dir.resolve("div.asm");
        Files.writeString(divide, "ld #1\ndiv #0\nret a\n"); // a constant division by zero
        assertSameWithAndWithoutContext(
                dir,
                List.of(
                        "--profile",
                        "socket",
                        "examples/tcp-port-80.bpf",
                        "examples/tcp-port-80.ddd",
                        uninit.toString(),
                        divide.toString()),
                2,
                List.of(uninit.toString(), divide.toString()));
    }
}
