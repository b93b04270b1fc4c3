package dev.sluice.ebpf.maps;

import com.oracle.truffle.api.CallTarget;
import dev.sluice.ebpf.isa.ProgramType;

/**
 * A loaded program as a {@code prog_array} map holds it and {@code bpf_tail_call} enters it. The loaded program is
 * the language's ({@code dev.sluice.ebpf.EbpfProgram}); maps and nodes see only this much of it.
 */
public interface TailCallTarget {
    /** A tail call only enters a program of the caller's type. */
    ProgramType type();

    /** The maps the target's instructions refer to; the run switches to them. */
    EbpfMap[] maps();

    /** The entry function, called with the arguments of a local function. */
    CallTarget entryFunction();
}
