package dev.sluice.bpf.nodes;

import com.oracle.truffle.api.CompilerAsserts;
import com.oracle.truffle.api.CompilerDirectives;
import com.oracle.truffle.api.frame.VirtualFrame;
import com.oracle.truffle.api.memory.ByteArraySupport;
import com.oracle.truffle.api.nodes.ExplodeLoop;
import dev.sluice.bpf.isa.Opcodes;
import dev.sluice.bpf.lower.LoweredProgram;
import dev.sluice.bpf.lower.Op;
import dev.sluice.bpf.lower.OperationTrace;
import dev.sluice.bpf.runtime.PacketMeta;
import dev.sluice.bpf.runtime.PacketOps;

/**
 * Predicated, branch-free execution for constant-time programs. Every instruction is evaluated once, in program order
 * (a topological order, since jumps go forward). Each instruction has a reach mask (all ones if the run reaches it,
 * else zero) and an incoming state (A, X, M[]) that is the OR of its predecessors' outgoing states, each ANDed with the
 * mask of the edge taken. Exactly one incoming edge of a reached instruction is taken, so the OR selects its state.
 * Conditions become masks by arithmetic, never by a branch, so neither the interpreter nor Graal's compiled code
 * takes a data-dependent branch on the secret (see docs/constant-time.md). {@link SecretTaint} has already rejected
 * what this cannot hide (secret memory offsets, secret divisors).
 *
 * <p>An optional {@link OperationTrace} sees every evaluated operation in order; tests use it to show the sequence is
 * identical for all inputs.
 *
 * <p>Constant blinding (docs/guards.md) as in {@link FilterBodyNode}: the same constants are stored as {@code k ^ key}
 * and unblinded where used, one XOR with the run's key, the same for every input, so blinding adds no secret-dependent
 * work.
 */
public final class ConstantTimeBodyNode extends ProgramBodyNode {
    private static final ByteArraySupport BIG = ByteArraySupport.bigEndian();
    private static final ByteArraySupport LITTLE = ByteArraySupport.littleEndian();
    private static final int M = Opcodes.MEMWORDS;

    private final OperationTrace trace;

    /** @param blinded whether the program's constants are blinded (bpf.ConstantBlinding) */
    public ConstantTimeBodyNode(LoweredProgram program, OperationTrace trace, boolean blinded) {
        super(program, blinded);
        this.trace = trace;
    }

    /** -1 if a >= b (signed ints, as used for offsets and lengths), else 0. */
    private static int atLeast(int a, int b) {
        return (int) ~(((long) a - (long) b) >> 63);
    }

    @Override
    public int execute(VirtualFrame frame, byte[] data, int start, int captured, int wireLength, PacketMeta meta) {
        return run(data, start, captured, wireLength, meta, blindingKey());
    }

    @Override
    public int runInBatch(
            VirtualFrame frame,
            byte[] data,
            int start,
            int captured,
            int wireLength,
            PacketMeta meta,
            int key,
            BatchTally tally) {
        return run(data, start, captured, wireLength, meta, key);
    }

    @ExplodeLoop
    private int run(byte[] data, int start, int captured, int wireLength, PacketMeta meta, int key) {
        final int n = ops.length;
        final int[] inA = new int[n];
        final int[] inX = new int[n];
        final int[] inM = new int[n * M];
        final int[] reach = new int[n];
        reach[0] = -1;
        int result = 0;
        for (int pc = 0; pc < n; pc++) {
            CompilerAsserts.partialEvaluationConstant(pc);
            if (trace != null) {
                traceOperation(pc);
            }
            final int r = reach[pc];
            final int k = blinded && blindable[pc] ? constants[pc] ^ key : constants[pc];
            int a = inA[pc];
            int x = inX[pc];
            int exit = 0; // mask of runs that end here returning 0 (or A for LD_ANCILLARY without device)
            int exitValue = 0;
            int storeIndex = -1;
            int storeValue = 0;
            switch (ops[pc]) {
                case Op.RET_K:
                    result |= k & r;
                    continue;
                case Op.RET_A:
                    result |= a & r;
                    continue;
                case Op.JA:
                case Op.JUMP_ALWAYS:
                    propagate(inA, inX, inM, reach, pc, trueTargets[pc], a, x, r);
                    continue;
                case Op.JEQ_K:
                case Op.JGT_K:
                case Op.JGE_K:
                case Op.JSET_K:
                case Op.JEQ_X:
                case Op.JGT_X:
                case Op.JGE_X:
                case Op.JSET_X: {
                    int c = OpSemantics.jumpMask(ops[pc], a, x, k);
                    propagate(inA, inX, inM, reach, pc, trueTargets[pc], a, x, r & c);
                    propagate(inA, inX, inM, reach, pc, falseTargets[pc], a, x, r & ~c);
                    continue;
                }
                case Op.LD_IMM:
                    a = k;
                    break;
                case Op.LDX_IMM:
                    x = k;
                    break;
                case Op.LD_LEN:
                    a = wireLength;
                    break;
                case Op.LDX_LEN:
                    x = wireLength;
                    break;
                case Op.LD_MEM:
                    a = inM[pc * M + k];
                    break;
                case Op.LDX_MEM:
                    x = inM[pc * M + k];
                    break;
                case Op.ST:
                    storeIndex = k;
                    storeValue = a;
                    break;
                case Op.STX:
                    storeIndex = k;
                    storeValue = x;
                    break;
                case Op.TAX:
                    x = a;
                    break;
                case Op.TXA:
                    a = x;
                    break;
                case Op.ADD_K:
                case Op.SUB_K:
                case Op.MUL_K:
                case Op.DIV_K:
                case Op.MOD_K:
                case Op.AND_K:
                case Op.OR_K:
                case Op.XOR_K:
                case Op.LSH_K:
                case Op.RSH_K:
                case Op.ADD_X:
                case Op.SUB_X:
                case Op.MUL_X:
                case Op.AND_X:
                case Op.OR_X:
                case Op.XOR_X:
                case Op.LSH_X:
                case Op.RSH_X:
                case Op.NEG:
                    a = OpSemantics.alu(ops[pc], a, x, k);
                    break;
                case Op.DIV_X:
                case Op.MOD_X: {
                    // X is public here (SecretTaint), so the divisor fix-up is about X = 0 only.
                    if (trace != null) {
                        traceValue(pc, x);
                    }
                    int zero = ~OpSemantics.nonZero(x);
                    int safe = x | (zero & 1);
                    a = OpSemantics.alu(ops[pc], a, safe, k);
                    exit = zero;
                    break;
                }
                case Op.LD_SECCOMP_WORD:
                    a = bigEndianData ? BIG.getInt(data, start + k) : LITTLE.getInt(data, start + k);
                    break;
                case Op.LD_ABS_W:
                case Op.LD_ABS_H:
                case Op.LD_ABS_B: {
                    // The bounds test depends on the public length only; the read address is constant.
                    int size = OpSemantics.loadSize(ops[pc]);
                    int ok = atLeast(captured - size, k);
                    int at = start + (k & ok);
                    if (trace != null) {
                        traceValue(pc, at);
                    }
                    int v = readClamped(data, at, size, start + captured);
                    a = (v & ok) | (a & ~ok);
                    exit = ~ok;
                    break;
                }
                case Op.LD_IND_W:
                case Op.LD_IND_H:
                case Op.LD_IND_B:
                case Op.LD_NEG_W:
                case Op.LD_NEG_H:
                case Op.LD_NEG_B:
                case Op.LDX_MSH: {
                    // Offsets here are public (SecretTaint), so the helper's branches depend on public data only.
                    int op = ops[pc];
                    int size = OpSemantics.loadSize(op);
                    int offset = OpSemantics.indexedByX(op) ? x + k : k;
                    if (trace != null) {
                        traceValue(pc, offset);
                    }
                    long v = PacketOps.load(data, start, captured, offset, size, meta);
                    int ok = (int) ~(v >> 63);
                    if (op == Op.LDX_MSH) {
                        x = (OpSemantics.headerLength((int) v) & ok) | (x & ~ok);
                    } else {
                        a = ((int) v & ok) | (a & ~ok);
                    }
                    exit = ~ok;
                    break;
                }
                case Op.LD_ANCILLARY: {
                    long v = trace != null
                            ? tracedAncillary(pc, k, a, x, data, start, captured, meta)
                            : PacketOps.ancillary(k, a, x, data, start, captured, meta);
                    int ok = (int) ~(v >> 63);
                    exitValue = a;
                    a = ((int) v & ok) | (a & ~ok);
                    exit = ~ok;
                    break;
                }
                default:
                    throw CompilerDirectives.shouldNotReachHere("unknown lowered op");
            }
            result |= exitValue & r & exit;
            int next = r & ~exit;
            if (pc + 1 < n) {
                int to = pc + 1;
                inA[to] |= a & next;
                inX[to] |= x & next;
                for (int i = 0; i < M; i++) {
                    int v = i == storeIndex ? storeValue : inM[pc * M + i];
                    inM[to * M + i] |= v & next;
                }
                reach[to] |= next;
            }
        }
        return result;
    }

    @ExplodeLoop
    private static void propagate(
            int[] inA, int[] inX, int[] inM, int[] reach, int from, int to, int a, int x, int mask) {
        inA[to] |= a & mask;
        inX[to] |= x & mask;
        for (int i = 0; i < M; i++) {
            inM[to * M + i] |= inM[from * M + i] & mask;
        }
        reach[to] |= mask;
    }

    /** Reads big-endian; bytes at or past {@code end} (only possible when the load is out of bounds) read as 0. */
    @ExplodeLoop
    private static int readClamped(byte[] data, int at, int size, int end) {
        int v = 0;
        for (int i = 0; i < size; i++) {
            int idx = at + i;
            int inRange = atLeast(end - 1, idx) & atLeast(data.length - 1, idx);
            int safe = idx & inRange;
            int b = data.length == 0 ? 0 : data[safe] & 0xff;
            v = (v << 8) | (b & inRange);
        }
        return v;
    }

    @CompilerDirectives.TruffleBoundary
    private void traceOperation(int pc) {
        trace.operation(pc, ops[pc]);
    }

    @CompilerDirectives.TruffleBoundary
    private void traceValue(int pc, long value) {
        trace.dependsOn(pc, value);
    }

    /** An ancillary load that reports each attribute offset a netlink walk visits. */
    @CompilerDirectives.TruffleBoundary
    private long tracedAncillary(int pc, int k, int a, int x, byte[] data, int start, int captured, PacketMeta meta) {
        return PacketOps.ancillary(k, a, x, data, start, captured, meta, at -> trace.dependsOn(pc, at));
    }
}
