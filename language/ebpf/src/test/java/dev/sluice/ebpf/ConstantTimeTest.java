package dev.sluice.ebpf;

import static dev.sluice.ebpf.isa.Opcodes.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.error.SluiceException;
import dev.sluice.ebpf.formats.RawFormat;
import dev.sluice.ebpf.isa.Insn;
import dev.sluice.ebpf.isa.Program;
import dev.sluice.ebpf.isa.ProgramType;
import dev.sluice.ebpf.verify.StructuralCheck;
import dev.sluice.ebpf.verify.Verifier;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;
import org.junit.jupiter.api.Test;

/**
 * Constant-time mode ({@code ebpf.ConstantTime}, {@code ebpf.SecretBytes}) as a property: a program the verifier
 * accepts in that mode executes the same number of instructions for every value of the secret bytes (measured as the
 * smallest instruction limit a run completes within, {@code ebpf.MaxInstructions}), while among the programs it
 * refuses some do depend on them (so the measure would catch a wrong acceptance). The rules one by one are in
 * {@code verifier/constant-time.cases}.
 */
class ConstantTimeTest {
    private static final BitSet SECRET = new BitSet();

    static {
        SECRET.set(0, 16); // the first two 8-byte words of the input
    }

    private static final int[] ALU_OPS = {ADD, SUB, MUL, OR, AND, XOR, LSH, RSH, ARSH, MOV, DIV, MOD};
    private static final int[] JUMP_OPS = {JEQ, JGT, JGE, JSET, JNE, JSGT, JSGE, JLT, JLE, JSLT, JSLE};

    /**
     * A raw program that reads the input's eight words into registers (the first two secret), mixes them with ALU
     * operations and stack spills, and takes forward branches between them, so that some branch on secrets and some
     * do not; it returns r0.
     */
    static Program program(Random rnd) {
        List<Insn> p = new ArrayList<>();
        int[] regs = {0, 2, 3, 4, 5, 7, 8, 9};
        for (int r : regs) {
            p.add(new Insn(LDX | MEM | DW, r, 1, 8 * rnd.nextInt(8), 0));
        }
        int body = 6 + rnd.nextInt(20);
        for (int k = 0; k < body; k++) {
            int dst = regs[rnd.nextInt(regs.length)];
            int src = regs[rnd.nextInt(regs.length)];
            int remaining = body - k;
            switch (rnd.nextInt(6)) {
                case 0, 1, 2 -> {
                    int op = ALU_OPS[rnd.nextInt(ALU_OPS.length)];
                    boolean reg = rnd.nextBoolean();
                    int imm = op == LSH || op == RSH || op == ARSH ? rnd.nextInt(64) : rnd.nextInt(1000) + 1;
                    p.add(new Insn(ALU64 | op | (reg ? X : K), dst, reg ? src : 0, 0, reg ? 0 : imm));
                }
                case 3 -> {
                    int slot = -8 * (1 + rnd.nextInt(4));
                    p.add(new Insn(STX | MEM | DW, 10, src, slot, 0));
                    p.add(new Insn(LDX | MEM | DW, dst, 10, slot, 0));
                }
                default -> {
                    int op = JUMP_OPS[rnd.nextInt(JUMP_OPS.length)];
                    boolean reg = rnd.nextBoolean();
                    int skip = 1 + rnd.nextInt(Math.max(1, Math.min(4, remaining)));
                    p.add(new Insn(JMP | op | (reg ? X : K), dst, reg ? src : 0, skip, reg ? 0 : rnd.nextInt(200)));
                    for (int s = 0; s < skip; s++) {
                        p.add(new Insn(ALU64 | ADD | K, regs[rnd.nextInt(regs.length)], 0, 0, 1 + rnd.nextInt(9)));
                    }
                    k += skip;
                }
            }
        }
        p.add(new Insn(JMP | EXIT, 0, 0, 0, 0));
        return Program.of(p);
    }

    /** Null when constant-time mode accepts the program, else the verifier's message. */
    static String constantTimeVerdict(Program p) {
        try {
            Verifier.verify(
                    p,
                    ProgramType.RAW,
                    StructuralCheck.check(p, ProgramType.RAW),
                    List.of(),
                    Verifier.DEFAULT_LIMIT,
                    false,
                    SECRET);
            return null;
        } catch (SluiceException e) {
            return e.getMessage();
        }
    }

    /** The instructions a run executes: the smallest ebpf.MaxInstructions it completes within (binary search). */
    static long instructionsExecuted(Engine engine, byte[] code, byte[] input) {
        long lo = 1, hi = 256; // the programs have fewer than 100 instructions and no loops
        while (lo < hi) {
            long mid = (lo + hi) / 2;
            try (Context c = Context.newBuilder("ebpf")
                    .engine(engine)
                    .option("ebpf.Verify", "false")
                    .option("ebpf.MaxInstructions", Long.toString(mid))
                    .build()) {
                Value program = c.eval(Source.newBuilder("ebpf", ByteSequence.create(code), "ct")
                        .buildLiteral());
                try {
                    program.execute((Object) input.clone());
                    hi = mid;
                } catch (PolyglotException e) {
                    assertTrue(e.getMessage().contains("instruction"), e::getMessage);
                    lo = mid + 1;
                }
            }
        }
        return lo;
    }

    @Test
    void acceptedProgramsDoTheSameWorkForEverySecret() {
        Random rnd = new Random(20261129);
        int accepted = 0, refused = 0, refusedAndDependent = 0;
        try (Engine engine = Engine.newBuilder("ebpf")
                .option("engine.WarnInterpreterOnly", "false")
                .build()) {
            for (int n = 0; n < 120; n++) {
                Program p = program(rnd);
                byte[] code = RawFormat.encode(p);
                String verdict = constantTimeVerdict(p);
                byte[] input = new byte[64];
                rnd.nextBytes(input);
                long base = instructionsExecuted(engine, code, input);
                boolean dependent = false;
                for (int variant = 0; variant < 4; variant++) {
                    byte[] other = input.clone();
                    for (int b = SECRET.nextSetBit(0); b >= 0; b = SECRET.nextSetBit(b + 1)) {
                        other[b] = (byte) rnd.nextInt();
                    }
                    long work = instructionsExecuted(engine, code, other);
                    if (verdict == null) {
                        assertEquals(
                                base,
                                work,
                                "program " + n
                                        + " was accepted in constant-time mode, but its work depends on the secret bytes:\n"
                                        + p);
                    }
                    dependent |= work != base;
                }
                if (verdict == null) {
                    accepted++;
                } else {
                    refused++;
                    refusedAndDependent += dependent ? 1 : 0;
                }
            }
        }
        System.out.println("constant time: " + accepted + " programs accepted (same work for every secret), " + refused
                + " refused, " + refusedAndDependent + " of those did different work for different secrets");
        assertTrue(
                accepted >= 10 && refusedAndDependent >= 10,
                "both outcomes must be common: accepted " + accepted + ", refused and dependent "
                        + refusedAndDependent);
    }

    @Test
    void badOptionsAreErrorsNamingTheOption() {
        // ebpf.SecretBytes is typed: Truffle refuses a bad value when the context is built.
        IllegalArgumentException bad = assertThrows(
                IllegalArgumentException.class,
                () -> Context.newBuilder("ebpf")
                        .option("ebpf.ConstantTime", "true")
                        .option("ebpf.SecretBytes", "14-70000")
                        .build()
                        .close());
        assertTrue(
                bad.getMessage()
                        .contains("ebpf.SecretBytes: '14-70000' is not a byte offset or range a-b within 0-65535"),
                bad.getMessage());
        try (Context c = Context.newBuilder("ebpf")
                .option("ebpf.ConstantTime", "true")
                .option("ebpf.Verify", "false")
                .build()) {
            PolyglotException e =
                    assertThrows(PolyglotException.class, () -> c.eval(EbpfTestSources.asm("mov %r0, 0\nexit")));
            assertTrue(
                    e.getMessage()
                            .contains(
                                    "ebpf.ConstantTime: constant-time mode is a verifier's proof; it needs ebpf.Verify=true"),
                    e.getMessage());
        }
    }
}
