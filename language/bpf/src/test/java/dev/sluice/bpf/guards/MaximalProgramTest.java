package dev.sluice.bpf.guards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.sluice.bpf.isa.Insn;
import dev.sluice.bpf.isa.Opcodes;
import dev.sluice.bpf.isa.Program;
import dev.sluice.core.testing.EngineMode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Stack and depth (Jitk Theorem 6, BPF side): programs at the kernel's limit of 4096 instructions, made only of jumps
 * in the shapes that stress the verifier's path analysis and the interpreter's merge explosion, load and run in every
 * engine mode without a StackOverflowError (nothing in parse, verify, lower or the interpreter recurses).
 */
class MaximalProgramTest {
    static final int MAX = 4096;

    record Shape(String name, Program program, long verdictFor0, long verdictFor1) {}

    static Program build(IntFunction<Insn> body, Insn last) {
        Insn[] insns = new Insn[MAX];
        for (int pc = 0; pc < MAX - 1; pc++) {
            insns[pc] = body.apply(pc);
        }
        insns[MAX - 1] = last;
        return Program.of(insns);
    }

    static List<Shape> shapes() {
        List<Shape> shapes = new ArrayList<>();
        Insn retA = Insn.stmt(Opcodes.RET | Opcodes.A, 0);
        // A chain of 4095 unconditional jumps.
        shapes.add(new Shape(
                "ja chain",
                build(pc -> Insn.stmt(Opcodes.JMP | Opcodes.JA, 0), Insn.stmt(Opcodes.RET | Opcodes.K, 77)),
                77,
                77));
        // A chain of diamonds: every instruction is a merge point of the two previous ones (pc+1 and pc+2 targets).
        // Input 0 hops over every other instruction and skips the add at 4094; input 1 walks all of them.
        shapes.add(new Shape(
                "diamond chain",
                build(
                        pc -> pc == 0
                                ? Insn.stmt(Opcodes.LD | Opcodes.W | Opcodes.ABS, 0)
                                : pc == MAX - 2
                                        ? Insn.stmt(Opcodes.ALU | Opcodes.ADD | Opcodes.K, 5)
                                        : Insn.jump(Opcodes.JMP | Opcodes.JSET | Opcodes.K, 1, 0, 1),
                        retA),
                0,
                6));
        // Every jump can leave for the far end (offset 255) or fall through: many long edges into late merges.
        shapes.add(new Shape(
                "long edges",
                build(
                        pc -> pc == 0
                                ? Insn.stmt(Opcodes.LD | Opcodes.W | Opcodes.ABS, 0)
                                : Insn.jump(
                                        Opcodes.JMP | Opcodes.JEQ | Opcodes.K, 0x12345, Math.min(255, MAX - 2 - pc), 0),
                        retA),
                0,
                1));
        // Every jump goes straight to the last instruction or on: one merge with 4094 predecessors.
        shapes.add(new Shape(
                "fan-in",
                build(
                        pc -> pc == 0
                                ? Insn.stmt(Opcodes.LD | Opcodes.W | Opcodes.ABS, 0)
                                : pc >= MAX - 256
                                        ? Insn.jump(Opcodes.JMP | Opcodes.JGT | Opcodes.K, 1000 + pc, MAX - 2 - pc, 0)
                                        : Insn.jump(Opcodes.JMP | Opcodes.JGE | Opcodes.K, 1000 + pc, 0, 0),
                        retA),
                0,
                1));
        return shapes;
    }

    @ParameterizedTest
    @EnumSource(EngineMode.class)
    void maximalProgramsLoadAndRunWithoutStackOverflow(EngineMode mode) {
        try (Engine engine = mode.newEngine();
                Context c = mode.contextBuilder("bpf", engine).build()) {
            for (Shape s : shapes()) {
                try {
                    Value f = c.eval(
                            Source.newBuilder("bpf", ByteSequence.create(GuardPrograms.raw(s.program())), s.name())
                                    .buildLiteral());
                    assertEquals(MAX, f.getMember("length").asInt());
                    int calls = mode == EngineMode.BACKGROUND ? 30 : 3;
                    for (int i = 0; i < calls; i++) {
                        assertEquals(
                                s.verdictFor0(),
                                f.execute(GuardPrograms.seccompData(0)).asLong(),
                                s.name());
                        assertEquals(
                                s.verdictFor1(),
                                f.execute(GuardPrograms.seccompData(1)).asLong(),
                                s.name());
                    }
                } catch (PolyglotException e) {
                    fail(
                            s.name() + " (" + mode + "): " + e.getMessage()
                                    + (e.isInternalError() ? " [internal error]" : ""),
                            e);
                } catch (StackOverflowError e) {
                    fail(s.name() + " (" + mode + "): StackOverflowError escaped", e);
                }
            }
        }
    }
}
