package dev.sluice.ebpf;

import static dev.sluice.ebpf.isa.Opcodes.*;

import dev.sluice.ebpf.formats.RawFormat;
import dev.sluice.ebpf.isa.Insn;
import dev.sluice.ebpf.isa.Program;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;

/**
 * Run in a child JVM by {@link ConstantBlindingTest}: compiles one raw program whose immediates are distinctive
 * markers, one in each blinded form, and prints its results. Argument: the ebpf.ConstantBlinding value.
 */
public final class BlindingProbe {
    /** Markers that appear nowhere else in Sluice or Truffle (all positive, so each has one decimal spelling). */
    static final int ALU_XOR = 0x5EED1234,
            STORED = 0x5EED2345,
            JGT_COMPARAND = 0x5EED3456,
            MOV_IMM = 0x5EED4567,
            CHAIN_A = 0x5EED789A,
            CHAIN_B = 0x00001111,
            LEGACY_IND = 0x5EED9ABC,
            LEGACY_ABS = 0x5EEDABCD,
            JSET_MASK = 0x5EEDBCDE,
            AND_MASK = 0x5EEDCDEF;
    /** The jeq's comparand: the input word 7 after the xor. */
    static final int JEQ_COMPARAND = ALU_XOR ^ 7;

    static final long LDDW_VALUE = 0x5EED56785EED6789L;
    /** The name of the program, in its call targets' names and so in the dump files'. */
    static final String NAME = "blinding-probe";

    static Program program() {
        return Program.of(
                new Insn(LDX | MEM | W, 0, 1, 0, 0), // 0: r0 = the input's first word
                new Insn(ALU64 | MOV | X, 6, 1, 0, 0), // 1: r6 = the input, as legacy loads need
                new Insn(JMP | JNE | K, 0, 0, 4, 9), // 2: word 9 takes the legacy loads, the rest -> 7
                new Insn(LDX | MEM | B, 2, 1, 1, 0), // 3: r2 = the input's byte 1, 0: not a constant
                new Insn(LD | IND | B, 0, 2, 0, LEGACY_IND), // 4: r0 = input[r2 + LEGACY_IND]: outside, exits 0
                new Insn(LD | ABS | W, 0, 0, 0, LEGACY_ABS), // 5: r0 = input[LEGACY_ABS]: outside, exits 0
                new Insn(JMP | EXIT, 0, 0, 0, 0), // 6
                new Insn(ALU | XOR | K, 0, 0, 0, ALU_XOR), // 7: r0 ^= ALU_XOR (32-bit)
                new Insn(JMP | JEQ | K, 0, 0, 14, JEQ_COMPARAND), // 8: word 7? -> 23
                // On the 32-bit r0, so that the compiler cannot decide it from r0's range.
                new Insn(JMP | JGT | K, 0, 0, 1, JGT_COMPARAND), // 9: r0 > JGT_COMPARAND? -> 11
                new Insn(ALU64 | ADD | K, 0, 0, 0, 1), // 10: r0 += 1
                new Insn(LDDW, 2, 0, 0, (int) LDDW_VALUE), // 11: r2 = LDDW_VALUE
                new Insn(0, 0, 0, 0, (int) (LDDW_VALUE >>> 32)), // 12
                new Insn(ALU64 | ADD | X, 0, 2, 0, 0), // 13: r0 += r2
                new Insn(ST | MEM | W, 10, 0, -4, STORED), // 14: *(u32 *)(r10 - 4) = STORED
                new Insn(LDX | MEM | W, 3, 10, -4, 0), // 15: r3 = STORED
                new Insn(ALU64 | ADD | X, 0, 3, 0, 0), // 16: r0 += r3
                new Insn(JMP | JSET | K, 0, 0, 4, JSET_MASK), // 17: r0 & JSET_MASK? -> 22
                new Insn(ALU | AND | K, 0, 0, 0, AND_MASK), // 18: r0 &= AND_MASK (32-bit)
                new Insn(ALU | MOV | K, 4, 0, 0, CHAIN_A), // 19: r4 = CHAIN_A
                new Insn(ALU | XOR | K, 4, 0, 0, CHAIN_B), // 20: r4 ^= CHAIN_B: a constant the author made of two
                new Insn(ALU64 | ADD | X, 0, 4, 0, 0), // 21: r0 += r4
                new Insn(JMP | EXIT, 0, 0, 0, 0), // 22
                new Insn(ALU64 | MOV | K, 0, 0, 0, MOV_IMM), // 23: r0 = MOV_IMM
                new Insn(JMP | EXIT, 0, 0, 0, 0)); // 24
    }

    static byte[] input(int word) {
        return ByteBuffer.allocate(8)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt(word)
                .array();
    }

    public static void main(String[] args) {
        try (Engine engine = Engine.newBuilder("ebpf")
                        .allowExperimentalOptions(true)
                        .option("engine.CompileImmediately", "true")
                        .option("engine.BackgroundCompilation", "false")
                        .option("engine.CompilationFailureAction", "Throw")
                        .option("engine.WarnInterpreterOnly", "false")
                        .build();
                Context c = Context.newBuilder("ebpf")
                        .engine(engine)
                        .option("ebpf.ConstantBlinding", args[0])
                        .build()) {
            Value p = c.eval(Source.newBuilder("ebpf", ByteSequence.create(RawFormat.encode(program())), NAME)
                    .buildLiteral());
            long sum = 0;
            for (int i = 0; i < 200; i++) {
                sum += p.execute((Object) input(i % 10)).asLong();
            }
            System.out.println("blinded=" + p.getMember("constantBlinding").asBoolean());
            System.out.println("engine=" + engine.getImplementationName() + " r0(7)="
                    + Long.toHexString(p.execute((Object) input(7)).asLong()) + " r0(3)="
                    + Long.toHexString(p.execute((Object) input(3)).asLong()) + " sum=" + sum);
        }
    }
}
