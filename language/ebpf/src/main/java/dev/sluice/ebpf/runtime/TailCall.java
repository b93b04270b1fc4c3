package dev.sluice.ebpf.runtime;

import com.oracle.truffle.api.nodes.ControlFlowException;
import dev.sluice.ebpf.maps.TailCallTarget;

/** A successful bpf_tail_call: unwinds the running program's frames to its root, which runs {@link #target} instead. */
public final class TailCall extends ControlFlowException {
    private static final long serialVersionUID = 1L;

    public final transient TailCallTarget target;

    public TailCall(TailCallTarget target) {
        this.target = target;
    }
}
