package dev.sluice.bpf;

import com.oracle.truffle.api.CallTarget;
import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;
import com.oracle.truffle.api.dsl.Cached;
import com.oracle.truffle.api.interop.InteropLibrary;
import com.oracle.truffle.api.interop.TruffleObject;
import com.oracle.truffle.api.interop.UnknownIdentifierException;
import com.oracle.truffle.api.library.ExportLibrary;
import com.oracle.truffle.api.library.ExportMessage;
import com.oracle.truffle.api.nodes.IndirectCallNode;
import dev.sluice.bpf.isa.Opcodes;
import dev.sluice.bpf.isa.Program;
import dev.sluice.bpf.lower.LoweredProgram;
import dev.sluice.bpf.nodes.BatchRootNode;
import dev.sluice.bpf.nodes.FilterRootNode;
import dev.sluice.bpf.nodes.InstructionSource;
import dev.sluice.bpf.runtime.OperationRecorder;
import dev.sluice.core.guard.Budget;
import dev.sluice.core.guard.GuardOptions;
import dev.sluice.core.interop.CallTargetDispatchNode;
import dev.sluice.core.interop.InteropArray;
import dev.sluice.core.seccomp.Arch;
import dev.sluice.core.trust.MeasuredLoadLog;
import dev.sluice.core.trust.MeasurementObjects;

/**
 * A verified, loaded filter as embedders see it. Executable: {@code filter.execute(input[, meta])} returns the
 * 32-bit verdict. Members {@code runBatch}, {@code runRecords} and {@code runPcap} run many inputs in one guest call
 * (see {@link BatchRootNode}); {@code length}, {@code profile} and {@code arch} describe it.
 */
@ExportLibrary(InteropLibrary.class)
public final class BpfFilter implements TruffleObject {
    static final String RUN_BATCH = "runBatch";
    static final String RUN_RECORDS = "runRecords";
    static final String RUN_PCAP = "runPcap";
    static final String LENGTH = "length";
    static final String PROFILE = "profile";
    static final String ARCH = "arch";
    static final String OPERATION_TRACE = "operationTrace";
    static final String MEASUREMENT = "measurement";
    static final String NEW_HANDLE = "newHandle";
    static final String INSTRUCTIONS_EXECUTED = "instructionsExecuted";
    static final String INVOCATIONS = "invocations";
    static final String OVER_BUDGET = "overBudget";
    static final String CONSTANT_BLINDING = "constantBlinding";

    private final BpfLanguage language;
    private final Program program;
    private final LoweredProgram lowered;
    private final Arch arch;
    final CallTarget single;
    private final CallTarget spans;
    private final CallTarget records;
    private final CallTarget pcap;
    private final OperationRecorder recorder;
    private volatile MeasuredLoadLog.Entry measurement;

    private final Budget budget;

    public BpfFilter(BpfLanguage language, Program program, LoweredProgram lowered, Arch arch) {
        this(language, program, lowered, arch, GuardOptions.NONE, null, null);
    }

    /**
     * @param guards budgets and their action (docs/guards.md); one budget covers all of this filter's entry points
     * @param recorder sees the operations of constant-time runs (tests), or null
     * @param source where each instruction is written, for instruments (coverage, debugger), or null
     */
    public BpfFilter(
            BpfLanguage language,
            Program program,
            LoweredProgram lowered,
            Arch arch,
            GuardOptions guards,
            OperationRecorder recorder,
            InstructionSource source) {
        this.budget = new Budget(guards, BpfLanguage.ID, Opcodes.MAX_INSNS);
        this.language = language;
        this.recorder = recorder;
        this.program = program;
        this.lowered = lowered;
        this.arch = arch;
        String kind = lowered.profile().id();
        this.single = new FilterRootNode(language, BpfContext.REFERENCE, lowered, "bpf-" + kind, budget, source)
                .getCallTarget();
        this.spans = new BatchRootNode(
                        language,
                        BpfContext.REFERENCE,
                        lowered,
                        BatchRootNode.Kind.SPANS,
                        "bpf-" + kind + "-" + RUN_BATCH,
                        budget,
                        source)
                .getCallTarget();
        this.records = new BatchRootNode(
                        language,
                        BpfContext.REFERENCE,
                        lowered,
                        BatchRootNode.Kind.RECORDS,
                        "bpf-" + kind + "-" + RUN_RECORDS,
                        budget,
                        source)
                .getCallTarget();
        this.pcap = new BatchRootNode(
                        language,
                        BpfContext.REFERENCE,
                        lowered,
                        BatchRootNode.Kind.PCAP,
                        "bpf-" + kind + "-" + RUN_PCAP,
                        budget,
                        source)
                .getCallTarget();
    }

    /** Records this filter's entry in its context's measured-load log (set once, when the context loads it). */
    public void measured(MeasuredLoadLog.Entry entry) {
        this.measurement = entry;
    }

    /** The measured-load log entry, or null when the filter was not loaded through a context. */
    public MeasuredLoadLog.Entry measurement() {
        return measurement;
    }

    /** The budget and its counters (all zero when no budget is set). */
    public Budget budget() {
        return budget;
    }

    public Program program() {
        return program;
    }

    public LoweredProgram lowered() {
        return lowered;
    }

    public Arch arch() {
        return arch;
    }

    @ExportMessage
    boolean isExecutable() {
        return true;
    }

    @ExportMessage
    Object execute(Object[] arguments, @Cached CallTargetDispatchNode dispatch) {
        return dispatch.execute(single, arguments);
    }

    @ExportMessage
    boolean hasMembers() {
        return true;
    }

    @ExportMessage
    Object getMembers(boolean includeInternal) {
        return new InteropArray(new String[] {
            RUN_BATCH,
            RUN_RECORDS,
            RUN_PCAP,
            NEW_HANDLE,
            LENGTH,
            PROFILE,
            ARCH,
            MEASUREMENT,
            INSTRUCTIONS_EXECUTED,
            INVOCATIONS,
            OVER_BUDGET,
            CONSTANT_BLINDING
        });
    }

    @ExportMessage
    boolean isMemberInvocable(String member) {
        return RUN_BATCH.equals(member)
                || RUN_RECORDS.equals(member)
                || RUN_PCAP.equals(member)
                || NEW_HANDLE.equals(member);
    }

    @ExportMessage
    boolean isMemberReadable(String member) {
        return LENGTH.equals(member)
                || PROFILE.equals(member)
                || ARCH.equals(member)
                || OPERATION_TRACE.equals(member) && recorder != null
                || MEASUREMENT.equals(member) && measurement != null
                || INSTRUCTIONS_EXECUTED.equals(member)
                || INVOCATIONS.equals(member)
                || OVER_BUDGET.equals(member)
                || CONSTANT_BLINDING.equals(member);
    }

    @ExportMessage
    @TruffleBoundary // Profile.id() and the counters are not for partial evaluation (compiled host-to-guest calls)
    Object readMember(String member) throws UnknownIdentifierException {
        return switch (member) {
            case LENGTH -> program.length();
            case PROFILE -> lowered.profile().id();
            case ARCH -> arch.token();
            case OPERATION_TRACE -> {
                if (recorder == null) {
                    throw UnknownIdentifierException.create(member);
                }
                yield recorder.lastRun();
            }
            case MEASUREMENT -> measurementObject();
            case INSTRUCTIONS_EXECUTED -> budget.instructionsExecuted();
            case INVOCATIONS -> budget.invocations();
            case OVER_BUDGET -> budget.overBudgetCount();
            case CONSTANT_BLINDING -> budget.options().constantBlinding();
            default -> throw UnknownIdentifierException.create(member);
        };
    }

    @TruffleBoundary
    private Object measurementObject() throws UnknownIdentifierException {
        MeasuredLoadLog.Entry e = measurement;
        if (e == null) {
            throw UnknownIdentifierException.create(MEASUREMENT);
        }
        return new MeasurementObjects.EntryObject(e);
    }

    @ExportMessage
    Object invokeMember(String member, Object[] arguments, @Cached IndirectCallNode call)
            throws UnknownIdentifierException {
        if (NEW_HANDLE.equals(member)) {
            return newHandle();
        }
        CallTarget target = batchTarget(member);
        if (target == null) {
            throw UnknownIdentifierException.create(member);
        }
        return call.call(target, arguments);
    }

    /** A new swappable handle whose first program is this filter. */
    @TruffleBoundary
    public FilterHandle newHandle() {
        return new FilterHandle(language, this);
    }

    /** The root of a batch member ({@code runBatch}, {@code runRecords}, {@code runPcap}), or null. */
    CallTarget batchTarget(String member) {
        return switch (member) {
            case RUN_BATCH -> spans;
            case RUN_RECORDS -> records;
            case RUN_PCAP -> pcap;
            default -> null;
        };
    }

    @ExportMessage
    @TruffleBoundary
    Object toDisplayString(boolean allowSideEffects) {
        return "bpf filter (" + program.length() + " instructions, "
                + lowered.profile().id() + ", " + arch.token() + ")";
    }
}
