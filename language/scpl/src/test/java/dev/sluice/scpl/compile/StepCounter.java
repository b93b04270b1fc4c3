package dev.sluice.scpl.compile;

import static dev.sluice.bpf.isa.Opcodes.*;

import dev.sluice.bpf.isa.Insn;
import dev.sluice.bpf.isa.Program;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A small seccomp BPF evaluator that counts executed instructions, for comparing filters (SCPL vs libseccomp). It
 * covers the instructions both compilers emit (word loads from seccomp_data, ALU with constants, conditional jumps
 * on constants, ja, ret); anything else fails loudly.
 */
final class StepCounter {
    record Run(int verdict, int steps) {}

    static Run run(Program p, byte[] data) {
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        int a = 0;
        int x = 0;
        int pc = 0;
        int steps = 0;
        while (true) {
            Insn in = p.get(pc);
            steps++;
            int code = in.code();
            int k = in.k();
            switch (cls(code)) {
                case LD -> {
                    if (code == (LD | W | ABS)) {
                        a = b.getInt(k);
                    } else if (code == (LD | IMM)) {
                        a = k;
                    } else {
                        throw new IllegalStateException("unsupported load " + in);
                    }
                    pc++;
                }
                case LDX -> {
                    if (code != (LDX | IMM)) {
                        throw new IllegalStateException("unsupported ldx " + in);
                    }
                    x = k;
                    pc++;
                }
                case ALU -> {
                    int operand = src(code) == X ? x : k;
                    a = switch (op(code)) {
                        case AND -> a & operand;
                        case OR -> a | operand;
                        case ADD -> a + operand;
                        case SUB -> a - operand;
                        case RSH -> a >>> operand;
                        case LSH -> a << operand;
                        default -> throw new IllegalStateException("unsupported alu " + in);
                    };
                    pc++;
                }
                case MISC -> {
                    if (code == (MISC | TAX)) {
                        x = a;
                    } else {
                        a = x;
                    }
                    pc++;
                }
                case JMP -> {
                    if (op(code) == JA) {
                        pc += 1 + k;
                    } else {
                        int operand = src(code) == X ? x : k;
                        boolean t = switch (op(code)) {
                            case JEQ -> a == operand;
                            case JGT -> Integer.compareUnsigned(a, operand) > 0;
                            case JGE -> Integer.compareUnsigned(a, operand) >= 0;
                            case JSET -> (a & operand) != 0;
                            default -> throw new IllegalStateException("unsupported jump " + in);
                        };
                        pc += 1 + (t ? in.jt() : in.jf());
                    }
                }
                case RET -> {
                    return new Run(src(code) == A ? a : k, steps);
                }
                default -> throw new IllegalStateException("unsupported " + in);
            }
        }
    }
}
