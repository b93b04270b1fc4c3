package dev.sluice.tests.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sluice.core.error.SluiceException;
import dev.sluice.core.testing.EngineMode;
import dev.sluice.inetdiag.formats.Disassembler;
import dev.sluice.inetdiag.isa.Ops;
import dev.sluice.inetdiag.kernel.DiagSocket;
import dev.sluice.inetdiag.kernel.SockDiag;
import dev.sluice.inetdiag.parse.FilterCompiler;
import dev.sluice.inetdiag.runtime.SocketRecord;
import dev.sluice.inetdiag.verify.Audit;
import java.util.HexFormat;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;
import org.junit.jupiter.api.AfterAll;

/**
 * INET-DIAG on untrusted input: ss filter text through the compiler, and bytecode through the checker (against the
 * live kernel's inet_diag_bc_audit when NETLINK_SOCK_DIAG works here) and the interpreter.
 */
class InetDiagFuzzTest {
    private static Engine engine;
    private static Context context;
    /** Whether the kernel answers sock_diag requests here; probed once. */
    private static Boolean kernelWorks;

    private static Context context() {
        if (context == null) {
            engine = EngineMode.INTERPRETED.newEngine("inetdiag");
            context = Context.newBuilder("inetdiag")
                    .engine(engine)
                    .option("inetdiag.NetAdmin", "true")
                    .build();
        }
        return context;
    }

    private static boolean kernelWorks() {
        if (kernelWorks == null) {
            String reason = null;
            if (!SockDiag.SUPPORTED) {
                reason = "NETLINK_SOCK_DIAG through FFM needs Linux on x86_64 or aarch64";
            } else {
                try {
                    SockDiag.dump(Ops.AF_INET, DiagSocket.IPPROTO_TCP, null);
                } catch (SockDiag.KernelRefusal e) {
                    reason = e.getMessage();
                }
            }
            if (reason != null) {
                System.err.println("SKIPPED the kernel part of InetDiagFuzzTest.bytecode: " + reason);
            }
            kernelWorks = reason == null;
        }
        return kernelWorks;
    }

    @AfterAll
    static void close() {
        if (context != null) {
            context.close();
            engine.close();
            context = null;
        }
    }

    @FuzzTest
    void filtersCompileToBytecodeTheCheckerAccepts(byte[] input) {
        String text = FuzzChecks.utf8(input);
        byte[] bc;
        try {
            bc = FuzzChecks.budgeted(
                    "inetdiag filter compiler", text.length(), () -> FilterCompiler.compile(text, "fuzz.ss"));
        } catch (SluiceException e) {
            FuzzChecks.locatedInText(e, "fuzz.ss", text);
            return;
        }
        try {
            FuzzChecks.budgeted("inetdiag checker", bc.length, () -> Audit.check(bc, true));
        } catch (SluiceException e) {
            fail(
                    "the compiler wrote bytecode the checker refuses: " + e.getMessage() + "\n"
                            + HexFormat.of().formatHex(bc) + "\n--- filter:\n" + text,
                    e);
        }
        assertTrue(Disassembler.disassemble(bc).lines().count() >= 1);
    }

    private static boolean kernelAccepts(byte[] bc, String hex) {
        try {
            SockDiag.dump(Ops.AF_INET, DiagSocket.IPPROTO_TCP, bc);
            return true;
        } catch (SockDiag.KernelRefusal e) {
            assertEquals(22, e.errno, "the kernel refuses bytecode with EINVAL: " + hex);
            return false;
        }
    }

    @FuzzTest
    void bytecodeCheckedAsTheKernelChecksAndRun(FuzzedDataProvider data) {
        byte[] record = data.consumeBytes(SocketRecord.SIZE);
        byte[] bc = data.consumeRemainingAsBytes();
        String refusal = null;
        try {
            FuzzChecks.budgeted("inetdiag checker", bc.length, () -> Audit.check(bc, true));
        } catch (SluiceException e) {
            refusal = e.getMessage();
            FuzzChecks.shortMessage(refusal);
        }
        String hex = HexFormat.of().formatHex(bc);
        if (bc.length <= Ops.MAX_LENGTH && kernelWorks()) {
            boolean kernelAccepts = kernelAccepts(bc, hex);
            String said = refusal;
            assertEquals(
                    kernelAccepts,
                    refusal == null,
                    () -> "kernel " + (kernelAccepts ? "accepts" : "refuses") + ", Sluice "
                            + (said == null ? "accepts" : "refuses: " + said) + ": " + hex);
        }
        Value filter;
        try {
            filter = context()
                    .eval(Source.newBuilder("inetdiag", ByteSequence.create(bc), "fuzz.bc")
                            .cached(false)
                            .buildLiteral());
        } catch (PolyglotException e) {
            FuzzChecks.guestError(e);
            assertTrue(
                    refusal != null,
                    () -> "the checker accepts what the language refuses: " + e.getMessage() + ": " + hex);
            return;
        }
        assertEquals(null, refusal, "the language loads what the checker refuses: " + hex);
        assertTrue(Disassembler.disassemble(bc).lines().count() >= 1);
        try {
            assertTrue(filter.execute((Object) record).isBoolean());
        } catch (PolyglotException e) {
            FuzzChecks.guestError(e);
        }
    }
}
