package dev.sluice.bpf.ct;

import static dev.sluice.bpf.isa.Opcodes.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.sluice.bpf.EngineMode;
import dev.sluice.bpf.formats.RawFormat;
import dev.sluice.bpf.isa.Insn;
import dev.sluice.bpf.isa.Profile;
import dev.sluice.bpf.isa.Program;
import dev.sluice.bpf.verify.Verifier;

/**
 * Constant-time mode: predicated execution gives the same verdicts as normal execution, evaluates the same operations
 * in the same order for every input (interpreted and compiled), and the taint check rejects what it cannot hide.
 */
class ConstantTimeTest {
    private static Value load(Context c, Program p, String mime) {
        return c.eval(Source.newBuilder("bpf", ByteSequence.create(RawFormat.encode(p, ByteOrder.nativeOrder())), "p.bpf").mimeType(mime).buildLiteral());
    }

    private static Context context(Engine engine, boolean constantTime, String secrets) {
        return Context.newBuilder("bpf").engine(engine).allowExperimentalOptions(true)
                        .option("bpf.ConstantTime", Boolean.toString(constantTime)).option("bpf.SecretFields", secrets)
                        .option("bpf.RecordOperations", Boolean.toString(constantTime)).build();
    }

    /** Random valid socket programs; every opcode class, forward jumps only, scratch written before read. */
    static Program randomSocketProgram(Random rnd, int length) {
        List<Insn> insns = new ArrayList<>();
        int[] alu = {ADD, SUB, MUL, DIV, MOD, AND, OR, XOR, LSH, RSH};
        int[] jmp = {JEQ, JGT, JGE, JSET};
        insns.add(Insn.stmt(ST, 0)); // M[0..1] written up front so later reads are valid
        insns.add(Insn.stmt(STX, 1));
        while (insns.size() < length - 1) {
            int pc = insns.size();
            int remaining = length - 1 - pc;
            switch (rnd.nextInt(9)) {
                case 0 -> insns.add(Insn.stmt(LD | new int[]{W, H, B}[rnd.nextInt(3)] | ABS, rnd.nextInt(40)));
                case 1 -> insns.add(Insn.stmt(LD | new int[]{W, H, B}[rnd.nextInt(3)] | IND, rnd.nextInt(40) - 4));
                case 2 -> insns.add(Insn.stmt(rnd.nextBoolean() ? LD | IMM : LDX | IMM, rnd.nextInt()));
                case 3 -> {
                    int op = alu[rnd.nextInt(alu.length)];
                    boolean x = rnd.nextBoolean();
                    int k = op == LSH || op == RSH ? rnd.nextInt(32) : op == DIV || op == MOD ? 1 + rnd.nextInt(9) : rnd.nextInt(256);
                    insns.add(Insn.stmt(ALU | op | (x ? X : K), x ? 0 : k));
                }
                case 4 -> insns.add(Insn.stmt(rnd.nextBoolean() ? LD | MEM : LDX | MEM, rnd.nextInt(2)));
                case 5 -> insns.add(Insn.stmt(MISC | (rnd.nextBoolean() ? TAX : TXA), 0));
                case 6 -> insns.add(Insn.stmt(LDX | B | MSH, rnd.nextInt(30)));
                case 7 -> insns.add(Insn.stmt(rnd.nextBoolean() ? LD | W | LEN : ALU | NEG, 0));
                default -> {
                    int jt = rnd.nextInt(Math.min(remaining, 8));
                    int jf = rnd.nextInt(Math.min(remaining, 8));
                    insns.add(Insn.jump(JMP | jmp[rnd.nextInt(jmp.length)] | (rnd.nextBoolean() ? X : K), rnd.nextInt(64), jt, jf));
                }
            }
        }
        insns.add(Insn.stmt(RET | (rnd.nextBoolean() ? A : K), rnd.nextInt(1000)));
        // Sprinkle a few returns so that paths end at different places.
        for (int i = 3; i < insns.size() - 1; i += 1 + rnd.nextInt(12)) {
            if (rnd.nextInt(3) == 0 && !isJump(insns.get(i).code())) {
                insns.set(i, Insn.stmt(RET | K, rnd.nextInt(100)));
            }
        }
        Program p = new Program(insns);
        Verifier.verify(p, Profile.SOCKET);
        return p;
    }

    static byte[] randomPacket(Random rnd) {
        byte[] b = new byte[rnd.nextInt(48)];
        rnd.nextBytes(b);
        return b;
    }

    @ParameterizedTest
    @EnumSource(value = EngineMode.class, names = {"INTERPRETED", "COMPILE_IMMEDIATELY"})
    void predicatedExecutionGivesTheSameVerdictsAsNormalExecution(EngineMode mode) {
        long seed = Long.getLong("sluice.random.seed", 20261127L);
        System.err.println("ConstantTimeTest seed " + seed);
        Random rnd = new Random(seed);
        int programs = mode == EngineMode.INTERPRETED ? 100 : 30;
        int pairs = 0;
        try (Engine engine = mode.newEngine(); Context normal = context(engine, false, ""); Context ct = context(engine, true, "")) {
            for (int i = 0; i < programs; i++) {
                Program p = randomSocketProgram(rnd, 4 + rnd.nextInt(40));
                Value f = load(normal, p, "application/x-bpf-socket");
                Value g = load(ct, p, "application/x-bpf-socket");
                for (int j = 0; j < 25; j++) {
                    byte[] pkt = randomPacket(rnd);
                    assertEquals(f.execute(pkt).asLong(), g.execute(pkt).asLong(), () -> "program " + p + " packet " + java.util.HexFormat.of().formatHex(pkt));
                    pairs++;
                }
            }
        }
        System.err.println("ConstantTimeTest " + mode + ": " + pairs + " (program, packet) pairs agree");
    }

    /** A seccomp filter branching on a secret argument: both outcomes, with their operation traces. */
    private static Program secretBranchPolicy() {
        return Program.of(
                        Insn.stmt(LD | W | ABS, 0), // nr (public)
                        Insn.jump(JMP | JEQ | K, 1, 0, 6),
                        Insn.stmt(LD | W | ABS, 16), // arg0 low (secret)
                        Insn.jump(JMP | JGT | K, 1000, 0, 3),
                        Insn.stmt(ALU | MUL | K, 3),
                        Insn.stmt(ALU | ADD | K, 7),
                        Insn.stmt(RET | K, 0x00050001),
                        Insn.stmt(RET | K, 0x7fff0000),
                        Insn.stmt(RET | K, 0x7fff0000));
    }

    @ParameterizedTest
    @EnumSource(value = EngineMode.class, names = {"INTERPRETED", "COMPILE_IMMEDIATELY"})
    void operationTraceIsIdenticalForAllInputs(EngineMode mode) {
        Program p = secretBranchPolicy();
        Set<String> traces = new HashSet<>();
        Set<Long> verdicts = new HashSet<>();
        try (Engine engine = mode.newEngine(); Context ct = context(engine, true, "args")) {
            Value f = load(ct, p, "application/x-bpf-seccomp");
            Random rnd = new Random(7);
            for (int i = 0; i < 200; i++) {
                long arg0 = switch (i % 3) {
                    case 0 -> rnd.nextInt(1000);
                    case 1 -> 1000 + rnd.nextInt(1 << 20);
                    default -> rnd.nextLong();
                };
                int nr = i % 5 == 0 ? 2 : 1;
                byte[] data = dev.sluice.core.seccomp.SeccompData.encode(dev.sluice.core.seccomp.Arch.X86_64, nr, 0, arg0);
                verdicts.add(f.execute(data).asLong());
                traces.add(f.getMember("operationTrace").asString());
            }
        }
        assertEquals(Set.of(0x00050001L, 0x7fff0000L), verdicts, "both outcomes were exercised");
        assertEquals(1, traces.size(), "one trace for every input: " + traces);
        String trace = traces.iterator().next();
        assertEquals(p.length(), trace.split(" ").length, "every instruction is evaluated: " + trace);
    }

    @Test
    void secretDependentIndexIsRejected() {
        Program p = Program.of(
                        Insn.stmt(LD | B | ABS, 0), // secret byte
                        Insn.stmt(MISC | TAX, 0),
                        Insn.stmt(LD | B | IND, 2), // offset depends on the secret
                        Insn.stmt(RET | A, 0));
        try (Engine engine = EngineMode.INTERPRETED.newEngine(); Context ct = context(engine, true, "0-3")) {
            PolyglotException e = assertThrows(PolyglotException.class, () -> load(ct, p, "application/x-bpf-socket"));
            assertTrue(e.isSyntaxError());
            assertEquals("insn 2: constant-time program loads at a secret-dependent offset [x + 2]", e.getMessage());
            // The same load from a public byte is accepted.
            try (Context pub = context(engine, true, "8-9")) {
                assertEquals(0L, load(pub, p, "application/x-bpf-socket").execute(new byte[4]).asLong());
            }
        }
    }

    @Test
    void secretDependentDivisorIsRejectedIncludingThroughControlFlow() {
        Program direct = Program.of(
                        Insn.stmt(LD | W | ABS, 16),
                        Insn.stmt(MISC | TAX, 0),
                        Insn.stmt(LD | IMM, 100),
                        Insn.stmt(ALU | DIV | X, 0),
                        Insn.stmt(RET | A, 0));
        Program implicit = Program.of(
                        Insn.stmt(LD | W | ABS, 16),
                        Insn.jump(JMP | JEQ | K, 5, 0, 1), // branch on the secret
                        Insn.stmt(LDX | IMM, 2), // X is now control-dependent on the secret
                        Insn.stmt(LD | IMM, 100),
                        Insn.stmt(ALU | DIV | X, 0),
                        Insn.stmt(RET | A, 0));
        try (Engine engine = EngineMode.INTERPRETED.newEngine(); Context ct = context(engine, true, "arg0")) {
            PolyglotException e1 = assertThrows(PolyglotException.class, () -> load(ct, direct, "application/x-bpf-seccomp"));
            assertEquals("insn 3: constant-time program divides by a secret-dependent X", e1.getMessage());
            PolyglotException e2 = assertThrows(PolyglotException.class, () -> load(ct, implicit, "application/x-bpf-seccomp"));
            assertEquals("insn 4: constant-time program divides by a secret-dependent X", e2.getMessage());
        }
    }
}
