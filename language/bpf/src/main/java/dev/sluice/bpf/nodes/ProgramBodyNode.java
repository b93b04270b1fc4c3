package dev.sluice.bpf.nodes;

import com.oracle.truffle.api.CompilerDirectives.CompilationFinal;
import com.oracle.truffle.api.frame.Frame;
import com.oracle.truffle.api.frame.FrameDescriptor;
import com.oracle.truffle.api.frame.FrameSlotKind;
import com.oracle.truffle.api.frame.VirtualFrame;
import com.oracle.truffle.api.instrumentation.GenerateWrapper;
import com.oracle.truffle.api.instrumentation.ProbeNode;
import com.oracle.truffle.api.nodes.ExplodeLoop;
import com.oracle.truffle.api.source.SourceSection;
import dev.sluice.bpf.isa.Opcodes;
import dev.sluice.bpf.lower.LoweredProgram;
import dev.sluice.bpf.runtime.PacketMeta;
import dev.sluice.core.guard.BlindingKeys;
import dev.sluice.core.tools.InstrumentableBody;

/**
 * Runs one lowered program on one input; the roots hold one of these per compilation unit. It is the instrumentable
 * node of a filter's root ({@code RootTag}); the interpreting body is instrumentable only where it has a source
 * ({@link InstructionSource}), and the constant-time body not at all (it evaluates every instruction on every run).
 */
@GenerateWrapper
public abstract class ProgramBodyNode extends InstrumentableBody {
    /**
     * The frame slot where a body made for a batch ({@link #countsAccepted}) counts the nonzero results it returns. A
     * batch root clears it before its loop and reads it after.
     */
    public static final int ACCEPTED_SLOT = 0;

    /**
     * The frame slots of the register file, written by the interpreting body as it runs: A, then X, then M[0..15]
     * from {@link #M_SLOT}. A debugger reads them as variables ({@link #registers}); the roots that hold a body build
     * their frame with {@link #frameDescriptor()}.
     */
    public static final int A_SLOT = 1;

    public static final int X_SLOT = 2;
    public static final int M_SLOT = 3;
    /** The number of register slots: A, X and the 16 words of M[]. */
    public static final int REGISTER_SLOTS = 2 + Opcodes.MEMWORDS;

    @CompilationFinal(dimensions = 1)
    protected final int[] ops;

    /** The program's constants, blinded ({@code k ^ key}) where {@link #blindable} says so when {@link #blinded}. */
    @CompilationFinal(dimensions = 1)
    protected final int[] constants;

    @CompilationFinal(dimensions = 1)
    protected final int[] trueTargets;

    @CompilationFinal(dimensions = 1)
    protected final int[] falseTargets;

    /** Whether seccomp_data words are read big-endian (the audit architecture's byte order). */
    protected final boolean bigEndianData;
    /**
     * Constant blinding (docs/guards.md): author constants of value operations are stored as {@code k ^ key} and
     * unblinded when used, so that no author constant becomes an immediate of compiled code.
     */
    protected final boolean blinded;

    @CompilationFinal(dimensions = 1)
    protected final boolean[] blindable;
    /**
     * One random key per loaded body. Neither final nor compilation-final, so partial evaluation cannot fold it. Read
     * with a plain read, once per batch by the batch roots ({@link #blindingKey}) and once per call otherwise. A
     * volatile read (used before 2026-11-30, to keep Graal from hoisting the key and every {@code k ^ key} out of a
     * batch loop) made blinding cost +143-168% on a compare-heavy seccomp tree, against +21-77% with the plain read,
     * and did not help the 110-instruction host list either (docs/guards.md, "Cost").
     */
    private int blindingKey;

    /** @param blinded whether the program's constants are blinded (bpf.ConstantBlinding) */
    protected ProgramBodyNode(LoweredProgram program, boolean blinded) {
        this.ops = program.ops();
        this.blinded = blinded;
        this.blindable = Blinding.blindableOps(program.ops());
        this.blindingKey = blinded ? BlindingKeys.newKey() : 0;
        this.constants =
                blinded ? BlindingKeys.blind(program.constants(), blindable, blindingKey) : program.constants();
        this.trueTargets = program.trueTargets();
        this.falseTargets = program.falseTargets();
        this.bigEndianData = program.bigEndianData();
    }

    /** For the generated wrapper: the same program, constants and key. */
    protected ProgramBodyNode(ProgramBodyNode copy) {
        this.ops = copy.ops;
        this.constants = copy.constants;
        this.trueTargets = copy.trueTargets;
        this.falseTargets = copy.falseTargets;
        this.bigEndianData = copy.bigEndianData;
        this.blinded = copy.blinded;
        this.blindable = copy.blindable;
        this.blindingKey = copy.blindingKey;
    }

    /**
     * The body for a program: predicated and branch-free in constant-time mode (which evaluates every instruction, so
     * an instruction budget has nothing to bound there), else the exploded dispatch loop with the filter's guards.
     *
     * @param source the source of each instruction, or null (then instruments see nothing of this body)
     */
    public static ProgramBodyNode create(
            LoweredProgram program, dev.sluice.core.guard.Budget budget, InstructionSource source) {
        return create(program, budget, source, false);
    }

    /**
     * As {@link #create(LoweredProgram, dev.sluice.core.guard.Budget, InstructionSource)}, for a batch root when
     * {@code forBatch}: then a body that can ({@link #countsAccepted}) counts its nonzero results in the frame.
     */
    public static ProgramBodyNode create(
            LoweredProgram program, dev.sluice.core.guard.Budget budget, InstructionSource source, boolean forBatch) {
        return program.constantTime()
                ? new ConstantTimeBodyNode(
                        program,
                        program.operationTrace(),
                        budget != null && budget.options().constantBlinding())
                : new FilterBodyNode(program, budget, source, forBatch);
    }

    /** The frame layout of a root holding a body: the batch's count, then the register slots. */
    public static FrameDescriptor frameDescriptor() {
        FrameDescriptor.Builder builder = FrameDescriptor.newBuilder(1 + REGISTER_SLOTS);
        int slot = builder.addSlot(FrameSlotKind.Long, "accepted", null);
        assert slot == ACCEPTED_SLOT;
        slot = builder.addSlot(FrameSlotKind.Int, "A", null);
        assert slot == A_SLOT;
        builder.addSlot(FrameSlotKind.Int, "X", null);
        for (int i = 0; i < Opcodes.MEMWORDS; i++) {
            builder.addSlot(FrameSlotKind.Int, "M" + i, null);
        }
        return builder.build();
    }

    /** Clears the register slots (their tags too), as a batch root does before its loop and a compiled run after it. */
    @ExplodeLoop
    public static void clearRegisters(VirtualFrame frame) {
        for (int slot = A_SLOT; slot < A_SLOT + REGISTER_SLOTS; slot++) {
            frame.clear(slot);
        }
    }

    /**
     * A copy of the registers the interpreting body keeps in the frame (A, X, then M[0..15]), or null when no run of
     * it has written them into this frame.
     */
    @ExplodeLoop
    public static int[] registers(Frame frame) {
        if (frame == null || !frame.isInt(A_SLOT)) {
            return null;
        }
        int[] registers = new int[REGISTER_SLOTS];
        for (int i = 0; i < REGISTER_SLOTS; i++) {
            registers[i] = frame.getInt(A_SLOT + i);
        }
        return registers;
    }

    /**
     * Whether each run adds 1 to the frame's {@link #ACCEPTED_SLOT} when its result is nonzero. A body's exits count,
     * where a {@code ret #k} knows whether k is zero, so that a batch loop adds a constant on each path (nothing on a
     * drop path) instead of testing the merged result of every run ({@code test; setne; movzx; add}).
     */
    public boolean countsAccepted() {
        return false;
    }

    /**
     * @param frame the frame of the root running this body (instruments see it)
     * @param data the bytes; the packet (or struct seccomp_data) starts at {@code start}
     * @param start index of skb->data in {@code data}
     * @param captured bytes available from {@code start} (caplen for a capture; 64 for seccomp)
     * @param wireLength the packet's length as the kernel's skb->len (what LEN loads give)
     * @param meta ancillary values and header offsets (socket filters)
     * @return the 32-bit return value
     */
    public abstract int execute(
            VirtualFrame frame, byte[] data, int start, int captured, int wireLength, PacketMeta meta);

    /**
     * The key this body's constants are blinded with (docs/guards.md), 0 if they are not. A root that runs many inputs
     * reads it once and passes it to {@link #runInBatch}: read in the body, it is read once per input, and in a batch
     * loop that also holds calls out of compiled code (a budget's) Graal may not hoist the read, so every constant
     * was unblinded again for every input (on a 208-instruction seccomp tree, metering plus blinding cost 2.3x no
     * guards).
     */
    public final int blindingKey() {
        return blinded ? blindingKey : 0;
    }

    /**
     * Starts a batch: the state a batch root threads through {@link #runInBatch} for this body's accounting
     * (docs/guards.md, "Budgets"), or null when the body has none. A root that calls this calls {@link #endBatch} with
     * the result when the batch ends, also when it ends by an exception.
     */
    public BatchTally startBatch() {
        return null;
    }

    /**
     * {@link #execute} as one input of a batch: with the blinding key read by the caller ({@link #blindingKey}) and the
     * batch's tally ({@link #startBatch}). Abstract, so that no body can read the key again per input by default.
     */
    public abstract int runInBatch(
            VirtualFrame frame,
            byte[] data,
            int start,
            int captured,
            int wireLength,
            PacketMeta meta,
            int key,
            BatchTally tally);

    /**
     * Settles what {@link #runInBatch} tallied during a batch; {@code tally} is what {@link #startBatch} gave, {@code
     * runs} how many inputs the batch ran (or began to run, when one ended it by an exception). The root counts them,
     * so that the body does not carry a count of its own through the batch loop.
     */
    public void endBatch(BatchTally tally, long runs) {}

    public final int length() {
        return ops.length;
    }

    @Override
    public boolean isInstrumentable() {
        return false;
    }

    @Override
    protected SourceSection bodySection() {
        return null;
    }

    @Override
    protected boolean hasStatements() {
        return true;
    }

    @Override
    protected void addStatements() {}

    @Override
    public WrapperNode createWrapper(ProbeNode probe) {
        return new ProgramBodyNodeWrapper(this, this, probe);
    }
}
