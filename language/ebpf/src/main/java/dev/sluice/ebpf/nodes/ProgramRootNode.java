package dev.sluice.ebpf.nodes;

import com.oracle.truffle.api.TruffleLanguage;
import com.oracle.truffle.api.frame.VirtualFrame;
import com.oracle.truffle.api.nodes.RootNode;

import dev.sluice.ebpf.EbpfContext;
import dev.sluice.ebpf.runtime.InputBytes;
import dev.sluice.ebpf.runtime.Memory;
import dev.sluice.ebpf.runtime.RunState;

/**
 * One run of a program of type {@code raw}: {@code program(memory?)}. The memory (a byte array or buffer; empty when
 * absent) is copied, so the program works on a private copy; r1 points to it and r2 holds its length. Returns r0.
 */
public final class ProgramRootNode extends RootNode {
    @Child private FunctionBodyNode body;
    private final String name;
    private final long maxInstructions;

    public ProgramRootNode(TruffleLanguage<?> language, FunctionBodyNode body, String name, long maxInstructions) {
        super(language);
        this.body = body;
        this.name = name;
        this.maxInstructions = maxInstructions == 0 ? Long.MAX_VALUE : maxInstructions;
    }

    @Override
    public Object execute(VirtualFrame frame) {
        Object[] args = frame.getArguments();
        byte[] memory = args.length == 0 ? new byte[0] : InputBytes.copy(args[0], EbpfContext.get(this).env(), this);
        RunState state = new RunState(maxInstructions);
        state.memory.set(Memory.CONTEXT, memory, true);
        return body.execute(state, 0, Memory.pointer(Memory.CONTEXT, 0), memory.length, 0, 0, 0);
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public String toString() {
        return name;
    }
}
