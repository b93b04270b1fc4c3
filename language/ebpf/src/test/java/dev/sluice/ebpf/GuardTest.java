package dev.sluice.ebpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.testing.EngineMode;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The run-time guards, hand-made cases, in both engine modes: every bad access, a run over its instruction limit and
 * a call chain that is too deep end in a defined guest error whose message names the instruction, never in a host
 * exception or a read outside a region. The programs run with {@code ebpf.Verify=false}: the verifier would refuse
 * most of them before they run, and the guards are what an unverified program relies on.
 */
class GuardTest {
    static Engine interpreted;
    static Engine compiled;

    @BeforeAll
    static void engines() {
        interpreted = EngineMode.INTERPRETED.newEngine("ebpf", "ebpf-");
        compiled = EngineMode.COMPILED.newEngine("ebpf", "ebpf-");
    }

    @AfterAll
    static void close() {
        interpreted.close();
        compiled.close();
    }

    static Engine engine(EngineMode mode) {
        return mode == EngineMode.INTERPRETED ? interpreted : compiled;
    }

    /** Runs {@code asm} on {@code memory} (several times, so compiled mode runs compiled code) and returns the guest error. */
    static String runtimeError(EngineMode mode, String asm, byte[] memory, long maxInstructions) {
        try (Context context = mode.contextBuilder("ebpf", engine(mode))
                .option("ebpf.Verify", "false")
                .option("ebpf.MaxInstructions", Long.toString(maxInstructions))
                .build()) {
            Value program = context.eval(EbpfTestSources.asm(asm));
            String message = null;
            for (int i = 0; i < 3; i++) {
                PolyglotException e = assertThrows(PolyglotException.class, () -> program.execute(memory));
                assertTrue(
                        e.isGuestException() && !e.isInternalError() && !e.isSyntaxError(),
                        () -> "not a guest runtime error: " + e);
                message = e.getMessage();
            }
            return message;
        }
    }

    static String runtimeError(EngineMode mode, String asm) {
        return runtimeError(mode, asm, new byte[8], 1_000_000);
    }

    static String loadError(String asm) {
        try (Context context =
                EngineMode.INTERPRETED.contextBuilder("ebpf", interpreted).build()) {
            PolyglotException e = assertThrows(PolyglotException.class, () -> context.eval(EbpfTestSources.asm(asm)));
            assertTrue(e.isSyntaxError() && !e.isInternalError(), () -> "not a syntax error: " + e);
            return e.getMessage();
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void loadPastTheEndOfTheMemory(EngineMode mode) {
        assertEquals(
                "insn 1: invalid load of 4 bytes at context+5",
                runtimeError(mode, "mov %r0, 0\nldxw %r0, [%r1+5]\nexit"));
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void loadBeforeTheStartOfTheMemory(EngineMode mode) {
        assertEquals("insn 0: invalid load of 1 bytes at context-1", runtimeError(mode, "ldxb %r0, [%r1-1]\nexit"));
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void storeBelowTheStackFrame(EngineMode mode) {
        assertEquals(
                "insn 1: invalid store of 8 bytes at stack of frame 0 (r10-520)",
                runtimeError(mode, "mov %r0, 0\nstdw [%r10-520], 1\nexit"));
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void storeAboveTheStackFrame(EngineMode mode) {
        assertEquals(
                "insn 0: invalid store of 4 bytes at stack of frame 0 (r10+0)",
                runtimeError(mode, "stxw [%r10], %r1\nmov %r0, 0\nexit"));
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void uninitialisedRegisterIsNotAPointer(EngineMode mode) {
        assertEquals(
                "insn 0: invalid load of 8 bytes at 0x0, which is not a pointer",
                runtimeError(mode, "ldxdw %r0, [%r5]\nexit"));
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void forgedPointerFromAnInteger(EngineMode mode) {
        // A forged address decodes to a region like any other, and the guard checks it like any other.
        assertEquals(
                "insn 2: invalid load of 8 bytes at stack of frame 0 (r10+3584)",
                runtimeError(mode, "lddw %r2, 0x300001000\nldxdw %r0, [%r2]\nexit"));
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void truncatedPointerIsNotAPointer(EngineMode mode) {
        assertEquals(
                "insn 1: invalid load of 1 bytes at 0x0, which is not a pointer",
                runtimeError(mode, "mov32 %r1, %r1\nldxb %r0, [%r1]\nexit"));
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void functionAddressIsNotData(EngineMode mode) {
        // lddw src 4 (a function address; the assembler has no syntax for it, so the slot is patched).
        byte[] raw = dev.sluice.ebpf.formats.RawFormat.encode(
                dev.sluice.ebpf.formats.AsmFormat.read("lddw %r2, 3\nldxb %r0, [%r2]\nexit\nmov %r0, 1\nexit", "t", 1));
        raw[1] = (byte) (2 | 4 << 4);
        try (Context context = mode.contextBuilder("ebpf", engine(mode))
                .option("ebpf.Verify", "false")
                .build()) {
            Value program = context.eval(
                    Source.newBuilder("ebpf", org.graalvm.polyglot.io.ByteSequence.create(raw), "function-address")
                            .buildLiteral());
            for (int i = 0; i < 3; i++) {
                PolyglotException e = assertThrows(PolyglotException.class, program::execute);
                assertFalse(e.isInternalError());
                assertEquals(
                        "insn 2: invalid load of 1 bytes at the address of function 1, which is not data",
                        e.getMessage());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void misalignedAtomic(EngineMode mode) {
        assertEquals(
                "insn 1: atomic access of 8 bytes at stack of frame 0 (r10-12) is not aligned to its size",
                runtimeError(mode, "mov %r2, 1\nlock add [%r10-12], %r2\nmov %r0, 0\nexit"));
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void infiniteLoopStopsAtTheInstructionLimit(EngineMode mode) {
        String asm = "mov %r0, 0\nloop:\nadd %r0, 1\nja loop\n";
        String message = runtimeError(mode, asm, new byte[0], 1000);
        assertEquals("insn 1: instruction limit of 1000 (ebpf.MaxInstructions) reached", message);
        assertEquals(
                "insn 1: instruction limit of 1000000 (ebpf.MaxInstructions) reached",
                runtimeError(mode, asm, new byte[0], 1_000_000));
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void overTheLimitAVerdictInsteadOfAnError(EngineMode mode) {
        // The loop runs in a local function two frames down: the verdict unwinds every frame.
        String asm = "call local f\nexit\nf:\ncall local g\nexit\ng:\nmov %r0, 0\nloop:\nadd %r0, 1\nja loop\n";
        try (Context context = mode.contextBuilder("ebpf", engine(mode))
                .option("ebpf.Verify", "false")
                .option("ebpf.MaxInstructions", "5000")
                .option("ebpf.OverBudgetAction", "verdict:7")
                .build()) {
            Value program = context.eval(EbpfTestSources.asm(asm));
            for (int i = 0; i < 3; i++) {
                assertEquals(7L, program.execute().asLong());
            }
        }
        // Typed option: Truffle refuses the value when the context is built (EbpfTypedOptionsTest has the others).
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> mode.contextBuilder("ebpf", engine(mode))
                        .option("ebpf.Verify", "false")
                        .option("ebpf.OverBudgetAction", "verdict:x")
                        .build()
                        .close());
        assertTrue(
                e.getMessage().contains("ebpf.OverBudgetAction: 'verdict:x': the verdict must be a number"),
                e.getMessage());
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void limitCountsInstructionsExactly(EngineMode mode) {
        // 1 + 2 * 10 + 1 = 22 instructions: runs with a limit of 22, stops with 21.
        String asm = "mov %r0, 10\nloop:\nsub %r0, 1\njne %r0, 0, loop\nexit\n";
        try (Context context = mode.contextBuilder("ebpf", engine(mode))
                .option("ebpf.Verify", "false")
                .option("ebpf.MaxInstructions", "22")
                .build()) {
            Value program = context.eval(EbpfTestSources.asm(asm));
            for (int i = 0; i < 3; i++) {
                assertEquals(0L, program.execute().asLong());
            }
        }
        assertEquals(
                "insn 3: instruction limit of 21 (ebpf.MaxInstructions) reached",
                runtimeError(mode, asm, new byte[0], 21));
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void callxRecursionStopsAtEightFrames(EngineMode mode) {
        // Function 1 calls itself through callx with its own address: only a run-time guard can stop it.
        String asm = "mov %r0, 0\ncall local f\nexit\nf:\nlddw %r3, 0\ncall %r3\nexit\n";
        // Patch the lddw to src 4 (function address of f): the assembler has no syntax for pseudo sources.
        byte[] raw = dev.sluice.ebpf.formats.RawFormat.encode(dev.sluice.ebpf.formats.AsmFormat.read(asm, "t", 1));
        raw[3 * 8 + 1] = (byte) (3 | 4 << 4); // dst r3, src 4
        raw[3 * 8 + 4] = (byte) 0xff; // imm = -1: slot 3 + 1 - 1 = slot 3, the function's entry
        raw[3 * 8 + 5] = (byte) 0xff;
        raw[3 * 8 + 6] = (byte) 0xff;
        raw[3 * 8 + 7] = (byte) 0xff;
        try (Context context = mode.contextBuilder("ebpf", engine(mode))
                .option("ebpf.Verify", "false")
                .build()) {
            Value program = context.eval(
                    Source.newBuilder("ebpf", org.graalvm.polyglot.io.ByteSequence.create(raw), "callx-recursion")
                            .buildLiteral());
            for (int i = 0; i < 3; i++) {
                PolyglotException e = assertThrows(PolyglotException.class, program::execute);
                assertFalse(e.isInternalError());
                assertEquals("insn 5: call would need frame 9, more than the limit of 8 frames", e.getMessage());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void legacyPacketLoadOutsideThePacketReturnsZero(EngineMode mode) {
        try (Context context = mode.contextBuilder("ebpf", engine(mode))
                .option("ebpf.Verify", "false")
                .build()) {
            Value program = context.eval(EbpfTestSources.asm("mov %r0, 7\nldabsw 6\nexit"));
            for (int i = 0; i < 3; i++) {
                assertEquals(0L, program.execute(new byte[8]).asLong());
                assertEquals(
                        0x01020304L,
                        program.execute(new byte[] {0, 0, 0, 0, 0, 0, 1, 2, 3, 4})
                                .asLong());
            }
        }
    }

    @org.junit.jupiter.api.Test
    void structuralErrorsAreLocated() {
        assertEquals("Unnamed:2:1: insn 1: frame pointer r10 is read only", loadError("mov %r0, 0\nmov %r10, 0\nexit"));
        assertEquals("Unnamed:1:1: insn 0: jump to insn 5 is outside the program (2 slots)", loadError("ja +4\nexit"));
        assertEquals(
                "Unnamed:1:1: insn 0: jump to insn 2 lands in the second slot of lddw",
                loadError("ja +1\nlddw %r0, 1\nexit"));
        assertEquals(
                "Unnamed:1:1: insn 0: the function at insn 0 ends without exit or jump (execution would fall off its end)",
                loadError("mov %r0, 0"));
        assertEquals("Unnamed:1:1: insn 0: unknown helper 99 for program type raw", loadError("call 99\nexit"));
        assertEquals(
                "Unnamed:4:1: insn 2: recursive call: insn 2 -> insn 2",
                loadError("call local f\nexit\nf:\ncall local f\nexit"));
        assertEquals("Unnamed:2:1: unknown mnemonic 'foo'", loadError("mov %r0, 0\nfoo %r1\nexit"));
        assertEquals("Unnamed:1:6: undefined label 'nowhere'", loadError("ja   nowhere\nexit"));
        assertEquals("Unnamed:1:10: '%r11' is not a register (%r0 to %r10)", loadError("mov %r0, %r11\nexit"));
        StringBuilder deep = new StringBuilder("call local f1\nexit\n");
        for (int f = 1; f <= 8; f++) {
            deep.append("f")
                    .append(f)
                    .append(":\n")
                    .append(f < 8 ? "call local f" + (f + 1) + "\n" : "")
                    .append("exit\n");
        }
        assertEquals(
                "Unnamed:1:1: insn 0: call chain of 9 frames (from the function at insn 0), more than the limit of 8",
                loadError(deep.toString()));
    }
}
