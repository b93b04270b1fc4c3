package dev.sluice.ebpf.nodes;

import static dev.sluice.ebpf.isa.Opcodes.*;

import com.oracle.truffle.api.CallTarget;
import com.oracle.truffle.api.CompilerAsserts;
import com.oracle.truffle.api.CompilerDirectives;
import com.oracle.truffle.api.CompilerDirectives.CompilationFinal;
import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;
import com.oracle.truffle.api.HostCompilerDirectives.BytecodeInterpreterSwitch;
import com.oracle.truffle.api.frame.Frame;
import com.oracle.truffle.api.frame.FrameDescriptor;
import com.oracle.truffle.api.frame.FrameSlotKind;
import com.oracle.truffle.api.frame.VirtualFrame;
import com.oracle.truffle.api.instrumentation.GenerateWrapper;
import com.oracle.truffle.api.instrumentation.ProbeNode;
import com.oracle.truffle.api.nodes.DirectCallNode;
import com.oracle.truffle.api.nodes.ExplodeLoop;
import com.oracle.truffle.api.nodes.ExplodeLoop.LoopExplosionKind;
import com.oracle.truffle.api.nodes.IndirectCallNode;
import com.oracle.truffle.api.nodes.Node;
import com.oracle.truffle.api.source.SourceSection;
import dev.sluice.core.error.SluiceException;
import dev.sluice.core.interop.UncheckedArrays;
import dev.sluice.core.profile.BranchCounts;
import dev.sluice.core.tools.InstrumentableBody;
import dev.sluice.ebpf.isa.Alu;
import dev.sluice.ebpf.isa.ProgramType;
import dev.sluice.ebpf.lower.LoweredProgram;
import dev.sluice.ebpf.runtime.EbpfFailure;
import dev.sluice.ebpf.runtime.FunctionAddress;
import dev.sluice.ebpf.runtime.Helper;
import dev.sluice.ebpf.runtime.Memory;
import dev.sluice.ebpf.runtime.RunState;

/**
 * Runs one eBPF function (the entry or a local function) in its own frame. The dispatch loop is exploded with
 * MERGE_EXPLODE as GraalWasm does: the pc is a partial-evaluation constant, each instruction is compiled once, and
 * where control reaches a pc it has already compiled with the same frame state (a backward jump), Graal closes a
 * loop instead of unrolling. For that the frame state must be the same at every visit: the registers live in one
 * array (escape analysis turns its elements into machine registers with phis at merges), and the instruction fuel is
 * a field of the run state, not a Java local.
 *
 * <p>Fuel ({@code ebpf.MaxInstructions}) is charged once per basic block, at its first instruction, with the
 * block's length; a run that would pass the limit stops there with a defined error.
 *
 * <p>Instruments (docs/tools.md): the body is its root's instrumentable node ({@code RootTag}, the program's
 * listing). When an instrument asks for statements, {@link #materializeInstrumentableNodes} adds one
 * {@link InstructionNode} per slot of the function and the loop executes instruction pc's node before running it. The
 * field is a child (compilation-final) and null until then, so without instruments the compiled code has none of it.
 */
@GenerateWrapper
public class FunctionBodyNode extends InstrumentableBody {
    @CompilationFinal(dimensions = 1)
    private final int[] opcodes;

    @CompilationFinal(dimensions = 1)
    private final int[] dsts;

    @CompilationFinal(dimensions = 1)
    private final int[] srcs;

    @CompilationFinal(dimensions = 1)
    private final int[] offsets;

    /** The immediates, blinded where {@link #blindingKinds} says so. */
    @CompilationFinal(dimensions = 1)
    private final long[] immediates;
    /**
     * The legacy packet loads that leave r0 in the machine's byte order, as only {@code jeq}, {@code jne}, {@code jset}
     * and {@code and} with immediates read it ({@link NativeOrderR0}); null when there are none. Used only while no
     * instrument watches, so that a debugger shows r0 as the program defines it.
     */
    @CompilationFinal(dimensions = 1)
    private final boolean[] nativeLoads;
    /** {@link #immediates} with those readers' immediates in the machine's order (blinded as the others). */
    @CompilationFinal(dimensions = 1)
    private final long[] nativeImmediates;
    /**
     * Constant blinding (docs/guards.md, "Constant blinding of eBPF"; {@link Blinding}): whether this program's
     * immediates are blinded, and with which key each slot's is ({@link Blinding#PLAIN}, {@code KEY32}, {@code KEY64}).
     */
    private final boolean blinded;

    @CompilationFinal(dimensions = 1)
    private final byte[] blindingKinds;
    /**
     * The program's blinding key, 0 when it is not blinded. Neither final nor compilation-final, so partial evaluation
     * cannot fold it and no blinded immediate is unblinded in compiled code before it runs. Read with a plain read by
     * the roots, once per batch or call ({@link #blindingKey}), and passed to {@link #execute}: read in the body, a
     * batch loop that also calls out of compiled code (helpers) may read it again for every input and unblind every
     * immediate anew (what classic BPF measured: docs/guards.md, "Metering with blinding").
     */
    private long blindingKey;
    /** What {@link #blindingKey} and the blinded immediates came from (the wrapper's copy gets the same). */
    private final Blinding blinding;

    @CompilationFinal(dimensions = 1)
    private final int[] targets;
    /**
     * How often each conditional jump went each way in the interpreter, by pc (core's {@link BranchCounts}): Graal lays
     * out the way most runs go as the fall-through, and a loop's back edge as the likely one.
     */
    private final BranchCounts branchCounts;
    /**
     * With blinding, per slot: a blinded {@code jeq}/{@code jne} with an immediate that is the only such test of its
     * register, neither following nor followed by another of the same register (null when not blinded). On a common path
     * ({@link #loneOnCommonPath}) it compares the register with {@code stored ^ key}, computed once per batch, instead
     * of XORing the register per input: classic BPF's lone comparisons (docs/performance.md, "Lone comparisons").
     */
    @CompilationFinal(dimensions = 1)
    private final boolean[] loneCompares;
    /**
     * Blinded, in a function without fuel: per slot, whether it reads its plain immediate from {@link
     * #immediateData}, a memory operand, instead of unblinding {@code stored ^ key}: a lone {@code jeq}/{@code jne}, a
     * {@code jset} or an {@code and} with a 32-bit immediate (classic BPF's constants as data, docs/guards.md 6.1,
     * "Immediates as data"); else null. The per-batch values of the key form held registers across a batch loop.
     */
    @CompilationFinal(dimensions = 1)
    private final boolean[] dataOperands;
    /**
     * With {@link #dataOperands}: the plain immediates of those slots (0 elsewhere), as data. Not compilation-final,
     * so partial evaluation never folds an element into the code; else null.
     */
    private final long[] immediateData;
    /** {@link #immediateData} with the {@link #nativeLoads} readers' immediates in the machine's order, or null. */
    private final long[] nativeImmediateData;
    /** The function's first conditional jump: what every input that reaches a comparison reaches first. */
    private final int firstBranch;
    /**
     * Whether this function's exits return r0 XOR the key for {@link #execute} to undo: blinded, with an exit that r0
     * reaches blinded. A function whose exits all see r0 plain (a socket filter returning a length or a mov of 0)
     * returns it as it is, without two XORs that would cancel.
     */
    private final boolean exitsBlinded;

    /**
     * With blinding, where r0 is kept in its blinded form ({@link BlindedR0}), else null: per slot, whether r0 is
     * pending when it starts and after it, whether it is unblinded before the slot, whether the slot is a blinded
     * {@code mov r0, K} that stores r0 XOR the key, and what it stores. Every exit of an {@link #exitsBlinded}
     * function returns r0 XOR the key and {@link #execute} applies the key once, after the exits have merged, so a
     * function's verdicts stay constants of the compiled code. Unblinded at each mov, they were values computed from
     * the key: Graal computed them before a batch loop and chose between them with branches where it uses a
     * conditional move for constants (a tree of 31 {@code jgt} cost 3x blinded; docs/guards.md, section 6.1).
     */
    @CompilationFinal(dimensions = 1)
    private final boolean[] r0PendingIn;

    @CompilationFinal(dimensions = 1)
    private final boolean[] r0PendingOut;

    @CompilationFinal(dimensions = 1)
    private final boolean[] r0UnblindBefore;

    @CompilationFinal(dimensions = 1)
    private final boolean[] r0StoresBlinded;

    @CompilationFinal(dimensions = 1)
    private final long[] r0BlindedValues;

    @CompilationFinal(dimensions = 1)
    private final int[] blockCosts;
    /** Per slot, the region the verifier proved the load or store inside (no guard), or 0. */
    @CompilationFinal(dimensions = 1)
    private final int[] provenRegions;

    @CompilationFinal(dimensions = 1)
    private final Helper[] helpers;
    /** Index into {@link #localCalls} of the local call at each slot. */
    @CompilationFinal(dimensions = 1)
    private final int[] callSlots;

    private final int entry;
    private final int end;
    private final ProgramType type;
    /** The region LD_ABS/LD_IND read: the packet of the program type. */
    private final int packetRegion;
    /** Loads from an xdp_md give packet pointers; stores to an __sk_buff may only write cb[]. */
    private final boolean xdpContext;

    private final boolean skbContext;

    @Children
    private final DirectCallNode[] localCalls;

    @Child
    private IndirectCallNode indirectCall;
    /** Every function of the program, by index, for callx. */
    @CompilationFinal(dimensions = 1)
    private CallTarget[] functions;
    /** The program and the function's index, for the listing instruments see and the wrapper's copy. */
    private final LoweredProgram program;

    private final int function;
    /** One statement node per slot of the function, created when an instrument first asks for statements; else null. */
    @Child
    private InstructionProbes probes;
    /**
     * The frame of a root running a body: register ri in slot i (r0-r10), written as the body runs, so that
     * instruments see the registers as the instruction about to run does ({@link #registers}). Frame slots, not an
     * array: each store into an array is a state split, and partial evaluation made and deleted a frame state for each
     * at a cost that grew with the square of the function's length (classic BPF's FilterBodyNode has the measurement).
     */
    public static FrameDescriptor frameDescriptor() {
        FrameDescriptor.Builder b = FrameDescriptor.newBuilder(REGISTERS);
        for (int i = 0; i < REGISTERS; i++) {
            b.addSlot(FrameSlotKind.Long, "r" + i, null);
        }
        return b.build();
    }

    /** A copy of r0-r10 as a body keeps them in this frame, or null when no body has run in it. */
    @ExplodeLoop
    public static long[] registers(Frame frame) {
        if (frame == null || !frame.isLong(0)) {
            return null;
        }
        long[] registers = new long[REGISTERS];
        for (int i = 0; i < REGISTERS; i++) {
            registers[i] = frame.getLong(i);
        }
        return registers;
    }

    private volatile InstructionListing listing;

    /** @param blinding the program's blinded immediates and key, or null when they are not blinded */
    public FunctionBodyNode(LoweredProgram program, int function, Blinding blinding) {
        this.program = program;
        this.function = function;
        this.blinding = blinding;
        this.opcodes = program.opcodes();
        this.dsts = program.dsts();
        this.srcs = program.srcs();
        this.offsets = program.offsets();
        this.blinded = blinding != null;
        this.immediates = blinded ? blinding.immediates() : program.immediates();
        this.blindingKinds = blinded ? blinding.kinds() : null;
        this.blindingKey = blinded ? blinding.key() : 0;
        NativeOrderR0 nativeOrder = NativeOrderR0.of(program);
        this.nativeLoads = nativeOrder == null ? null : nativeOrder.loads();
        this.nativeImmediates = nativeOrder == null ? null : nativeImmediates(nativeOrder, immediates, blindingKinds);
        this.targets = program.targets();
        this.branchCounts = new BranchCounts(program.length());
        this.loneCompares = blinded ? loneCompares(program, blindingKinds) : null;
        BlindedR0 r0 = blinded ? BlindedR0.of(program, blinding) : null;
        this.r0PendingIn = blinded ? r0.pendingIn() : null;
        this.r0PendingOut = blinded ? r0.pendingOut() : null;
        this.r0UnblindBefore = blinded ? r0.unblindBefore() : null;
        this.r0StoresBlinded = blinded ? r0.storesBlinded() : null;
        this.r0BlindedValues = blinded ? r0.blindedValues() : null;
        this.blockCosts = program.blockCosts();
        this.provenRegions = program.provenRegions();
        this.entry = program.functionEntries()[function];
        this.type = program.type();
        this.packetRegion = type == ProgramType.RAW ? Memory.CONTEXT : Memory.PACKET;
        this.xdpContext = type == ProgramType.XDP;
        this.skbContext = type == ProgramType.SOCKET_FILTER;
        this.end = function + 1 < program.functionCount() ? program.functionEntries()[function + 1] : program.length();
        int first = entry;
        while (first < end - 1 && (opcodes[first] < 0 || !isConditionalJump(opcodes[first]))) {
            first++;
        }
        this.firstBranch = first;
        boolean pendingExit = false;
        for (int pc = entry; blinded && pc < end; pc++) {
            pendingExit |= opcodes[pc] == (JMP | EXIT) && r0PendingIn[pc];
        }
        this.exitsBlinded = pendingExit;
        this.helpers = new Helper[program.length()];
        this.callSlots = new int[program.length()];
        int calls = 0;
        for (int pc = entry; pc < end; pc++) {
            if (opcodes[pc] == (JMP | CALL) && srcs[pc] == CALL_HELPER) {
                helpers[pc] = Helper.lookup(type, program.immediates()[pc]);
            } else if (opcodes[pc] == (JMP | CALL) && srcs[pc] == CALL_LOCAL) {
                callSlots[pc] = calls++;
            }
        }
        this.localCalls = new DirectCallNode[calls];
        this.dataOperands = blinded ? dataOperands(program, blindingKinds, loneCompares, entry, end) : null;
        this.immediateData = dataOperands != null ? onlyData(program.immediates(), dataOperands) : null;
        this.nativeImmediateData = dataOperands != null && nativeOrder != null
                ? onlyData(plainNativeImmediates(nativeOrder), dataOperands)
                : null;
    }

    /**
     * {@link #dataOperands} of the slots [entry, end), or null when there are fewer than two or the function has fuel
     * (like classic BPF's metered bodies, which keep the key form). Data operands cost a register for the array's base
     * and a load per use, the key form a register per value: with one such slot the key form holds fewer (XDP's lone
     * {@code jne}; docs/guards.md 6.1, "Immediates as data", has the measurements).
     */
    static boolean[] dataOperands(LoweredProgram program, byte[] kinds, boolean[] lone, int entry, int end) {
        int[] opcodes = program.opcodes();
        boolean[] data = new boolean[opcodes.length];
        int slots = 0;
        for (int pc = entry; pc < end; pc++) {
            if (program.blockCosts()[pc] != 0) {
                return null;
            }
            int opcode = opcodes[pc];
            if (opcode < 0 || kinds[pc] != Blinding.KEY32 || source(opcode) != K) {
                continue;
            }
            boolean jump = cls(opcode) == JMP || cls(opcode) == JMP32;
            boolean alu = cls(opcode) == ALU || cls(opcode) == ALU64;
            data[pc] = jump && (lone[pc] || op(opcode) == JSET) || alu && op(opcode) == AND;
            slots += data[pc] ? 1 : 0;
        }
        return slots >= 2 ? data : null;
    }

    /** {@code values} where {@code data} is set, else 0: the data arrays hold only what the code reads from them. */
    private static long[] onlyData(long[] values, boolean[] data) {
        long[] kept = new long[values.length];
        for (int pc = 0; pc < values.length; pc++) {
            kept[pc] = data[pc] ? values[pc] : 0;
        }
        return kept;
    }

    /** The program's plain immediates with the {@code plan}'s converted slots in the machine's order. */
    private long[] plainNativeImmediates(NativeOrderR0 plan) {
        long[] result = program.immediates().clone();
        for (int pc : plan.converted()) {
            result[pc] = plan.immediates()[pc];
        }
        return result;
    }

    /** Whether slot {@code pc} is a blinded {@code jeq} or {@code jne} (64- or 32-bit) with an immediate. */
    private static boolean blindedEquality(int[] opcodes, byte[] kinds, int pc) {
        int opcode = opcodes[pc];
        return opcode >= 0
                && (cls(opcode) == JMP || cls(opcode) == JMP32)
                && (op(opcode) == JEQ || op(opcode) == JNE)
                && source(opcode) == K
                && kinds[pc] != Blinding.PLAIN;
    }

    /** {@link #loneCompares}: blinded equality tests none of whose successors tests the same register so. */
    static boolean[] loneCompares(LoweredProgram program, byte[] kinds) {
        int[] opcodes = program.opcodes();
        int n = opcodes.length;
        boolean[] chained = new boolean[n];
        for (int pc = 0; pc < n; pc++) {
            if (blindedEquality(opcodes, kinds, pc)) {
                for (int next : new int[] {pc + 1, program.targets()[pc]}) {
                    if (next >= 0
                            && next < n
                            && blindedEquality(opcodes, kinds, next)
                            && program.dsts()[next] == program.dsts()[pc]) {
                        chained[pc] = true;
                        chained[next] = true;
                    }
                }
            }
        }
        boolean[] lone = new boolean[n];
        for (int pc = 0; pc < n; pc++) {
            lone[pc] = blindedEquality(opcodes, kinds, pc) && !chained[pc];
        }
        return lone;
    }

    /** A {@link #loneCompares lone comparison} that at least half the runs reaching the first jump reach. */
    private boolean loneOnCommonPath(int pc) {
        return loneCompares[pc] && 2L * branchCounts.reached(pc) >= branchCounts.reached(firstBranch);
    }

    /** The immediates with those of {@code plan}'s converted slots replaced, blinded with this body's key. */
    private long[] nativeImmediates(NativeOrderR0 plan, long[] stored, byte[] kinds) {
        long[] result = stored.clone();
        for (int pc : plan.converted()) {
            result[pc] = plan.immediates()[pc] ^ (blinded ? Blinding.keyFor(kinds[pc], blindingKey) : 0);
        }
        return result;
    }

    /**
     * For the generated wrapper (which only delegates: its children are never linked). Built from the same program
     * and function, so that it stays a faithful copy whatever fields the body gains.
     */
    protected FunctionBodyNode(FunctionBodyNode copy) {
        this(copy.program, copy.function, copy.blinding);
    }

    /** Connects the local calls of this function to the call targets of the program's functions. */
    public final void link(CallTarget[] allFunctions) {
        this.functions = allFunctions;
        for (int pc = entry; pc < end; pc++) {
            if (opcodes[pc] == (JMP | CALL) && srcs[pc] == CALL_LOCAL) {
                localCalls[callSlots[pc]] = insert(DirectCallNode.create(allFunctions[targets[pc]]));
            }
        }
        this.indirectCall = insert(IndirectCallNode.create());
    }

    /** Instruction slots of the whole program. */
    public final int length() {
        return opcodes.length;
    }

    /** The instructions of this body's own function (its calls run other call targets). */
    public final int functionLength() {
        return end - entry;
    }

    /** The key this program's immediates are blinded with, 0 when they are not: what the roots pass to execute. */
    public final long blindingKey() {
        return blinded ? blindingKey : 0;
    }

    /**
     * Runs the function in stack frame {@code frame} with arguments r1-r5; returns r0.
     *
     * @param regs the frame of the root running this body, whose slot i holds register ri (instruments see it)
     * @param key {@link #blindingKey()}, read by the caller
     */
    public long execute(
            VirtualFrame regs, RunState state, int frame, long r1, long r2, long r3, long r4, long r5, long key) {
        state.memory.enterFrame(frame);
        regs.setLong(0, 0);
        regs.setLong(1, r1);
        regs.setLong(2, r2);
        regs.setLong(3, r3);
        regs.setLong(4, r4);
        regs.setLong(5, r5);
        regs.setLong(6, 0);
        regs.setLong(7, 0);
        regs.setLong(8, 0);
        regs.setLong(9, 0);
        regs.setLong(FRAME_POINTER, Memory.stackPointer(frame));
        long exit = run(regs, state, frame, key);
        dropRegisters(regs);
        return exitsBlinded ? exit ^ (int) key : exit;
    }

    /**
     * Clears the register slots after a run, in compiled code: a batch root's loop keeps one frame for all its runs,
     * and the frame states of deoptimization points in the loop name it, so without the clear the last run's
     * registers stayed live across the loop's back edge. The interpreter skips it: the next run sets every slot first.
     */
    private static void dropRegisters(VirtualFrame regs) {
        if (CompilerDirectives.inCompiledCode()) {
            clearRegisters(regs);
        }
    }

    /**
     * Clears the register slots (their tags too): what a compiled run leaves, and what a batch root gives them before
     * its loop, so that the loop's header sees one state on entry and on every back edge (classic BPF's BatchRootNode).
     */
    @ExplodeLoop
    public static void clearRegisters(VirtualFrame regs) {
        for (int i = 0; i < REGISTERS; i++) {
            regs.clear(i);
        }
    }

    /** What an exit returns for a plain r0: r0 XOR the key's low half (sign-extended) when {@link #exitsBlinded}. */
    private long exitValue(long r0, long key32) {
        return exitsBlinded ? r0 ^ key32 : r0;
    }

    /**
     * Control passes from slot {@code from} to slot {@code to}: where r0 is pending after {@code from} but not when
     * {@code to} starts (a merge with a path that wrote r0 plainly), it is unblinded on the way. Both slots are
     * constants of the exploded loop, so this folds to nothing or to one XOR.
     */
    private int step(int from, int to, VirtualFrame regs, long key32, boolean trackR0) {
        if (trackR0 && r0PendingOut[from] && !r0PendingIn[to]) {
            regs.setLong(0, regs.getLong(0) ^ key32);
        }
        return to;
    }

    @ExplodeLoop(kind = LoopExplosionKind.MERGE_EXPLODE)
    @BytecodeInterpreterSwitch
    private long run(VirtualFrame regs, RunState state, int frame, long key) {
        final Memory memory = state.memory;
        // 32-bit immediates are blinded with the key's low half, sign-extended (Blinding).
        final long key32 = (int) key;
        final long offsetKey = blinded ? Blinding.offsetKey(key) : 0;
        // Blinded and without instruments (a debugger shows r0 as the instruction sees it): r0 may be kept blinded.
        // Decided once per run, so that one run keeps one convention even if an instrument attaches meanwhile.
        final boolean trackR0 = blinded && probes == null;
        // The same for legacy loads left in the machine's byte order (NativeOrderR0).
        final boolean nativeR0 = nativeLoads != null && probes == null;
        if (dataOperands != null) {
            // No instruction on x86, but no read moves across it: the data operands are read in each run, not once
            // before a batch loop into registers (classic BPF's FilterBodyNode.run).
            UncheckedArrays.loadFence();
        }
        int pc = entry;
        while (true) {
            CompilerAsserts.partialEvaluationConstant(pc);
            final int cost = blockCosts[pc];
            if (cost != 0) {
                long left = state.fuel - cost;
                if (left < 0) {
                    throw outOfFuel(state, pc);
                }
                state.fuel = left;
            }
            if (probes != null) {
                probes.enter(regs, pc);
            }
            if (trackR0 && r0UnblindBefore[pc]) {
                regs.setLong(0, regs.getLong(0) ^ key32); // this slot touches r0: its plain value
            }
            final int opcode = opcodes[pc];
            final int dst = dsts[pc];
            final int src = srcs[pc];
            final int off = offsets[pc];
            // Read here, where pc is a constant of the exploded loop: a plain slot's immediate folds to a constant, a
            // blinded one is a constant XORed with the run's key.
            final long stored = nativeR0 ? nativeImmediates[pc] : immediates[pc];
            final byte blindingKind = blinded ? blindingKinds[pc] : Blinding.PLAIN;
            // A data operand is read from memory where the slot uses it (dataOperands), not unblinded.
            final boolean asData = dataOperands != null && dataOperands[pc];
            final long imm = asData
                    ? (nativeR0 ? nativeImmediateData[pc] : immediateData[pc])
                    : blindingKind == Blinding.KEY32
                            ? stored ^ key32
                            : blindingKind == Blinding.KEY64 ? stored ^ key : stored;
            switch (cls(opcode)) {
                case ALU64: {
                    if (trackR0 && r0StoresBlinded[pc]) {
                        regs.setLong(0, r0BlindedValues[pc]); // mov r0, K: K ^ key, r0 XOR the key, unblinded when used
                        pc = step(pc, pc + 1, regs, key32, trackR0);
                        break;
                    }
                    int op = op(opcode);
                    if (op == END) {
                        regs.setLong(dst, Alu.byteSwap(true, (int) imm, regs.getLong(dst)));
                    } else {
                        regs.setLong(
                                dst,
                                Alu.alu64(op, regs.getLong(dst), source(opcode) == X ? regs.getLong(src) : imm, off));
                    }
                    pc = step(pc, pc + 1, regs, key32, trackR0);
                    break;
                }
                case ALU: {
                    if (trackR0 && r0StoresBlinded[pc]) {
                        regs.setLong(0, r0BlindedValues[pc]); // mov32 r0, K: K zero-extended, XOR the key (BlindedR0)
                        pc = step(pc, pc + 1, regs, key32, trackR0);
                        break;
                    }
                    int op = op(opcode);
                    if (op == END) {
                        regs.setLong(dst, Alu.byteSwap(source(opcode) == TO_BE, (int) imm, regs.getLong(dst)));
                    } else {
                        regs.setLong(
                                dst,
                                Alu.alu32(op, regs.getLong(dst), source(opcode) == X ? regs.getLong(src) : imm, off));
                    }
                    pc = step(pc, pc + 1, regs, key32, trackR0);
                    break;
                }
                case JMP: {
                    int op = op(opcode);
                    // What an exit returns, decided here: the code after the exit's test is outside the exploded loop,
                    // where the exits of all iterations have merged and pc is no longer a constant (reading r0PendingIn
                    // there cost a load and a branch per run). Unused by other jumps, so partial evaluation drops it.
                    // r0 reaching an exit blinded also makes the verdict known nonzero (RunState.verdictNonzero).
                    final boolean exitBlinded = trackR0 && r0PendingIn[pc];
                    final long exitR0 = exitBlinded ? regs.getLong(0) : exitValue(regs.getLong(0), key32);
                    if (op == JA) {
                        pc = step(pc, targets[pc], regs, key32, trackR0);
                    } else if (op == EXIT) {
                        if (blinded) {
                            state.verdictNonzero = exitBlinded;
                        }
                        return exitR0;
                    } else if (op == CALL) {
                        // Every kind of call takes r1-r5 as its arguments and returns r0.
                        final long a1 = regs.getLong(1);
                        final long a2 = regs.getLong(2);
                        final long a3 = regs.getLong(3);
                        final long a4 = regs.getLong(4);
                        final long a5 = regs.getLong(5);
                        final long result;
                        if (source(opcode) == X) {
                            result = callIndirect(state, frame, regs.getLong(dst), a1, a2, a3, a4, a5, pc);
                        } else if (src == CALL_LOCAL) {
                            if (frame + 1 >= Memory.MAX_FRAMES) {
                                throw tooManyFrames(pc, frame + 1);
                            }
                            result = (long) localCalls[callSlots[pc]].call(state, frame + 1, a1, a2, a3, a4, a5);
                        } else {
                            result = Helpers.call(helpers[pc], state, a1, a2, a3, a4, a5, pc, this);
                        }
                        regs.setLong(0, result);
                        pc = step(pc, pc + 1, regs, key32, trackR0);
                    } else if (blindingKind != Blinding.PLAIN && (op == JEQ || op == JNE)) {
                        // dst == imm exactly when dst ^ key == imm ^ key, the stored value: a chain of tests of one
                        // register shares one XOR of it and compares with constants that are not the author's. A lone
                        // test compares dst with imm: read as data (dataOperands), or, in a function with fuel and on
                        // a common path, computed once per batch; no XOR per run either way.
                        boolean test = asData || loneOnCommonPath(pc)
                                ? Alu.condition64(op, regs.getLong(dst), imm)
                                : Alu.condition64(op, regs.getLong(dst) ^ key32, stored);
                        if (branchCounts.profile(pc, test)) {
                            pc = step(pc, targets[pc], regs, key32, trackR0);
                        } else {
                            pc = step(pc, pc + 1, regs, key32, trackR0);
                        }
                    } else if (provenRegions[pc] == Memory.PACKET) {
                        // A packet pointer against the packet's end, both in the packet's region (the verifier's
                        // proof): the offsets decide, and in that form the compiler sees the program's bounds check
                        // imply the one of each proven packet access (MemoryGuard.provenInside), and drops that.
                        if (branchCounts.profile(
                                pc,
                                Alu.condition64(
                                        op, regs.getLong(dst) & 0xffffffffL, regs.getLong(src) & 0xffffffffL))) {
                            pc = step(pc, targets[pc], regs, key32, trackR0);
                        } else {
                            pc = step(pc, pc + 1, regs, key32, trackR0);
                        }
                    } else if (branchCounts.profile(
                            pc,
                            Alu.condition64(op, regs.getLong(dst), source(opcode) == X ? regs.getLong(src) : imm))) {
                        pc = step(pc, targets[pc], regs, key32, trackR0);
                    } else {
                        pc = step(pc, pc + 1, regs, key32, trackR0);
                    }
                    break;
                }
                case JMP32: {
                    int op = op(opcode);
                    if (op == JA) {
                        pc = step(pc, targets[pc], regs, key32, trackR0);
                    } else if (blindingKind != Blinding.PLAIN && (op == JEQ || op == JNE)) {
                        // As for JMP: equal low halves exactly when equal after XOR with the same key.
                        boolean test = asData || loneOnCommonPath(pc)
                                ? Alu.condition32(op, regs.getLong(dst), imm)
                                : Alu.condition32(op, regs.getLong(dst) ^ key32, stored);
                        if (branchCounts.profile(pc, test)) {
                            pc = step(pc, targets[pc], regs, key32, trackR0);
                        } else {
                            pc = step(pc, pc + 1, regs, key32, trackR0);
                        }
                    } else if (branchCounts.profile(
                            pc,
                            Alu.condition32(op, regs.getLong(dst), source(opcode) == X ? regs.getLong(src) : imm))) {
                        pc = step(pc, targets[pc], regs, key32, trackR0);
                    } else {
                        pc = step(pc, pc + 1, regs, key32, trackR0);
                    }
                    break;
                }
                case LDX: {
                    long address = regs.getLong(src) + off;
                    int size = sizeBytes(opcode);
                    final int proven = provenRegions[pc];
                    if (proven == 0 && xdpContext && (address >>> 32) == Memory.CONTEXT) {
                        regs.setLong(
                                dst, ContextAccess.xdpLoad(memory, address, size, mode(opcode) == MEMSX, pc, this));
                    } else {
                        regs.setLong(
                                dst,
                                mode(opcode) == MEMSX
                                        ? MemoryGuard.loadSigned(memory, address, size, proven, pc, this)
                                        : MemoryGuard.load(memory, address, size, proven, pc, this));
                    }
                    pc = step(pc, pc + 1, regs, key32, trackR0);
                    break;
                }
                case ST: {
                    final int proven = provenRegions[pc];
                    if (skbContext && proven == 0) {
                        ContextAccess.checkSkbStore(regs.getLong(dst) + off, sizeBytes(opcode), pc, this);
                    }
                    MemoryGuard.store(memory, regs.getLong(dst) + off, sizeBytes(opcode), imm, proven, pc, this);
                    pc = step(pc, pc + 1, regs, key32, trackR0);
                    break;
                }
                case STX: {
                    long address = regs.getLong(dst) + off;
                    int size = sizeBytes(opcode);
                    final int proven = provenRegions[pc];
                    if (skbContext && proven == 0) {
                        ContextAccess.checkSkbStore(address, size, pc, this);
                    }
                    if (mode(opcode) == ATOMIC) {
                        int code = (int) imm;
                        long old = MemoryGuard.atomic(
                                memory, address, size, code, regs.getLong(src), regs.getLong(0), pc, this);
                        if (code == CMPXCHG) {
                            regs.setLong(0, old);
                        } else if ((code & FETCH) != 0) {
                            regs.setLong(src, old);
                        }
                    } else {
                        MemoryGuard.store(memory, address, size, regs.getLong(src), proven, pc, this);
                    }
                    pc = step(pc, pc + 1, regs, key32, trackR0);
                    break;
                }
                case LD: {
                    if (opcode == LDDW) {
                        regs.setLong(dst, imm);
                        pc = step(pc, pc + 2, regs, key32, trackR0);
                        break;
                    }
                    // Legacy packet access: r0 = the packet's bytes at imm (ABS) or src + imm (IND), big-endian.
                    // The kernel adds in 64 bits and passes the helper an int (net/core/filter.c, bpf_gen_ld_abs).
                    final int size = sizeBytes(opcode);
                    long value;
                    if (blindingKind == Blinding.OFFSET && mode(opcode) == ABS) {
                        // stored = imm + offsetKey, imm >= 0 (Blinding.offsetKey): checked and read without imm.
                        value = MemoryGuard.loadPacketBlinded(
                                memory, packetRegion, stored, size, offsetKey, nativeR0 && nativeLoads[pc]);
                    } else if (blindingKind == Blinding.OFFSET
                            && Long.compareUnsigned(regs.getLong(src), MemoryGuard.SMALL_INDEX) < 0) {
                        // LD_IND with imm >= 0 (an OFFSET slot) and 0 <= src < 2^30, a test the register's range
                        // usually decides at compile time: src + imm is a non-negative offset or, wrapped to an int,
                        // none the kernel maps, so the blinded check of LD_ABS applies to src + stored. Through the
                        // general path, the key's sum hid from the compiler that the offset cannot be negative: two
                        // more compares and the negative windows' code on every load.
                        value = MemoryGuard.loadPacketBlinded(
                                memory,
                                packetRegion,
                                regs.getLong(src) + stored,
                                size,
                                offsetKey,
                                nativeR0 && nativeLoads[pc]);
                    } else {
                        // An OFFSET slot here is LD_IND's immediate (imm >= 0; src, unsigned, at least 2^30), kept
                        // as imm + offsetKey.
                        int k = mode(opcode) == ABS
                                ? (int) imm
                                : (int)
                                        (blindingKind == Blinding.OFFSET
                                                ? regs.getLong(src) - offsetKey + stored
                                                : regs.getLong(src) + imm);
                        value = MemoryGuard.loadPacket(
                                memory, packetRegion, memory.legacyOffset(k), size, nativeR0 && nativeLoads[pc]);
                    }
                    if (value < 0) {
                        return exitValue(0, key32); // outside the packet: the kernel ends the program with 0
                    }
                    regs.setLong(0, value);
                    pc = step(pc, pc + 1, regs, key32, trackR0);
                    break;
                }
                default:
                    throw CompilerDirectives.shouldNotReachHere("unchecked opcode");
            }
        }
    }

    /** callx: a function address (lddw src 4) calls that function; a helper id of this program type calls the helper. */
    private long callIndirect(
            RunState state, int frame, long target, long r1, long r2, long r3, long r4, long r5, int pc) {
        if (FunctionAddress.is(target)
                && FunctionAddress.function(target) >= 0
                && FunctionAddress.function(target) < functions.length) {
            if (frame + 1 >= Memory.MAX_FRAMES) {
                throw tooManyFrames(pc, frame + 1);
            }
            return (long) indirectCall.call(
                    functions[FunctionAddress.function(target)], state, frame + 1, r1, r2, r3, r4, r5);
        }
        Helper helper = lookupHelper(type, target);
        if (helper == null) {
            CompilerDirectives.transferToInterpreter();
            throw SluiceException.atNode(this, EbpfFailure.BAD_CALL_TARGET, pc, target, type.id());
        }
        return callHelperBoundary(helper, state, r1, r2, r3, r4, r5, pc, this);
    }

    @TruffleBoundary
    private static Helper lookupHelper(ProgramType type, long id) {
        return Helper.lookup(type, id);
    }

    @TruffleBoundary
    private static long callHelperBoundary(
            Helper helper, RunState state, long r1, long r2, long r3, long r4, long r5, int pc, Node node) {
        return Helpers.call(helper, state, r1, r2, r3, r4, r5, pc, node);
    }

    private RuntimeException outOfFuel(RunState state, int pc) {
        CompilerDirectives.transferToInterpreter();
        if (state.verdictOverLimit) {
            return new dev.sluice.ebpf.runtime.LimitReached();
        }
        return SluiceException.atNode(this, EbpfFailure.INSTRUCTION_LIMIT, pc, state.maxInstructions);
    }

    private SluiceException tooManyFrames(int pc, int frame) {
        CompilerDirectives.transferToInterpreter();
        return SluiceException.atNode(this, EbpfFailure.TOO_MANY_FRAMES, pc, frame + 1, Memory.MAX_FRAMES);
    }

    @Override
    public boolean isInstrumentable() {
        return true;
    }

    @Override
    protected SourceSection bodySection() {
        return listing().program();
    }

    /** The lowered program this function belongs to. */
    final LoweredProgram loweredProgram() {
        return program;
    }

    /** The program's listing, made on first use (the name is the root's program's). */
    @TruffleBoundary
    final InstructionListing listing() {
        InstructionListing l = listing;
        if (l == null) {
            synchronized (this) {
                l = listing;
                if (l == null) {
                    String name = getRootNode() instanceof ProgramNamed root
                            ? root.programName()
                            : String.valueOf(getRootNode());
                    listing = l = InstructionListing.of(
                            program.program(),
                            name,
                            getRootNode().getLanguageInfo().getId());
                }
            }
        }
        return l;
    }

    @Override
    public WrapperNode createWrapper(ProbeNode probe) {
        return new FunctionBodyNodeWrapper(this, this, probe);
    }

    @Override
    protected boolean hasStatements() {
        return probes != null;
    }

    @Override
    protected void addStatements() {
        probes = insert(new InstructionProbes(this, entry, end));
        notifyInserted(probes);
    }
}
