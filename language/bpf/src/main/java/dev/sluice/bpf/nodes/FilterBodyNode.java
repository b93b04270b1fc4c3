package dev.sluice.bpf.nodes;

import com.oracle.truffle.api.CompilerAsserts;
import com.oracle.truffle.api.CompilerDirectives;
import com.oracle.truffle.api.CompilerDirectives.CompilationFinal;
import com.oracle.truffle.api.HostCompilerDirectives.BytecodeInterpreterSwitch;
import com.oracle.truffle.api.frame.VirtualFrame;
import com.oracle.truffle.api.nodes.ExplodeLoop;
import com.oracle.truffle.api.nodes.ExplodeLoop.LoopExplosionKind;
import com.oracle.truffle.api.source.SourceSection;
import dev.sluice.bpf.isa.Profile;
import dev.sluice.bpf.lower.LoweredProgram;
import dev.sluice.bpf.lower.NativeOrderPlan;
import dev.sluice.bpf.lower.Op;
import dev.sluice.bpf.runtime.PacketMeta;
import dev.sluice.bpf.runtime.PacketOps;
import dev.sluice.core.guard.BlindingKeys;
import dev.sluice.core.guard.Budget;
import dev.sluice.core.interop.UncheckedArrays;
import dev.sluice.core.profile.BranchCounts;

/**
 * Runs one lowered filter on one input. The dispatch loop is exploded with MERGE_EXPLODE, as GraalWasm does: the
 * program counter is a partial-evaluation constant, so Graal turns the filter into straight-line code with one copy
 * per instruction and merges where jumps meet. Classic BPF only jumps forward, so the explosion is bounded by the
 * program length.
 *
 * <p>Registers and scratch memory are locals of one execution: nothing survives a run (Jitk bug class 4).
 *
 * <p>Instruments (docs/tools.md): the body is the root's instrumentable node ({@code RootTag}) when the program has an
 * {@link InstructionSource}. When an instrument asks for statements, {@link #materializeInstrumentableNodes} adds one
 * {@link InstructionNode} per instruction and the loop executes instruction pc's node before running it. The field is
 * a child (compilation-final) and null until then, so without instruments the compiled code has no trace of it; the
 * loop's pc is a constant, so with instruments each instruction calls exactly its own probe.
 */
public final class FilterBodyNode extends ProgramBodyNode {
    /** Register file layout: the accumulator, the index register, then the scratch memory words. */

    /** Guards (docs/guards.md): final, so without a budget partial evaluation removes every check. */
    private final boolean metered;

    private final boolean accounted;
    private final int staticLimit;
    private final Budget budget;
    /**
     * With blinding, the comparands of {@code jgt #k} and {@code jge #k} as {@code k + key'} in 64 bits (k unsigned,
     * {@code key'} the {@link #orderedKey}), else null. XOR does not keep order, so these compare {@code A + key'} with
     * the stored sum, which does: neither sum wraps. Unblinding {@code k ^ key} instead gave Graal one key-derived value per
     * comparison, all invariant in a batch loop: it computed them before the loop and kept them on the stack, so every
     * comparison of a seccomp tree read memory (docs/guards.md, "Ordered comparisons"). The sums are immediates, and
     * {@code A + key'} is one add shared by a chain of comparisons of the same A.
     */
    @CompilationFinal(dimensions = 1)
    private final long[] orderedComparands;
    /**
     * With blinding, how {@link #orderedKey} makes the key added to both sides of an ordered comparison: {@link
     * #WIDE_ORDER}, or the random offset that keeps every stored sum a signed 32-bit value ({@link #orderedOffset}).
     */
    private final long orderedOffset;
    /**
     * By pc: a {@code jeq #k} that is the only comparison of its A (no {@code jeq #k} right before or after it on any
     * path). Blinded, where most inputs reach it, it compares A with {@code stored ^ key}, a value Graal computes once
     * per batch, where a chain shares one {@code A ^ key} per input (docs/performance.md, "Lone comparisons").
     */
    @CompilationFinal(dimensions = 1)
    private final boolean[] loneCompares;
    /**
     * Blinded, not metered, a socket filter: by pc, whether the instruction reads its constant from {@link
     * #constantData}, as a memory operand, instead of unblinding the stored {@code k ^ key} ({@link DataOperands});
     * else null.
     */
    @CompilationFinal(dimensions = 1)
    private final boolean[] dataOperands;
    /**
     * With {@link #dataOperands}: the plain constants of those instructions (0 elsewhere), as data. Not
     * compilation-final, so partial evaluation never folds an element into the code: compiled code reads it from memory
     * where the instruction uses it. Else null.
     */
    private final int[] constantData;
    /** {@link #constantData} in the machine's byte order where {@link #nativeLoads} apply; null without them. */
    private final int[] nativeConstantData;

    /** The first conditional jump: what every input that reaches a comparison reaches first ({@link #loneCompares}). */
    private final int firstBranch;

    /**
     * The end of the furthest absolute packet load (k + size), 0 if the program has none. A packet with at least this
     * many captured bytes cannot fail an absolute load, so the loads need no bounds check of their own: one check per
     * packet suffices ({@link #run}).
     */
    private final int absoluteLoadsEnd;
    /**
     * The halfword and word packet loads that leave A in the machine's byte order, as their only readers compare or
     * mask it ({@link NativeOrderPlan}); null when there are none. Used only while no instrument watches, so that a
     * debugger shows A as the program defines it.
     */
    @CompilationFinal(dimensions = 1)
    private final boolean[] nativeLoads;
    /** {@link #constants} with the comparands and masks of those loads' readers in the machine's order (blinded). */
    @CompilationFinal(dimensions = 1)
    private final int[] nativeConstants;
    /**
     * Whether a packet shorter than {@link #absoluteLoadsEnd} has come. Until one does, compiled code holds only the
     * copy of the program without the per-load checks and deoptimizes on a short packet; from then on only the checked
     * copy. Speculating instead of compiling both copies keeps the code size, and keeps an unpredictable branch on the
     * packet length out of traffic that mixes short and long packets. Correctness never depends on it: the unchecked
     * copy runs only for packets long enough for every absolute load.
     */
    @CompilationFinal
    private boolean shortPacketSeen;
    /**
     * How often each conditional jump went each way in the interpreter (core's {@link BranchCounts}): Graal lays out
     * the way most inputs go as the fall-through. Without it a filter that ends most packets at its first compare
     * ({@code vlan and ...}) ran that common path through four taken jumps.
     */
    private final BranchCounts branchCounts;
    /** Whether runs count their nonzero results in the frame (a batch root's body: {@link #countsAccepted}). */
    private final boolean countsAccepted;
    /** By pc: 1 for a {@code ret #k} with k nonzero (that exit counts 1), else 0. */
    @CompilationFinal(dimensions = 1)
    private final int[] acceptingExits;

    /** The source of each instruction, or null: then instruments do not see this body. */
    private final InstructionSource source;
    /** One statement node per instruction, created when an instrument first asks for statements; else null. */
    @Child
    private InstructionProbes probes;

    public FilterBodyNode(LoweredProgram program) {
        this(program, null, null);
    }

    /** @param budget the filter's budget, or null for none */
    public FilterBodyNode(LoweredProgram program, Budget budget) {
        this(program, budget, null);
    }

    /**
     * @param budget the filter's budget, or null for none
     * @param source the source of each instruction (for instruments), or null
     */
    public FilterBodyNode(LoweredProgram program, Budget budget, InstructionSource source) {
        this(program, budget, source, false);
    }

    /**
     * @param budget the filter's budget, or null for none
     * @param source the source of each instruction (for instruments), or null
     * @param countsAccepted whether runs count their nonzero results in the frame ({@link #countsAccepted})
     */
    public FilterBodyNode(LoweredProgram program, Budget budget, InstructionSource source, boolean countsAccepted) {
        super(program, budget != null && budget.options().constantBlinding());
        this.source = source;
        this.countsAccepted = countsAccepted;
        this.acceptingExits = acceptingExits(program.ops(), program.constants());
        this.metered = budget != null && budget.options().budgeted() && budget.needsMetering(program.longestPath());
        this.accounted = metered && budget.accounted();
        this.staticLimit = budget == null ? 0 : budget.staticLimit();
        this.budget = budget;
        this.loneCompares = loneCompares(program);
        this.firstBranch = firstBranch(program.ops());
        this.orderedOffset = blinded ? orderedOffset(program.ops(), program.constants(), BlindingKeys.newWideKey()) : 0;
        this.orderedComparands = blinded
                ? orderedComparands(program.ops(), program.constants(), orderedKey(blindingKey(), orderedOffset))
                : null;
        this.absoluteLoadsEnd = absoluteLoadsEnd(program.ops(), program.constants());
        NativeOrderPlan plan = NativeOrderPlan.of(program);
        this.nativeLoads = plan == null ? null : plan.loads();
        this.nativeConstants = plan == null
                ? null
                : blinded ? BlindingKeys.blind(plan.constants(), blindable, blindingKey()) : plan.constants();
        this.branchCounts = new BranchCounts(program.ops().length);
        // Socket filters only. Metered bodies keep the key form: with the meter's exit after every instruction, the
        // reads took the compiled batch loop of a 208-instruction seccomp tree from 158 to 466 stack accesses. Seccomp
        // trees keep it too: unmetered, that tree's blinded batch cost 5-24% over none with the reads, -5-+2% without
        // (docs/guards.md, "Constants as data").
        this.dataOperands =
                blinded && !metered && program.profile() != Profile.SECCOMP ? DataOperands.of(program) : null;
        this.constantData = dataOperands != null ? onlyData(program.constants(), dataOperands) : null;
        this.nativeConstantData =
                dataOperands != null && plan != null ? onlyData(plan.constants(), dataOperands) : null;
    }

    /** {@code values} where {@code data} is set, else 0: the data arrays hold only what the code reads from them. */
    private static int[] onlyData(int[] values, boolean[] data) {
        int[] kept = new int[values.length];
        for (int pc = 0; pc < values.length; pc++) {
            kept[pc] = data[pc] ? values[pc] : 0;
        }
        return kept;
    }

    /**
     * The plain constant of instruction pc, read from memory at run time ({@link #dataOperands}). Graal moves a read of
     * unchanging memory out of a loop and keeps the value in a register, as it did with the key form; the load fence
     * before each run ({@link #run}) keeps these reads inside the run, where they become memory operands.
     */
    private int constantAsData(int pc, boolean nativeOrder) {
        return nativeOrder ? nativeConstantData[pc] : constantData[pc];
    }

    /** Whether each instruction is a {@code ret #k} with k nonzero (from the plain constants, so never blinded). */
    private static int[] acceptingExits(int[] ops, int[] constants) {
        int[] accepting = new int[ops.length];
        for (int pc = 0; pc < ops.length; pc++) {
            accepting[pc] = ops[pc] == Op.RET_K && constants[pc] != 0 ? 1 : 0;
        }
        return accepting;
    }

    @Override
    public boolean countsAccepted() {
        return countsAccepted;
    }

    /** Counts a run's result in the frame when this body counts ({@link #countsAccepted}); returns it. */
    private int counted(VirtualFrame frame, int verdict) {
        if (countsAccepted) {
            frame.setLong(ACCEPTED_SLOT, frame.getLong(ACCEPTED_SLOT) + UncheckedArrays.nonzero(verdict));
        }
        return verdict;
    }

    /** {@code k + orderedKey} (k unsigned, in 64 bits) for each {@code jgt #k} and {@code jge #k}; 0 elsewhere. */
    static long[] orderedComparands(int[] ops, int[] constants, long orderedKey) {
        long[] sums = new long[ops.length];
        for (int pc = 0; pc < ops.length; pc++) {
            if (ops[pc] == Op.JGT_K || ops[pc] == Op.JGE_K) {
                sums[pc] = Integer.toUnsignedLong(constants[pc]) + orderedKey;
            }
        }
        return sums;
    }

    /** {@link #orderedOffset} when the comparands spread too widely for signed 32-bit sums: the key unsigned. */
    static final long WIDE_ORDER = Long.MIN_VALUE;

    /**
     * The key an ordered comparison adds to A and to k. Wide ({@link #WIDE_ORDER}): the key read as unsigned, so sums lie
     * in [0, 2^33), and a stored sum of 2^31 or more is no immediate of a 64-bit x86 compare: Graal kept such
     * comparands in registers across a batch loop (a seccomp tree's crowded loop then spilled its own state). Narrow:
     * the key's top 31 bits, signed, plus a random per-program offset that keeps every comparand's sum in [-2^31,
     * 2^31), an immediate operand. The offset is a constant of compiled code, so it is drawn at random from all those
     * that fit (at least 2^30 of them), not derived from the comparands: it says of them only that they fit.
     */
    static long orderedKey(int key, long offset) {
        return offset == WIDE_ORDER ? Integer.toUnsignedLong(key) : (key >> 1) + offset;
    }

    /**
     * The offset for {@link #orderedKey}, drawn with {@code random} (64 random bits) from the offsets with which the key's
     * top 31 bits (in [-2^30, 2^30)) keep every comparand's sum a signed 32-bit value: [-2^30 - min, 2^30 - max];
     * {@link #WIDE_ORDER} when there are no ordered comparisons or they spread over more than 2^30 (fewer than 2^30
     * offsets fit).
     */
    static long orderedOffset(int[] ops, int[] constants, long random) {
        long min = Long.MAX_VALUE, max = Long.MIN_VALUE;
        for (int pc = 0; pc < ops.length; pc++) {
            if (ops[pc] == Op.JGT_K || ops[pc] == Op.JGE_K) {
                long k = Integer.toUnsignedLong(constants[pc]);
                min = Math.min(min, k);
                max = Math.max(max, k);
            }
        }
        if (min > max || max - min > 1L << 30) {
            return WIDE_ORDER;
        }
        long lowest = -(1L << 30) - min;
        long choices = (1L << 30) - max - lowest + 1; // 2^31 - (max - min) + 1
        return lowest + Math.floorMod(random, choices);
    }

    /** A {@link #loneCompares lone comparison} that at least half the inputs reaching the first jump reach. */
    private boolean loneOnCommonPath(int pc) {
        return loneCompares[pc] && 2L * branchCounts.reached(pc) >= branchCounts.reached(firstBranch);
    }

    private static int firstBranch(int[] ops) {
        for (int pc = 0; pc < ops.length; pc++) {
            if (ops[pc] >= Op.JEQ_K && ops[pc] <= Op.JSET_X) {
                return pc;
            }
        }
        return 0;
    }

    static boolean[] loneCompares(LoweredProgram program) {
        // A chain of one: no jeq #k right before or after it on any path.
        int[] chains = DataOperands.chainSizes(program);
        boolean[] lone = new boolean[chains.length];
        for (int pc = 0; pc < chains.length; pc++) {
            lone[pc] = chains[pc] == 1;
        }
        return lone;
    }

    /** The largest k + size over the absolute packet loads (offsets are plain, never blinded), or 0. */
    static int absoluteLoadsEnd(int[] ops, int[] constants) {
        long end = 0;
        for (int pc = 0; pc < ops.length; pc++) {
            int size = switch (ops[pc]) {
                case Op.LD_ABS_W -> 4;
                case Op.LD_ABS_H -> 2;
                case Op.LD_ABS_B -> 1;
                default -> 0;
            };
            if (size > 0) {
                end = Math.max(end, (constants[pc] & 0xffffffffL) + size);
            }
        }
        // The verifier keeps absolute offsets below the largest packet; beyond int range no packet is long enough.
        return (int) Math.min(end, Integer.MAX_VALUE);
    }

    /**
     * Whether {@code size} bytes at {@code offset} lie in the captured bytes, in one compare: read as unsigned, a
     * negative offset is at least 2^31 and fails it.
     */
    private static boolean inPacket(int offset, int captured, int size) {
        return (offset & 0xffffffffL) + size <= captured;
    }

    /**
     * @param data the bytes; the packet (or struct seccomp_data) starts at {@code start}
     * @param start index of skb->data in {@code data}
     * @param captured bytes available from {@code start} (caplen for a capture; 64 for seccomp)
     * @param wireLength the packet's length as the kernel's skb->len (what LEN loads give)
     * @param meta ancillary values and header offsets (socket filters)
     * @return the 32-bit return value
     */
    @Override
    public int execute(VirtualFrame frame, byte[] data, int start, int captured, int wireLength, PacketMeta meta) {
        return runWithKey(
                frame, data, start, captured, wireLength, meta, blindingKey(), accounted ? budget.lease() : null);
    }

    /** @param lease the calling thread's lease when the budget is {@link #accounted}, else null */
    private int runWithKey(
            VirtualFrame frame,
            byte[] data,
            int start,
            int captured,
            int wireLength,
            PacketMeta meta,
            int key,
            Budget.Lease lease) {
        if (metered) {
            return executeMetered(frame, data, start, captured, wireLength, meta, key, lease);
        }
        return run(frame, data, start, captured, wireLength, meta, null, key);
    }

    @Override
    public BatchTally startBatch() {
        return accounted ? new BatchTally(budget.lease()) : null;
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
        if (!accounted || budget.windowed()) {
            // Unmetered, metered against the static limit only, or admitted one by one against a window.
            return runWithKey(frame, data, start, captured, wireLength, meta, key, accounted ? tally.lease : null);
        }
        // Counters only: every invocation is admitted with the static limit, so the batch counts in its tally and
        // charges the lease once, in endBatch.
        InstructionMeter meter = new InstructionMeter(staticLimit);
        try {
            return run(frame, data, start, captured, wireLength, meta, meter, key);
        } finally {
            tally.instructions += staticLimit - meter.remaining;
        }
    }

    @Override
    public void endBatch(BatchTally tally, long runs) {
        // A windowed budget admitted and charged each run through the lease already (runInBatch).
        if (tally != null && !budget.windowed() && runs > 0) {
            budget.settle(tally.lease, runs, tally.instructions);
        }
    }

    /** One bounds check per packet for every absolute load, while no short packet has come. */
    private int run(
            VirtualFrame frame,
            byte[] data,
            int start,
            int captured,
            int wireLength,
            PacketMeta meta,
            InstructionMeter meter,
            int key) {
        if (Integer.toUnsignedLong(start) + Integer.toUnsignedLong(captured) > data.length) {
            // Every caller passes a span inside data (the batch roots check it in the same form, so in their compiled
            // code this check folds away); the packet loads' unchecked reads (UncheckedArrays) rely on it. Negative
            // values are at least 2^31 read as unsigned, so one compare covers them.
            CompilerDirectives.transferToInterpreter();
            throw CompilerDirectives.shouldNotReachHere("packet span outside its array");
        }
        if (dataOperands != null) {
            // No instruction on x86, but no read may move across it: the constants read as data (dataOperands) are
            // read in each run, not once before a batch loop into registers it needs for its own state.
            UncheckedArrays.loadFence();
        }
        if (absoluteLoadsEnd > 0 && !shortPacketSeen) {
            if (captured >= absoluteLoadsEnd) {
                int v = interpret(frame, data, start, captured, wireLength, meta, meter, key, false);
                dropRegisters(frame);
                return xorKey(v, key);
            }
            CompilerDirectives.transferToInterpreterAndInvalidate();
            shortPacketSeen = true;
        }
        int v = interpret(frame, data, start, captured, wireLength, meta, meter, key, true);
        dropRegisters(frame);
        return xorKey(v, key);
    }

    /**
     * Clears the register slots after a run, in compiled code. A batch root's loop keeps one frame for all its runs,
     * and the frame states of deoptimization points early in the loop name it: without the clear, the registers' values
     * of the last run were live across the loop's back edge (18 more values; the host list ran 30% slower). The
     * interpreter skips it, since nothing reads the slots before the next run resets them ({@link #resetRegisters}).
     */
    private static void dropRegisters(VirtualFrame frame) {
        if (CompilerDirectives.inCompiledCode()) {
            clearRegisters(frame);
        }
    }

    /**
     * XOR with the key when blinded (its own inverse): turns a verdict into the value an exit of {@link #interpret}
     * returns, and that value back into the verdict. With blinding, every exit returns its verdict XOR the key, so that
     * a returned constant is the stored {@code k ^ key} itself, and the key is applied once, in {@link #run}, after the
     * exits have merged. Unblinded at each {@code ret #k} instead, the verdicts of a filter's exits would be values
     * computed from the key, not constants: Graal then keeps each unblinded verdict in a register across a batch loop
     * (spilling others) and chooses between them with branches where it uses conditional moves for constants.
     */
    private int xorKey(int value, int key) {
        return blinded ? value ^ key : value;
    }

    /**
     * The value of {@link #interpret}'s {@code exitEdge} after a jump from {@code from} to {@code target}: metered, a
     * jump into a {@code ret} gets a value of its own (from + 1), every other jump 0. MERGE_EXPLODE merges two paths into
     * one copy of an instruction only when their locals are equal, so each jump into a shared {@code ret} then gets its
     * own copy of it, where the meter's count is still the constant of its path: a merged copy made the count a phi at
     * each shared exit of a seccomp tree, those exits could not merge into the function's return, and the tree's last
     * jumps chose between verdicts with branches instead of conditional moves (docs/guards.md, "Exits copied per
     * jump"). Bounded: one copy of a one-instruction {@code ret} per jump edge; 0 keeps every other merge as it was.
     */
    private int exitEdge(int from, int target) {
        return metered && ops[target] == Op.RET_K ? from + 1 : 0;
    }

    /**
     * Admits the invocation, runs it with its instruction limit, and charges what it executed (also when it throws).
     *
     * @param lease the calling thread's lease when the budget is {@link #accounted}, else null
     */
    private int executeMetered(
            VirtualFrame frame,
            byte[] data,
            int start,
            int captured,
            int wireLength,
            PacketMeta meta,
            int key,
            Budget.Lease lease) {
        if (!accounted) {
            // Only bpf.MaxInstructions: no bookkeeping outside this invocation.
            return run(frame, data, start, captured, wireLength, meta, new InstructionMeter(staticLimit), key);
        }
        // The thread's share of the window: admitting and charging take no lock until it runs dry.
        if (!budget.admit(lease)) {
            return counted(frame, budget.refuse(this));
        }
        int limit = budget.instructionLimit(lease);
        // Allocated here and never escaping, so the counter lives in a register in compiled code.
        InstructionMeter meter = new InstructionMeter(limit);
        try {
            return run(frame, data, start, captured, wireLength, meta, meter, key);
        } finally {
            budget.charge(lease, limit - meter.remaining);
        }
    }

    /** A run starts with A and X 0, as in the kernel, and M[] 0 (the verifier admits no read before a store). */
    @ExplodeLoop
    private static void resetRegisters(VirtualFrame frame) {
        for (int slot = A_SLOT; slot < A_SLOT + REGISTER_SLOTS; slot++) {
            frame.setInt(slot, 0);
        }
    }

    @ExplodeLoop(kind = LoopExplosionKind.MERGE_EXPLODE)
    @BytecodeInterpreterSwitch
    private int interpret(
            VirtualFrame frame,
            byte[] data,
            int start,
            int captured,
            int wireLength,
            PacketMeta meta,
            InstructionMeter meter,
            int key,
            boolean checkAbsoluteLoads) {
        // A, X and M[] live in frame slots, not in Java locals: MERGE_EXPLODE merges two paths into one copy of an
        // instruction only when every local holds the same value, so non-constant registers in locals would copy each
        // instruction once per path reaching it (exponential in the number of if/else diamonds; a 256-instruction
        // program failed with "too many loop explosion iterations"). Escape analysis turns the virtual frame's slots
        // into registers with phis at the merges. Not in an array either: each store into one is a state split, and
        // partial evaluation made a frame state for each that it later deleted, along with those of the merges of
        // straight-line code; every frame state names the same parameters, and each deletion searched their usage
        // lists, so the cost grew with the square of the program's length (docs/performance.md, "Registers in frame
        // slots").
        resetRegisters(frame);
        // Fixed for the run: instruments inserted while it runs must not see a native value or compare with one.
        final boolean nativeOrder = nativeLoads != null && probes == null;
        int pc = 0;
        int exitEdge = 0; // a local, so that paths into a shared ret stay apart (see exitEdge)
        while (true) {
            CompilerAsserts.partialEvaluationConstant(pc);
            CompilerAsserts.partialEvaluationConstant(exitEdge);
            if (metered) {
                if (meter.remaining <= 0) {
                    return xorKey(counted(frame, budget.stop(this, pc, meter.limit)), key);
                }
                meter.remaining--;
            }
            if (probes != null) {
                probes.enter(frame, pc);
            }
            // Read here, where pc is a constant of the exploded loop, so that partial evaluation folds the reads (read
            // in the RET_K case instead, the accepting flag stayed a load from the array, at an index Graal merged).
            final int stored = nativeOrder ? nativeConstants[pc] : constants[pc];
            final boolean nativeLoad = nativeOrder && nativeLoads[pc];
            final int accepting = acceptingExits[pc];
            final int k = blinded && blindable[pc] ? stored ^ key : stored;
            switch (ops[pc]) {
                case Op.RET_K:
                    if (countsAccepted) {
                        frame.setLong(ACCEPTED_SLOT, frame.getLong(ACCEPTED_SLOT) + accepting);
                    }
                    return stored; // blinded: k ^ key, the exit value of verdict k (xorKey)
                case Op.RET_A:
                    return xorKey(counted(frame, frame.getInt(A_SLOT)), key);
                case Op.LD_IMM:
                    frame.setInt(A_SLOT, k);
                    pc++;
                    break;
                case Op.LDX_IMM:
                    frame.setInt(X_SLOT, k);
                    pc++;
                    break;
                case Op.LD_LEN:
                    frame.setInt(A_SLOT, wireLength);
                    pc++;
                    break;
                case Op.LDX_LEN:
                    frame.setInt(X_SLOT, wireLength);
                    pc++;
                    break;
                case Op.LD_MEM:
                    frame.setInt(A_SLOT, frame.getInt(M_SLOT + k));
                    pc++;
                    break;
                case Op.LDX_MEM:
                    frame.setInt(X_SLOT, frame.getInt(M_SLOT + k));
                    pc++;
                    break;
                case Op.ST:
                    frame.setInt(M_SLOT + k, frame.getInt(A_SLOT));
                    pc++;
                    break;
                case Op.STX:
                    frame.setInt(M_SLOT + k, frame.getInt(X_SLOT));
                    pc++;
                    break;
                case Op.TAX:
                    frame.setInt(X_SLOT, frame.getInt(A_SLOT));
                    pc++;
                    break;
                case Op.TXA:
                    frame.setInt(A_SLOT, frame.getInt(X_SLOT));
                    pc++;
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
                    // An and #k may read its k as data (DataOperands).
                    frame.setInt(
                            A_SLOT,
                            OpSemantics.alu(
                                    ops[pc],
                                    frame.getInt(A_SLOT),
                                    frame.getInt(X_SLOT),
                                    dataOperands != null && dataOperands[pc] ? constantAsData(pc, nativeOrder) : k));
                    pc++;
                    break;
                case Op.DIV_X:
                case Op.MOD_X:
                    if (frame.getInt(X_SLOT) == 0) {
                        return xorKey(0, key); // the kernel ends the program with 0
                    }
                    frame.setInt(A_SLOT, OpSemantics.alu(ops[pc], frame.getInt(A_SLOT), frame.getInt(X_SLOT), k));
                    pc++;
                    break;
                case Op.JA:
                case Op.JUMP_ALWAYS:
                    exitEdge = exitEdge(pc, trueTargets[pc]);
                    pc = trueTargets[pc];
                    break;
                case Op.JEQ_K:
                case Op.JGT_K:
                case Op.JGE_K:
                case Op.JSET_K:
                case Op.JEQ_X:
                case Op.JGT_X:
                case Op.JGE_X:
                case Op.JSET_X: {
                    // ops[pc] is a constant of the exploded loop: only one of these conditions is compiled per jump.
                    boolean taken;
                    if (dataOperands != null && dataOperands[pc]) {
                        // A compare or test with a memory operand (DataOperands); k is no immediate of the code.
                        taken = OpSemantics.jumpTaken(
                                ops[pc], frame.getInt(A_SLOT), frame.getInt(X_SLOT), constantAsData(pc, nativeOrder));
                    } else if (ops[pc] == Op.JEQ_K) {
                        // Blinded: A == k exactly when A ^ key == k ^ key, the stored constant. One XOR of A, shared by
                        // a chain of comparisons of the same A (a host list), and compares with immediates that are not
                        // k. A lone comparison of its A on the path most inputs take compares A with k = stored ^ key
                        // instead: no XOR per input, and a value computed once per batch, worth its register only on a
                        // common path.
                        taken = blinded && !loneOnCommonPath(pc)
                                ? (frame.getInt(A_SLOT) ^ key) == stored
                                : frame.getInt(A_SLOT) == k;
                    } else if (blinded && (ops[pc] == Op.JGT_K || ops[pc] == Op.JGE_K)) {
                        // A > k exactly when A + key' > k + key', with no wrap-around in 64 bits (orderedComparands).
                        long shifted = Integer.toUnsignedLong(frame.getInt(A_SLOT)) + orderedKey(key, orderedOffset);
                        long comparand = orderedComparands[pc];
                        taken = ops[pc] == Op.JGT_K ? shifted > comparand : shifted >= comparand;
                    } else {
                        taken = OpSemantics.jumpTaken(ops[pc], frame.getInt(A_SLOT), frame.getInt(X_SLOT), k);
                    }
                    // The branch stays here, not in a helper: a helper's return would merge both targets into one
                    // value, and the exploded loop needs pc constant on each path.
                    if (branchCounts.profile(pc, taken)) {
                        exitEdge = exitEdge(pc, trueTargets[pc]);
                        pc = trueTargets[pc];
                    } else {
                        exitEdge = exitEdge(pc, falseTargets[pc]);
                        pc = falseTargets[pc];
                    }
                    break;
                }
                case Op.LD_SECCOMP_WORD:
                    if (k < 0 || k > captured - 4) {
                        // The verifier keeps seccomp loads inside struct seccomp_data, and every caller passes 64 bytes
                        // (the batch checks the record size first, so in compiled code this folds away).
                        CompilerDirectives.transferToInterpreter();
                        throw CompilerDirectives.shouldNotReachHere("seccomp_data load outside the record");
                    }
                    frame.setInt(
                            A_SLOT,
                            bigEndianData
                                    ? UncheckedArrays.getInt(data, (long) start + k)
                                    : UncheckedArrays.getIntLittleEndian(data, (long) start + k));
                    pc++;
                    break;
                case Op.LD_ABS_W:
                    if (checkAbsoluteLoads && k > captured - 4) {
                        return xorKey(0, key);
                    }
                    frame.setInt(
                            A_SLOT,
                            nativeLoad
                                    ? UncheckedArrays.getIntNative(data, (long) start + k)
                                    : UncheckedArrays.getInt(data, (long) start + k));
                    pc++;
                    break;
                case Op.LD_ABS_H:
                    if (checkAbsoluteLoads && k > captured - 2) {
                        return xorKey(0, key);
                    }
                    frame.setInt(
                            A_SLOT,
                            nativeLoad
                                    ? UncheckedArrays.getUnsignedShortNative(data, (long) start + k)
                                    : UncheckedArrays.getUnsignedShort(data, (long) start + k));
                    pc++;
                    break;
                case Op.LD_ABS_B:
                    if (checkAbsoluteLoads && k >= captured) {
                        return xorKey(0, key);
                    }
                    frame.setInt(A_SLOT, UncheckedArrays.getUnsignedByte(data, (long) start + k));
                    pc++;
                    break;
                case Op.LD_IND_W:
                case Op.LD_IND_H:
                case Op.LD_IND_B: {
                    final int size = OpSemantics.loadSize(ops[pc]);
                    final int offset = frame.getInt(X_SLOT) + k;
                    if (inPacket(offset, captured, size)) {
                        frame.setInt(
                                A_SLOT,
                                nativeLoad
                                        ? (int) UncheckedArrays.readNative(data, (long) start + offset, size)
                                        : (int) UncheckedArrays.read(data, (long) start + offset, size));
                    } else {
                        // Negative offsets address the network or link-layer header (SKF_NET_OFF, SKF_LL_OFF).
                        long v = offset < 0 ? PacketOps.loadNegative(data, start, captured, offset, size, meta) : -1;
                        if (v < 0) {
                            return xorKey(0, key); // out of the packet: the kernel ends the program with 0
                        }
                        frame.setInt(A_SLOT, nativeLoad ? NativeOrderPlan.toNative((int) v, size) : (int) v);
                    }
                    pc++;
                    break;
                }
                case Op.LD_NEG_W:
                case Op.LD_NEG_H:
                case Op.LD_NEG_B: {
                    long v = PacketOps.loadNegative(data, start, captured, k, OpSemantics.loadSize(ops[pc]), meta);
                    if (v < 0) {
                        return xorKey(0, key);
                    }
                    frame.setInt(A_SLOT, (int) v);
                    pc++;
                    break;
                }
                case Op.LDX_MSH: {
                    if (inPacket(k, captured, 1)) {
                        frame.setInt(
                                X_SLOT,
                                OpSemantics.headerLength(UncheckedArrays.getUnsignedByte(data, (long) start + k)));
                        pc++;
                        break;
                    }
                    long v = PacketOps.load(data, start, captured, k, 1, meta);
                    if (v < 0) {
                        return xorKey(0, key);
                    }
                    frame.setInt(X_SLOT, OpSemantics.headerLength((int) v));
                    pc++;
                    break;
                }
                case Op.LD_ANCILLARY: {
                    long v = PacketOps.ancillary(
                            k, frame.getInt(A_SLOT), frame.getInt(X_SLOT), data, start, captured, meta);
                    if (v < 0) {
                        // No device behind ifidx/hatype: the kernel's converted code exits with A.
                        return xorKey(counted(frame, frame.getInt(A_SLOT)), key);
                    }
                    frame.setInt(A_SLOT, (int) v);
                    pc++;
                    break;
                }
                default:
                    throw CompilerDirectives.shouldNotReachHere("unknown lowered op");
            }
        }
    }

    @Override
    public boolean isInstrumentable() {
        return source != null;
    }

    @Override
    protected SourceSection bodySection() {
        return source == null ? null : source.program();
    }

    @Override
    protected boolean hasStatements() {
        return probes != null;
    }

    @Override
    protected void addStatements() {
        probes = insert(new InstructionProbes(source, ops.length));
        notifyInserted(probes);
    }
}
