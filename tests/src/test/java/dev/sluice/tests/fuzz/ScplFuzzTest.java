package dev.sluice.tests.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sluice.bpf.formats.RawFormat;
import dev.sluice.core.error.SluiceException;
import dev.sluice.core.seccomp.Arch;
import dev.sluice.core.seccomp.SeccompData;
import dev.sluice.core.testing.EngineMode;
import dev.sluice.scpl.compile.CompileOptions;
import dev.sluice.scpl.compile.CompileResult;
import dev.sluice.scpl.compile.ScplCompiler;
import dev.sluice.scpl.error.ScplFailure;
import dev.sluice.scpl.oci.OciImporter;
import dev.sluice.scpl.oci.OciImporter.ImportOptions;
import dev.sluice.tests.SluiceRunner;
import java.io.IOException;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Set;
import org.graalvm.polyglot.Value;
import org.junit.jupiter.api.AfterAll;

/**
 * SCPL and the OCI importer on untrusted text: the parser, checker and compiler with translation validation on. A
 * policy is refused with a located SCPL error (or the size limit), never with a verifier error about the compiler's
 * own output or a failed translation validation; a compiled policy decides a fuzzed system call as the policy's
 * reference meaning does. An imported OCI profile is SCPL that compiles.
 */
class ScplFuzzTest {
    private static final CompileOptions AS_WRITTEN = CompileOptions.defaults().resolver((including, path) -> {
        throw new IOException("includes are not read while fuzzing");
    });
    /** Fuzzed policies are compiled for x86_64 whatever arches they name, so that one probe fits every policy. */
    private static final CompileOptions OPTIONS = AS_WRITTEN.arches(List.of(Arch.X86_64));

    private static SluiceRunner seccomp;

    private static SluiceRunner seccomp() {
        if (seccomp == null) {
            seccomp = new SluiceRunner(EngineMode.INTERPRETED, "seccomp");
        }
        return seccomp;
    }

    @AfterAll
    static void close() {
        if (seccomp != null) {
            seccomp.close();
            seccomp = null;
        }
    }

    /** The refusals a user can cause; any other failure (the verifier on our output, validation) is a compiler bug. */
    private static void userError(SluiceException e, String name, String text) {
        if (!(e.failure() instanceof ScplFailure f) || f == ScplFailure.SCPL_VALIDATION_MISMATCH) {
            fail("not a user error (" + e.failure() + "): " + e.getMessage() + "\n--- input:\n" + text, e);
            return;
        }
        if (f == ScplFailure.SCPL_TOO_LARGE) {
            FuzzChecks.shortMessage(e.getMessage());
        } else {
            FuzzChecks.locatedInText(e, name, text);
        }
    }

    @FuzzTest
    void policiesCompileAndDecideAsTheyMean(FuzzedDataProvider data) {
        int nr = data.consumeBoolean() ? data.consumeInt(0, 460) : data.consumeInt();
        long[] args = new long[6];
        for (int i = 0; i < args.length; i++) {
            args[i] = data.consumeBoolean() ? data.consumeLong(0, 64) : data.consumeLong();
        }
        String text = data.consumeRemainingAsString();
        CompileResult result;
        try {
            result = FuzzChecks.budgeted(
                    "scpl compiler",
                    text.length(),
                    () -> ScplCompiler.compile("fuzz.scpl", text, OPTIONS.validate(true)));
        } catch (SluiceException e) {
            userError(e, "fuzz.scpl", text);
            return;
        }
        assertTrue(
                result.validation().enabled() && result.validation().casesChecked() > 0,
                "validation ran: " + result.validation());
        byte[] record = SeccompData.encode(Arch.X86_64, nr, 0x1000, args);
        int expected = result.policy().decide(Arch.X86_64, record).verdict();
        Value filter = seccomp().load(RawFormat.encode(result.program(), ByteOrder.nativeOrder()));
        assertEquals(
                Integer.toUnsignedString(expected),
                Long.toString(filter.execute(record).asLong()),
                "compiled policy vs its meaning for nr " + nr + " args " + java.util.Arrays.toString(args)
                        + "\n--- policy:\n" + text);
    }

    @FuzzTest
    void ociProfilesImportToPoliciesThatCompile(byte[] input) {
        String json = FuzzChecks.utf8(input);
        String scpl;
        try {
            scpl = FuzzChecks.budgeted(
                    "oci importer",
                    json.length(),
                    () -> OciImporter.toScpl(
                            json,
                            "fuzz.json",
                            Set.of(),
                            ImportOptions.defaults()
                                    .nativeArch(Arch.X86_64)
                                    .kernel(new OciImporter.KernelVersion(6, 1))));
        } catch (SluiceException e) {
            userError(e, "fuzz.json", json);
            return;
        }
        try {
            ScplCompiler.compile("imported.scpl", scpl, AS_WRITTEN.validate(false));
        } catch (SluiceException e) {
            if (e.failure() != ScplFailure.SCPL_TOO_LARGE) {
                fail(
                        "the importer wrote SCPL that does not compile: " + e.getMessage() + "\n--- profile:\n" + json
                                + "\n--- SCPL:\n" + scpl,
                        e);
            }
        }
    }
}
