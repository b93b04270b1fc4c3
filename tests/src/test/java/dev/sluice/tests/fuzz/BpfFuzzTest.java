package dev.sluice.tests.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sluice.bpf.formats.InputFormat;
import dev.sluice.bpf.formats.OutputFormat;
import dev.sluice.bpf.formats.ProgramWriter;
import dev.sluice.bpf.formats.RawFormat;
import dev.sluice.bpf.formats.TextFormats;
import dev.sluice.bpf.isa.Profile;
import dev.sluice.bpf.isa.Program;
import dev.sluice.bpf.verify.Verifier;
import dev.sluice.core.error.SluiceException;
import dev.sluice.core.seccomp.SeccompData;
import dev.sluice.core.testing.EngineMode;
import dev.sluice.tests.SluiceRunner;
import java.nio.ByteOrder;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Value;
import org.junit.jupiter.api.AfterAll;

/**
 * Classic BPF: every reader and the verifier on untrusted input. Run as regression tests in {@code ./mvnw verify}
 * (the inputs under {@code BpfFuzzTestInputs/}) and as coverage-guided campaigns with {@code scripts/fuzz.sh}.
 */
class BpfFuzzTest {
    private static final InputFormat[] TEXT_FORMATS = {
        InputFormat.AUTO, InputFormat.ASM, InputFormat.DDD, InputFormat.DD
    };
    private static SluiceRunner socket;
    private static SluiceRunner seccomp;

    private static SluiceRunner socket() {
        if (socket == null) {
            socket = new SluiceRunner(EngineMode.INTERPRETED, "socket");
        }
        return socket;
    }

    private static SluiceRunner seccomp() {
        if (seccomp == null) {
            seccomp = new SluiceRunner(EngineMode.INTERPRETED, "seccomp");
        }
        return seccomp;
    }

    @AfterAll
    static void close() {
        if (socket != null) {
            socket.close();
            socket = null;
        }
        if (seccomp != null) {
            seccomp.close();
            seccomp = null;
        }
    }

    /**
     * Text in every text format (bpf_asm, tcpdump -ddd, -dd, and auto-detection): a program whose every instruction
     * has a position, or a located error; an accepted program printed as bpf_asm reads back as itself.
     */
    @FuzzTest
    void textFormats(byte[] input) {
        String text = FuzzChecks.utf8(input);
        for (InputFormat format : TEXT_FORMATS) {
            Program p;
            try {
                p = FuzzChecks.budgeted(
                        "bpf " + format + " reader", input.length, () -> TextFormats.parse("fuzz.txt", text, format));
            } catch (SluiceException e) {
                FuzzChecks.locatedInText(e, "fuzz.txt", text);
                continue;
            }
            assertTrue(p.length() > 0, "an accepted program has instructions");
            for (int i = 0; i < p.length(); i++) {
                assertTrue(p.line(i) >= 1 && p.column(i) >= 1, "insn " + i + " has a position");
            }
            String printed = ProgramWriter.writeText(p, OutputFormat.ASM, null);
            assertEquals(p, TextFormats.parse("printed.asm", printed, InputFormat.ASM), printed);
        }
    }

    /**
     * Raw instructions in both byte orders: decode then encode is the identity; the verifier accepts or names the
     * instruction and rule for each profile; what it accepts loads into the language and runs to a verdict on inputs
     * taken from the rest of the data, and what it refuses the language refuses with the same message.
     */
    @FuzzTest
    void rawProgramsVerifyAndRun(FuzzedDataProvider data) {
        ByteOrder order = data.consumeBoolean() ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
        byte[] packet = data.consumeBytes(data.consumeInt(0, 1600));
        byte[] seccompData = data.consumeBytes(SeccompData.SIZE);
        byte[] bytes = data.consumeRemainingAsBytes();
        Program p;
        try {
            p = RawFormat.decode(bytes, order);
        } catch (SluiceException e) {
            assertTrue(
                    bytes.length % RawFormat.INSN_SIZE != 0 || bytes.length == 0,
                    "only a partial instruction is unreadable: " + e.getMessage());
            FuzzChecks.shortMessage(e.getMessage());
            return;
        }
        assertArrayEquals(bytes, RawFormat.encode(p, order));
        byte[] nativeBytes = RawFormat.encode(p, ByteOrder.nativeOrder());
        for (Profile profile : new Profile[] {Profile.SOCKET, Profile.SECCOMP}) {
            SluiceRunner runner = profile == Profile.SOCKET ? socket() : seccomp();
            String refusal = null;
            try {
                Program checked = p;
                FuzzChecks.budgeted("bpf verifier", bytes.length, () -> Verifier.verify(checked, profile));
            } catch (SluiceException e) {
                refusal = e.getMessage();
                FuzzChecks.shortMessage(refusal);
                if (e.insn() >= 0) {
                    assertTrue(e.insn() < p.length(), "insn " + e.insn() + " of " + p.length() + ": " + refusal);
                }
            }
            String verifierSays = refusal;
            Value filter;
            try {
                filter = runner.load(nativeBytes);
            } catch (PolyglotException e) {
                FuzzChecks.guestError(e);
                assertTrue(
                        verifierSays != null,
                        () -> profile + ": the verifier accepts what the language refuses: " + e.getMessage());
                assertTrue(
                        e.getMessage().contains(verifierSays),
                        () -> profile + ": the language says '" + e.getMessage() + "', the verifier '" + verifierSays
                                + "'");
                continue;
            }
            assertEquals(null, verifierSays, () -> profile + ": the language loads what the verifier refuses");
            long verdict;
            if (profile == Profile.SOCKET) {
                verdict = filter.execute(packet).asLong();
            } else {
                byte[] record = java.util.Arrays.copyOf(seccompData, SeccompData.SIZE);
                verdict = filter.execute(record).asLong();
            }
            assertTrue(verdict >= 0 && verdict <= 0xffffffffL, "a verdict is a 32-bit unsigned number: " + verdict);
        }
    }
}
