package dev.sluice.ebpf;

import com.oracle.truffle.api.CallTarget;
import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;
import com.oracle.truffle.api.dsl.Cached;
import com.oracle.truffle.api.interop.InteropLibrary;
import com.oracle.truffle.api.interop.TruffleObject;
import com.oracle.truffle.api.interop.UnknownIdentifierException;
import com.oracle.truffle.api.library.ExportLibrary;
import com.oracle.truffle.api.library.ExportMessage;
import dev.sluice.core.interop.CallTargetDispatchNode;
import dev.sluice.core.interop.InteropArray;
import dev.sluice.ebpf.isa.ProgramType;
import dev.sluice.ebpf.lower.LoweredProgram;
import dev.sluice.ebpf.maps.EbpfMap;
import dev.sluice.ebpf.maps.TailCallTarget;
import dev.sluice.ebpf.nodes.Blinding;
import dev.sluice.ebpf.nodes.FunctionBodyNode;
import dev.sluice.ebpf.nodes.FunctionRootNode;
import dev.sluice.ebpf.nodes.ProgramRootNode;
import dev.sluice.ebpf.runtime.MapTable;

/**
 * A checked, loaded eBPF program as embedders see it. Executable: {@code program.execute(input)} runs it on a copy of
 * the input (memory for {@code raw}, the packet for {@code xdp} and {@code socket_filter}) and returns r0 as a long.
 * Invocable members: {@code runInPlace(byte[] packet)} (the program's writes land in the host array) and
 * {@code runBatch(byte[] data, int[] offsets, int[] lengths[, long[] results])}. Readable members: {@code length}
 * (instruction slots), {@code type}, {@code functions}, {@code maps} (by name, each a polyglot hash),
 * {@code constantBlinding} (whether its immediates are blinded in compiled code, ebpf.ConstantBlinding).
 */
@ExportLibrary(InteropLibrary.class)
public final class EbpfProgram implements TruffleObject, TailCallTarget {
    static final String LENGTH = "length";
    static final String TYPE = "type";
    static final String FUNCTIONS = "functions";
    static final String MAPS = "maps";
    static final String RUN_IN_PLACE = "runInPlace";
    static final String RUN_BATCH = "runBatch";
    static final String CONSTANT_BLINDING = "constantBlinding";

    private final LoweredProgram lowered;
    private final EbpfMap[] maps;
    private final CallTarget[] functions;
    /** Whether this program's immediates are blinded (ebpf.ConstantBlinding). */
    private final boolean constantBlinding;

    final CallTarget run;
    final CallTarget runInPlace;
    final CallTarget runBatch;

    public EbpfProgram(
            EbpfLanguage language, LoweredProgram lowered, EbpfMap[] maps, String name, long maxInstructions) {
        this(language, lowered, maps, name, maxInstructions, null);
    }

    /** @param limitVerdict what a run over its instruction limit returns, or null for an error (ebpf.OverBudgetAction) */
    public EbpfProgram(
            EbpfLanguage language,
            LoweredProgram lowered,
            EbpfMap[] maps,
            String name,
            long maxInstructions,
            Long limitVerdict) {
        this.lowered = lowered;
        this.maps = maps;
        int n = lowered.functionCount();
        this.functions = new CallTarget[n];
        // Programs are loaded while their context is entered (in parse); its options say how they run.
        EbpfContext context = EbpfContext.get(null);
        this.constantBlinding = context.blindConstants();
        // One key per loaded program, shared by its functions and roots (a tail call's target has its own).
        Blinding blinding = constantBlinding ? Blinding.of(lowered) : null;
        FunctionBodyNode[] bodies = new FunctionBodyNode[n + 3];
        for (int f = 0; f < n; f++) {
            bodies[f] = new FunctionBodyNode(lowered, f, blinding);
            functions[f] = new FunctionRootNode(language, bodies[f], name + "@" + lowered.functionEntries()[f])
                    .getCallTarget();
        }
        ProgramRootNode.Kind[] kinds = ProgramRootNode.Kind.values();
        // ebpf.SocketData says where packets start.
        boolean networkStart = context.socketDataAtNetworkHeader();
        CallTarget[] roots = new CallTarget[kinds.length];
        for (int k = 0; k < kinds.length; k++) {
            bodies[n + k] = new FunctionBodyNode(lowered, 0, blinding);
            String rootName = kinds[k] == ProgramRootNode.Kind.SINGLE
                    ? name
                    : name + "-" + (kinds[k] == ProgramRootNode.Kind.BATCH ? RUN_BATCH : RUN_IN_PLACE);
            roots[k] = new ProgramRootNode(
                            language,
                            EbpfContext.reference(),
                            bodies[n + k],
                            kinds[k],
                            lowered.type(),
                            networkStart,
                            maps,
                            rootName,
                            maxInstructions,
                            limitVerdict)
                    .getCallTarget();
        }
        this.run = roots[ProgramRootNode.Kind.SINGLE.ordinal()];
        this.runInPlace = roots[ProgramRootNode.Kind.IN_PLACE.ordinal()];
        this.runBatch = roots[ProgramRootNode.Kind.BATCH.ordinal()];
        for (FunctionBodyNode body : bodies) {
            body.link(functions);
        }
    }

    public LoweredProgram lowered() {
        return lowered;
    }

    @Override
    public ProgramType type() {
        return lowered.type();
    }

    @Override
    public EbpfMap[] maps() {
        return maps;
    }

    /** The entry function as a call target with the arguments of a local function (tail calls enter here). */
    @Override
    public CallTarget entryFunction() {
        return functions[0];
    }

    @ExportMessage
    boolean isExecutable() {
        return true;
    }

    @ExportMessage
    Object execute(Object[] arguments, @Cached CallTargetDispatchNode dispatch) {
        return dispatch.execute(run, arguments);
    }

    @ExportMessage
    boolean hasMembers() {
        return true;
    }

    @ExportMessage
    Object getMembers(@SuppressWarnings("unused") boolean includeInternal) {
        return new InteropArray(LENGTH, TYPE, FUNCTIONS, MAPS, CONSTANT_BLINDING, RUN_IN_PLACE, RUN_BATCH);
    }

    @ExportMessage
    boolean isMemberReadable(String member) {
        return switch (member) {
            case LENGTH, TYPE, FUNCTIONS, MAPS, CONSTANT_BLINDING -> true;
            default -> false;
        };
    }

    @ExportMessage
    boolean isMemberInvocable(String member) {
        return RUN_IN_PLACE.equals(member) || RUN_BATCH.equals(member);
    }

    @ExportMessage
    Object invokeMember(String member, Object[] arguments, @Cached CallTargetDispatchNode dispatch)
            throws UnknownIdentifierException {
        return switch (member) {
            case RUN_IN_PLACE -> dispatch.execute(runInPlace, arguments);
            case RUN_BATCH -> dispatch.execute(runBatch, arguments);
            default -> throw UnknownIdentifierException.create(member);
        };
    }

    @ExportMessage
    @TruffleBoundary
    Object readMember(String member) throws UnknownIdentifierException {
        return switch (member) {
            case LENGTH -> lowered.length();
            case TYPE -> lowered.type().id();
            case FUNCTIONS -> lowered.functionCount();
            case MAPS -> new MapTable(maps);
            case CONSTANT_BLINDING -> constantBlinding;
            default -> throw UnknownIdentifierException.create(member);
        };
    }

    @ExportMessage
    boolean hasLanguage() {
        return true;
    }

    @ExportMessage
    Class<? extends com.oracle.truffle.api.TruffleLanguage<?>> getLanguage() {
        return EbpfLanguage.class;
    }

    @ExportMessage
    @TruffleBoundary
    Object toDisplayString(@SuppressWarnings("unused") boolean allowSideEffects) {
        return "eBPF " + lowered.type().id() + " program (" + lowered.length() + " slots, " + lowered.functionCount()
                + " functions, " + maps.length + " maps)";
    }
}
