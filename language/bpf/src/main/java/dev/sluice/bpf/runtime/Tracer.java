package dev.sluice.bpf.runtime;

import java.util.ArrayList;
import java.util.List;

import dev.sluice.bpf.isa.Opcodes;
import dev.sluice.bpf.lower.LoweredProgram;
import dev.sluice.bpf.lower.Op;
import dev.sluice.core.error.CoreFailure;
import dev.sluice.core.error.SluiceException;
import dev.sluice.core.seccomp.SeccompData;

/**
 * A plain-Java evaluator of a lowered program that records the path it takes: for each executed instruction its index
 * and the registers after it. It follows exactly the lowered semantics the Truffle interpreter runs
 * ({@code FilterBodyNode}), so a trace explains the engine's verdict; {@code TracerAgreesWithEngineTest} checks that
 * the two always agree. Used by {@code sluice explain}; not a fast path.
 */
public final class Tracer {
    private Tracer() {
    }

    /** One executed instruction: its index, and A and X after it ran (for a ret: the registers it returned from). */
    public record Step(int pc, int a, int x) {
    }

    /**
     * The path and the result. {@code endedEarly} is true when a failing load or a division by X = 0 ended the
     * program (the kernel then returns 0, or A for an ancillary load with no device) instead of a ret instruction.
     */
    public record Trace(List<Step> steps, int result, boolean endedEarly) {
    }

    /** Traces a seccomp filter on one 64-byte struct seccomp_data. */
    public static Trace traceSeccomp(LoweredProgram program, byte[] seccompData) {
        if (seccompData.length != SeccompData.SIZE) {
            throw SluiceException.create(CoreFailure.SECCOMP_INPUT_SIZE, seccompData.length);
        }
        return trace(program, seccompData, 0, SeccompData.SIZE, SeccompData.SIZE, PacketMeta.DEFAULT);
    }

    /** Traces on input bytes {@code data[start, start + captured)} with the packet's wire length and metadata. */
    public static Trace trace(LoweredProgram program, byte[] data, int start, int captured, int wireLength, PacketMeta meta) {
        int[] ops = program.ops();
        int[] ks = program.constants();
        int[] tt = program.trueTargets();
        int[] ff = program.falseTargets();
        boolean big = program.bigEndianData();
        List<Step> steps = new ArrayList<>();
        int a = 0;
        int x = 0;
        int[] mem = new int[Opcodes.MEMWORDS];
        int pc = 0;
        while (true) {
            int k = ks[pc];
            int at = pc;
            int next = pc + 1;
            long v;
            switch (ops[pc]) {
                case Op.RET_K -> {
                    steps.add(new Step(at, a, x));
                    return new Trace(steps, k, false);
                }
                case Op.RET_A -> {
                    steps.add(new Step(at, a, x));
                    return new Trace(steps, a, false);
                }
                case Op.LD_IMM -> a = k;
                case Op.LDX_IMM -> x = k;
                case Op.LD_LEN -> a = wireLength;
                case Op.LDX_LEN -> x = wireLength;
                case Op.LD_MEM -> a = mem[k];
                case Op.LDX_MEM -> x = mem[k];
                case Op.ST -> mem[k] = a;
                case Op.STX -> mem[k] = x;
                case Op.TAX -> x = a;
                case Op.TXA -> a = x;
                case Op.ADD_K -> a += k;
                case Op.SUB_K -> a -= k;
                case Op.MUL_K -> a *= k;
                case Op.DIV_K -> a = Integer.divideUnsigned(a, k);
                case Op.MOD_K -> a = Integer.remainderUnsigned(a, k);
                case Op.AND_K -> a &= k;
                case Op.OR_K -> a |= k;
                case Op.XOR_K -> a ^= k;
                case Op.LSH_K -> a <<= k;
                case Op.RSH_K -> a >>>= k;
                case Op.ADD_X -> a += x;
                case Op.SUB_X -> a -= x;
                case Op.MUL_X -> a *= x;
                case Op.DIV_X, Op.MOD_X -> {
                    if (x == 0) {
                        return early(steps, at, a, x, 0);
                    }
                    a = ops[pc] == Op.DIV_X ? Integer.divideUnsigned(a, x) : Integer.remainderUnsigned(a, x);
                }
                case Op.AND_X -> a &= x;
                case Op.OR_X -> a |= x;
                case Op.XOR_X -> a ^= x;
                case Op.LSH_X -> a <<= (x & 31);
                case Op.RSH_X -> a >>>= (x & 31);
                case Op.NEG -> a = -a;
                case Op.JA, Op.JUMP_ALWAYS -> next = tt[pc];
                case Op.JEQ_K -> next = a == k ? tt[pc] : ff[pc];
                case Op.JGT_K -> next = Integer.compareUnsigned(a, k) > 0 ? tt[pc] : ff[pc];
                case Op.JGE_K -> next = Integer.compareUnsigned(a, k) >= 0 ? tt[pc] : ff[pc];
                case Op.JSET_K -> next = (a & k) != 0 ? tt[pc] : ff[pc];
                case Op.JEQ_X -> next = a == x ? tt[pc] : ff[pc];
                case Op.JGT_X -> next = Integer.compareUnsigned(a, x) > 0 ? tt[pc] : ff[pc];
                case Op.JGE_X -> next = Integer.compareUnsigned(a, x) >= 0 ? tt[pc] : ff[pc];
                case Op.JSET_X -> next = (a & x) != 0 ? tt[pc] : ff[pc];
                case Op.LD_SECCOMP_WORD -> a = word(data, start + k, big);
                case Op.LD_ABS_W, Op.LD_ABS_H, Op.LD_ABS_B, Op.LD_IND_W, Op.LD_IND_H, Op.LD_IND_B -> {
                    int size = switch (ops[pc]) {
                        case Op.LD_ABS_W, Op.LD_IND_W -> 4;
                        case Op.LD_ABS_H, Op.LD_IND_H -> 2;
                        default -> 1;
                    };
                    boolean indirect = ops[pc] >= Op.LD_IND_W;
                    v = PacketOps.load(data, start, captured, indirect ? x + k : k, size, meta);
                    if (v < 0) {
                        return early(steps, at, a, x, 0);
                    }
                    a = (int) v;
                }
                case Op.LD_NEG_W, Op.LD_NEG_H, Op.LD_NEG_B -> {
                    int size = ops[pc] == Op.LD_NEG_W ? 4 : ops[pc] == Op.LD_NEG_H ? 2 : 1;
                    v = PacketOps.loadNegative(data, start, captured, k, size, meta);
                    if (v < 0) {
                        return early(steps, at, a, x, 0);
                    }
                    a = (int) v;
                }
                case Op.LDX_MSH -> {
                    v = PacketOps.load(data, start, captured, k, 1, meta);
                    if (v < 0) {
                        return early(steps, at, a, x, 0);
                    }
                    x = ((int) v & 0xf) << 2;
                }
                case Op.LD_ANCILLARY -> {
                    v = PacketOps.ancillary(k, a, x, data, start, captured, meta);
                    if (v < 0) {
                        return early(steps, at, a, x, a);
                    }
                    a = (int) v;
                }
                default -> throw new IllegalStateException("unknown lowered op " + ops[pc] + " at insn " + pc);
            }
            steps.add(new Step(at, a, x));
            pc = next;
        }
    }

    private static Trace early(List<Step> steps, int pc, int a, int x, int result) {
        steps.add(new Step(pc, a, x));
        return new Trace(steps, result, true);
    }

    private static int word(byte[] data, int at, boolean bigEndian) {
        int be = (data[at] & 0xff) << 24 | (data[at + 1] & 0xff) << 16 | (data[at + 2] & 0xff) << 8 | (data[at + 3] & 0xff);
        return bigEndian ? be : Integer.reverseBytes(be);
    }
}
