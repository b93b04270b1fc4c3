package dev.sluice.bpf.guards;

import dev.sluice.bpf.isa.Insn;
import dev.sluice.bpf.isa.Opcodes;
import dev.sluice.bpf.isa.Program;
import java.nio.ByteBuffer;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;

/**
 * Run in a child JVM by {@link ConstantBlindingTest}: compiles one filter whose author constant is
 * {@link #AUTHOR_CONSTANT} and prints its verdicts. Arguments: the bpf.ConstantBlinding value, the bpf.ConstantTime
 * value (default false), and the profile (default seccomp; socket runs the program on packets whose first word is the
 * number).
 */
public final class BlindingProbe {
    /** A distinctive constant that appears nowhere else in Sluice or Truffle. */
    static final int AUTHOR_CONSTANT = 0x5EED1234;

    /** The comparands of the ordered jumps, also distinctive: with blinding they are kept as k + key. */
    static final int ABOVE = AUTHOR_CONSTANT ^ 3, AT_LEAST = AUTHOR_CONSTANT ^ 5;

    /**
     * The operands of a {@code jset} and an {@code and}, also distinctive: blinded, they are read as data (memory
     * operands). The test mask has no bit below 16, so no syscall number 0-9 sets it; the and mask keeps the low
     * nibble, so the numbers pass it unchanged.
     */
    static final int TEST_MASK = 0x5EED0000, KEEP_MASK = 0x5EED123F;

    static Program program() {
        return Program.of(
                Insn.stmt(Opcodes.LD | Opcodes.W | Opcodes.ABS, 0), // A = nr
                Insn.jump(Opcodes.JMP | Opcodes.JSET | Opcodes.K, TEST_MASK, 8, 0), // never: ret #2
                Insn.stmt(Opcodes.ALU | Opcodes.AND | Opcodes.K, KEEP_MASK), // A = nr
                Insn.stmt(Opcodes.ALU | Opcodes.XOR | Opcodes.K, AUTHOR_CONSTANT), // A ^= C
                Insn.jump(Opcodes.JMP | Opcodes.JEQ | Opcodes.K, AUTHOR_CONSTANT ^ 7, 0, 1), // nr == 7?
                Insn.stmt(Opcodes.RET | Opcodes.K, AUTHOR_CONSTANT), // yes: C
                Insn.jump(Opcodes.JMP | Opcodes.JGT | Opcodes.K, ABOVE, 0, 1), // nr 8 or 9?
                Insn.stmt(Opcodes.RET | Opcodes.K, 1),
                Insn.jump(Opcodes.JMP | Opcodes.JGE | Opcodes.K, AT_LEAST, 0, 1), // nr 0-3, 5 or 6?
                Insn.stmt(Opcodes.RET | Opcodes.A, 0), // yes: nr ^ C
                Insn.stmt(Opcodes.RET | Opcodes.K, 2)); // nr 4
    }

    public static void main(String[] args) {
        boolean socket = args.length > 2 && args[2].equals("socket");
        try (Engine engine = Engine.newBuilder("bpf")
                        .allowExperimentalOptions(true)
                        .option("engine.CompileImmediately", "true")
                        .option("engine.BackgroundCompilation", "false")
                        .option("engine.CompilationFailureAction", "Throw")
                        .option("engine.WarnInterpreterOnly", "false")
                        .build();
                Context c = Context.newBuilder("bpf")
                        .engine(engine)
                        .allowExperimentalOptions(true)
                        .option("bpf.ConstantBlinding", args[0])
                        .option("bpf.ConstantTime", args.length > 1 ? args[1] : "false")
                        .option("bpf.Profile", socket ? "socket" : "seccomp")
                        .build()) {
            Value f = c.eval(Source.newBuilder("bpf", ByteSequence.create(GuardPrograms.raw(program())), "probe.bpf")
                    .buildLiteral());
            long sum = 0;
            for (int i = 0; i < 200; i++) {
                sum += f.execute(input(i % 10, socket)).asLong();
            }
            System.out.println("engine=" + engine.getImplementationName() + " verdict7="
                    + Long.toHexString(f.execute(input(7, socket)).asLong()) + " verdict3="
                    + Long.toHexString(f.execute(input(3, socket)).asLong()) + " sum=" + sum);
        }
    }

    /** seccomp_data with syscall number nr, or a 64-byte packet whose first word (network order) is nr. */
    private static byte[] input(int nr, boolean socket) {
        if (!socket) {
            return GuardPrograms.seccompData(nr);
        }
        byte[] packet = new byte[64];
        ByteBuffer.wrap(packet).putInt(0, nr);
        return packet;
    }
}
