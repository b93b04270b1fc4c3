package dev.sluice.ebpf.runtime;

import com.oracle.truffle.api.CallTarget;
import com.oracle.truffle.api.dsl.Cached;
import com.oracle.truffle.api.interop.InteropLibrary;
import com.oracle.truffle.api.interop.TruffleObject;
import com.oracle.truffle.api.interop.UnknownIdentifierException;
import com.oracle.truffle.api.library.ExportLibrary;
import com.oracle.truffle.api.library.ExportMessage;

import dev.sluice.ebpf.EbpfLanguage;
import dev.sluice.ebpf.lower.LoweredProgram;
import dev.sluice.ebpf.nodes.CallTargetDispatchNode;
import dev.sluice.ebpf.nodes.FunctionBodyNode;
import dev.sluice.ebpf.nodes.FunctionRootNode;
import dev.sluice.ebpf.nodes.ProgramRootNode;

/**
 * A checked, loaded eBPF program as embedders see it. Executable: {@code program.execute(memory)} runs it and returns
 * r0 (a long). Members: {@code length} (instruction slots), {@code type} (the program type's id), {@code functions}
 * (number of functions).
 */
@ExportLibrary(InteropLibrary.class)
public final class EbpfProgram implements TruffleObject {
    static final String LENGTH = "length";
    static final String TYPE = "type";
    static final String FUNCTIONS = "functions";

    private final LoweredProgram lowered;
    final CallTarget run;

    public EbpfProgram(EbpfLanguage language, LoweredProgram lowered, String name, long maxInstructions) {
        this.lowered = lowered;
        int n = lowered.functionCount();
        CallTarget[] functions = new CallTarget[n];
        FunctionBodyNode[] bodies = new FunctionBodyNode[n];
        for (int f = 0; f < n; f++) {
            bodies[f] = new FunctionBodyNode(lowered, f);
            functions[f] = new FunctionRootNode(language, bodies[f], name + "@" + lowered.functionEntries()[f]).getCallTarget();
        }
        FunctionBodyNode entry = new FunctionBodyNode(lowered, 0);
        this.run = new ProgramRootNode(language, entry, name, maxInstructions).getCallTarget();
        for (FunctionBodyNode body : bodies) {
            body.link(functions);
        }
        entry.link(functions);
    }

    public LoweredProgram lowered() {
        return lowered;
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
        return new MemberNames(LENGTH, TYPE, FUNCTIONS);
    }

    @ExportMessage
    boolean isMemberReadable(String member) {
        return LENGTH.equals(member) || TYPE.equals(member) || FUNCTIONS.equals(member);
    }

    @ExportMessage
    Object readMember(String member) throws UnknownIdentifierException {
        return switch (member) {
            case LENGTH -> lowered.length();
            case TYPE -> lowered.type().id();
            case FUNCTIONS -> lowered.functionCount();
            default -> throw UnknownIdentifierException.create(member);
        };
    }
}
