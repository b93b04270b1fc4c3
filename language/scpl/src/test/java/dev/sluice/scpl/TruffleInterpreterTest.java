package dev.sluice.scpl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.seccomp.Arch;
import dev.sluice.core.seccomp.SeccompData;
import dev.sluice.core.testing.CapturedLog;
import dev.sluice.scpl.policy.Policy;
import dev.sluice.scpl.verify.Checker;
import java.util.Random;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.junit.jupiter.api.Test;

/** The SCPL Truffle interpreter: same verdicts as {@link Policy#decide}, compiled by Graal, positioned errors. */
class TruffleInterpreterTest {
    static final String POLICY = """
                    { arch = [x86_64, x32, x86];
                      default_action = Errno ENOSYS;
                      rules = [
                        Allow [read, write] if arg0 <= 2;
                        Errno EPERM openat if arg2 & (O_WRONLY | O_RDWR) != 0;
                        Allow [openat, close, getpid];
                        Trap 3 socket if !(arg0 == AF_UNIX) && low32(arg1) != SOCK_STREAM;
                        Allow socket;
                      ] }
                    """;

    @Test
    void interpreterAgreesWithPlainJavaOnRandomInputs() {
        Policy p = Checker.check("t.scpl", POLICY);
        Random r = new Random(5);
        long[] vals = {0, 1, 2, 3, 0x100000000L, -1L, 1 << 1, 0x2_0000_0001L};
        try (Context ctx = Context.newBuilder("scpl")
                .option("scpl.Arch", "x86_64")
                .option("engine.WarnInterpreterOnly", "false")
                .build()) {
            Value policy = ctx.eval(Source.create("scpl", POLICY));
            int[] audits = {Arch.X86_64.auditArch(), Arch.X86.auditArch(), Arch.AARCH64.auditArch()};
            for (int i = 0; i < 3000; i++) {
                int audit = audits[r.nextInt(audits.length)];
                int nr = r.nextInt(8) == 0 ? r.nextInt() : r.nextInt(450) | (r.nextInt(4) == 0 ? 0x40000000 : 0);
                long[] args = new long[6];
                for (int a = 0; a < 6; a++) {
                    args[a] = r.nextBoolean() ? vals[r.nextInt(vals.length)] : r.nextLong();
                }
                byte[] data = SeccompData.encodeWithAuditArch(Arch.X86_64, audit, nr, 0L, args);
                assertEquals(
                        p.decide(Arch.X86_64, data).unsignedVerdict(),
                        policy.execute(data).asLong());
            }
        }
    }

    @Test
    void scplFilesAreRecognisedAndIncludesResolveFromTheirDirectory() throws Exception {
        java.io.File file = Examples.path("static-file-server.scpl").toFile();
        assertEquals("scpl", Source.findLanguage(file));
        try (Context ctx = Context.newBuilder("scpl")
                .allowIO(org.graalvm.polyglot.io.IOAccess.ALL)
                .option("scpl.Arch", "x86_64")
                .option("engine.WarnInterpreterOnly", "false")
                .build()) {
            Value policy = ctx.eval(Source.newBuilder("scpl", file).build());
            // openat(AT_FDCWD, path, O_RDWR): the included condition opens_read_only is false -> Errno EACCES
            assertEquals(
                    0x50000L | 13,
                    policy.execute(SeccompData.encode(Arch.X86_64, 257, 0L, -100L, 0x1000L, 2L))
                            .asLong());
            assertEquals(
                    0x7fff0000L,
                    policy.execute(SeccompData.encode(Arch.X86_64, 257, 0L, -100L, 0x1000L, 0L))
                            .asLong());
        }
        // without IO access an include is a clear error, not a crash
        try (Context ctx = Context.newBuilder("scpl")
                .option("scpl.Arch", "x86_64")
                .option("engine.WarnInterpreterOnly", "false")
                .build()) {
            PolyglotException e = assertThrows(
                    PolyglotException.class,
                    () -> ctx.eval(Source.newBuilder(
                                    "scpl", "include \"x.scpl\"; { default_action = Kill; rules = [] }", "inc.scpl")
                            .build()));
            assertTrue(
                    e.isSyntaxError() && e.getMessage().startsWith("inc.scpl:1:1: cannot include \"x.scpl\""),
                    e.getMessage());
        }
    }

    @Test
    void syntaxErrorsReachEmbeddersWithPosition() {
        try (Context ctx = Context.newBuilder("scpl")
                .option("scpl.Arch", "x86_64")
                .option("engine.WarnInterpreterOnly", "false")
                .build()) {
            PolyglotException e = assertThrows(
                    PolyglotException.class,
                    () -> ctx.eval(Source.newBuilder(
                                    "scpl", "{ default_action = Kill;\n rules = [ Allow getpdi ] }", "bad.scpl")
                            .buildLiteral()));
            assertTrue(e.isSyntaxError());
            assertTrue(
                    e.getMessage().startsWith("bad.scpl:2:18: unknown syscall 'getpdi' on x86_64; did you mean ")
                            && e.getMessage().contains("getpid"),
                    e.getMessage());
        }
    }

    @Test
    void policyRootIsCompiledByGraal() {
        CapturedLog log = new CapturedLog();
        try (Engine engine = Engine.newBuilder("scpl")
                        .allowExperimentalOptions(true)
                        .option("engine.CompileImmediately", "true")
                        .option("engine.BackgroundCompilation", "false")
                        .option("engine.CompilationFailureAction", "Throw")
                        .option("engine.TraceCompilation", "true")
                        .logHandler(log)
                        .build();
                Context ctx = Context.newBuilder("scpl")
                        .engine(engine)
                        .option("scpl.Arch", "x86_64")
                        .build()) {
            assertNotEquals(
                    "Interpreted",
                    engine.getImplementationName(),
                    "Graal compiler is not active; check --upgrade-module-path");
            Value policy = ctx.eval(Source.create("scpl", POLICY));
            byte[] read = SeccompData.encode(Arch.X86_64, 0, 0L, 1);
            byte[] readBadFd = SeccompData.encode(Arch.X86_64, 0, 0L, 7);
            for (int i = 0; i < 50; i++) {
                assertEquals(0x7fff0000L, policy.execute(read).asLong());
                assertEquals(0x50000L | 38, policy.execute(readBadFd).asLong());
            }
        }
        assertTrue(
                log.has("opt done", "scpl-policy"),
                "expected an 'opt done' compilation log line for the policy root, got: " + log.lines);
    }
}
