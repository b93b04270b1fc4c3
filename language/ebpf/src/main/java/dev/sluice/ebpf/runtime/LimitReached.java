package dev.sluice.ebpf.runtime;

import com.oracle.truffle.api.nodes.ControlFlowException;

/** A run over its instruction limit under {@code ebpf.OverBudgetAction=verdict:N}: unwinds to the program's root, which returns N. */
public final class LimitReached extends ControlFlowException {
    private static final long serialVersionUID = 1L;
}
