package dev.sluice.bpf.nodes;

import com.oracle.truffle.api.CompilerAsserts;
import com.oracle.truffle.api.CompilerDirectives;
import com.oracle.truffle.api.CompilerDirectives.CompilationFinal;
import com.oracle.truffle.api.HostCompilerDirectives.BytecodeInterpreterSwitch;
import com.oracle.truffle.api.memory.ByteArraySupport;
import com.oracle.truffle.api.nodes.ExplodeLoop;
import com.oracle.truffle.api.nodes.ExplodeLoop.LoopExplosionKind;
import com.oracle.truffle.api.nodes.Node;

import dev.sluice.bpf.isa.Opcodes;
import dev.sluice.bpf.lower.LoweredProgram;
import dev.sluice.bpf.lower.Op;
import dev.sluice.bpf.runtime.PacketMeta;
import dev.sluice.bpf.runtime.PacketOps;

/**
 * Runs one lowered filter on one input. The dispatch loop is exploded with MERGE_EXPLODE, as GraalWasm does: the
 * program counter is a partial-evaluation constant, so Graal turns the filter into straight-line code with one copy
 * per instruction and merges where jumps meet. Classic BPF only jumps forward, so the explosion is bounded by the
 * program length.
 *
 * <p>Registers and scratch memory are locals of one execution: nothing survives a run (Jitk bug class 4).
 */
public final class FilterBodyNode extends Node {
    private static final ByteArraySupport BIG = ByteArraySupport.bigEndian();
    private static final ByteArraySupport LITTLE = ByteArraySupport.littleEndian();

    @CompilationFinal(dimensions = 1) private final int[] ops;
    @CompilationFinal(dimensions = 1) private final int[] constants;
    @CompilationFinal(dimensions = 1) private final int[] trueTargets;
    @CompilationFinal(dimensions = 1) private final int[] falseTargets;
    private final boolean bigEndianData;

    /** Indices of the registers in the {@code regs} array of one execution. */
    private static final int A = 0, X = 1;

    public FilterBodyNode(LoweredProgram program) {
        this.ops = program.ops();
        this.constants = program.constants();
        this.trueTargets = program.trueTargets();
        this.falseTargets = program.falseTargets();
        this.bigEndianData = program.bigEndianData();
    }

    /**
     * @param data the bytes; the packet (or struct seccomp_data) starts at {@code start}
     * @param start index of skb->data in {@code data}
     * @param captured bytes available from {@code start} (caplen for a capture; 64 for seccomp)
     * @param wireLength the packet's length as the kernel's skb->len (what LEN loads give)
     * @param meta ancillary values and header offsets (socket filters)
     * @return the 32-bit return value
     */
    @ExplodeLoop(kind = LoopExplosionKind.MERGE_EXPLODE)
    @BytecodeInterpreterSwitch
    public int execute(byte[] data, int start, int captured, int wireLength, PacketMeta meta) {
        // A and X live in an array like M[], not in Java locals: MERGE_EXPLODE merges copies of an instruction only
        // when their Java locals are identical, and with A and X as locals the 1,219-insn libseccomp filter
        // 05-sim-long_jumps exceeded Graal's loop explosion limit and did not compile. Escape analysis turns the
        // array back into registers after partial evaluation.
        final int[] regs = new int[2];
        final int[] mem = new int[Opcodes.MEMWORDS];
        int pc = 0;
        while (true) {
            CompilerAsserts.partialEvaluationConstant(pc);
            final int k = constants[pc];
            switch (ops[pc]) {
                case Op.RET_K:
                    return k;
                case Op.RET_A:
                    return regs[A];
                case Op.LD_IMM:
                    regs[A] = k;
                    pc++;
                    break;
                case Op.LDX_IMM:
                    regs[X] = k;
                    pc++;
                    break;
                case Op.LD_LEN:
                    regs[A] = wireLength;
                    pc++;
                    break;
                case Op.LDX_LEN:
                    regs[X] = wireLength;
                    pc++;
                    break;
                case Op.LD_MEM:
                    regs[A] = mem[k];
                    pc++;
                    break;
                case Op.LDX_MEM:
                    regs[X] = mem[k];
                    pc++;
                    break;
                case Op.ST:
                    mem[k] = regs[A];
                    pc++;
                    break;
                case Op.STX:
                    mem[k] = regs[X];
                    pc++;
                    break;
                case Op.TAX:
                    regs[X] = regs[A];
                    pc++;
                    break;
                case Op.TXA:
                    regs[A] = regs[X];
                    pc++;
                    break;
                case Op.ADD_K:
                    regs[A] += k;
                    pc++;
                    break;
                case Op.SUB_K:
                    regs[A] -= k;
                    pc++;
                    break;
                case Op.MUL_K:
                    regs[A] *= k;
                    pc++;
                    break;
                case Op.DIV_K:
                    regs[A] = Integer.divideUnsigned(regs[A], k);
                    pc++;
                    break;
                case Op.MOD_K:
                    regs[A] = Integer.remainderUnsigned(regs[A], k);
                    pc++;
                    break;
                case Op.AND_K:
                    regs[A] &= k;
                    pc++;
                    break;
                case Op.OR_K:
                    regs[A] |= k;
                    pc++;
                    break;
                case Op.XOR_K:
                    regs[A] ^= k;
                    pc++;
                    break;
                case Op.LSH_K:
                    regs[A] <<= k;
                    pc++;
                    break;
                case Op.RSH_K:
                    regs[A] >>>= k;
                    pc++;
                    break;
                case Op.ADD_X:
                    regs[A] += regs[X];
                    pc++;
                    break;
                case Op.SUB_X:
                    regs[A] -= regs[X];
                    pc++;
                    break;
                case Op.MUL_X:
                    regs[A] *= regs[X];
                    pc++;
                    break;
                case Op.DIV_X:
                    if (regs[X] == 0) {
                        return 0; // the kernel ends the program with 0
                    }
                    regs[A] = Integer.divideUnsigned(regs[A], regs[X]);
                    pc++;
                    break;
                case Op.MOD_X:
                    if (regs[X] == 0) {
                        return 0;
                    }
                    regs[A] = Integer.remainderUnsigned(regs[A], regs[X]);
                    pc++;
                    break;
                case Op.AND_X:
                    regs[A] &= regs[X];
                    pc++;
                    break;
                case Op.OR_X:
                    regs[A] |= regs[X];
                    pc++;
                    break;
                case Op.XOR_X:
                    regs[A] ^= regs[X];
                    pc++;
                    break;
                case Op.LSH_X:
                    regs[A] <<= (regs[X] & 31); // explicit: the kernel masks the shift count, as Java does
                    pc++;
                    break;
                case Op.RSH_X:
                    regs[A] >>>= (regs[X] & 31);
                    pc++;
                    break;
                case Op.NEG:
                    regs[A] = -regs[A];
                    pc++;
                    break;
                case Op.JA:
                case Op.JUMP_ALWAYS:
                    pc = trueTargets[pc];
                    break;
                case Op.JEQ_K:
                    pc = regs[A] == k ? trueTargets[pc] : falseTargets[pc];
                    break;
                case Op.JGT_K:
                    pc = Integer.compareUnsigned(regs[A], k) > 0 ? trueTargets[pc] : falseTargets[pc];
                    break;
                case Op.JGE_K:
                    pc = Integer.compareUnsigned(regs[A], k) >= 0 ? trueTargets[pc] : falseTargets[pc];
                    break;
                case Op.JSET_K:
                    pc = (regs[A] & k) != 0 ? trueTargets[pc] : falseTargets[pc];
                    break;
                case Op.JEQ_X:
                    pc = regs[A] == regs[X] ? trueTargets[pc] : falseTargets[pc];
                    break;
                case Op.JGT_X:
                    pc = Integer.compareUnsigned(regs[A], regs[X]) > 0 ? trueTargets[pc] : falseTargets[pc];
                    break;
                case Op.JGE_X:
                    pc = Integer.compareUnsigned(regs[A], regs[X]) >= 0 ? trueTargets[pc] : falseTargets[pc];
                    break;
                case Op.JSET_X:
                    pc = (regs[A] & regs[X]) != 0 ? trueTargets[pc] : falseTargets[pc];
                    break;
                case Op.LD_SECCOMP_WORD:
                    regs[A] = bigEndianData ? BIG.getInt(data, start + k) : LITTLE.getInt(data, start + k);
                    pc++;
                    break;
                case Op.LD_ABS_W:
                    if (k > captured - 4) {
                        return 0;
                    }
                    regs[A] = BIG.getInt(data, start + k);
                    pc++;
                    break;
                case Op.LD_ABS_H:
                    if (k > captured - 2) {
                        return 0;
                    }
                    regs[A] = BIG.getShort(data, start + k) & 0xffff;
                    pc++;
                    break;
                case Op.LD_ABS_B:
                    if (k >= captured) {
                        return 0;
                    }
                    regs[A] = data[start + k] & 0xff;
                    pc++;
                    break;
                case Op.LD_IND_W: {
                    long v = PacketOps.load(data, start, captured, regs[X] + k, 4, meta);
                    if (v < 0) {
                        return 0;
                    }
                    regs[A] = (int) v;
                    pc++;
                    break;
                }
                case Op.LD_IND_H: {
                    long v = PacketOps.load(data, start, captured, regs[X] + k, 2, meta);
                    if (v < 0) {
                        return 0;
                    }
                    regs[A] = (int) v;
                    pc++;
                    break;
                }
                case Op.LD_IND_B: {
                    long v = PacketOps.load(data, start, captured, regs[X] + k, 1, meta);
                    if (v < 0) {
                        return 0;
                    }
                    regs[A] = (int) v;
                    pc++;
                    break;
                }
                case Op.LD_NEG_W: {
                    long v = PacketOps.loadNegative(data, start, captured, k, 4, meta);
                    if (v < 0) {
                        return 0;
                    }
                    regs[A] = (int) v;
                    pc++;
                    break;
                }
                case Op.LD_NEG_H: {
                    long v = PacketOps.loadNegative(data, start, captured, k, 2, meta);
                    if (v < 0) {
                        return 0;
                    }
                    regs[A] = (int) v;
                    pc++;
                    break;
                }
                case Op.LD_NEG_B: {
                    long v = PacketOps.loadNegative(data, start, captured, k, 1, meta);
                    if (v < 0) {
                        return 0;
                    }
                    regs[A] = (int) v;
                    pc++;
                    break;
                }
                case Op.LDX_MSH: {
                    long v = PacketOps.load(data, start, captured, k, 1, meta);
                    if (v < 0) {
                        return 0;
                    }
                    regs[X] = ((int) v & 0xf) << 2;
                    pc++;
                    break;
                }
                case Op.LD_ANCILLARY: {
                    long v = PacketOps.ancillary(k, regs[A], regs[X], data, start, captured, meta);
                    if (v < 0) {
                        // No device behind ifidx/hatype: the kernel's converted code exits with A.
                        return regs[A];
                    }
                    regs[A] = (int) v;
                    pc++;
                    break;
                }
                default:
                    throw CompilerDirectives.shouldNotReachHere("unknown lowered op");
            }
        }
    }

    public int length() {
        return ops.length;
    }
}
