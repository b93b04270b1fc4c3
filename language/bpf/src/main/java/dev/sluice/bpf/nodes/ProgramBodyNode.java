package dev.sluice.bpf.nodes;

import com.oracle.truffle.api.nodes.Node;

import dev.sluice.bpf.lower.LoweredProgram;
import dev.sluice.bpf.runtime.PacketMeta;

/** Runs one lowered program on one input; the roots hold one of these per compilation unit. */
public abstract class ProgramBodyNode extends Node {
    /**
     * The body for a program: predicated and branch-free in constant-time mode (which evaluates every instruction, so
     * an instruction budget has nothing to bound there), else the exploded dispatch loop with the filter's guards.
     */
    public static ProgramBodyNode create(LoweredProgram program, dev.sluice.core.guard.Budget budget) {
        return program.constantTime() ? new ConstantTimeBodyNode(program, program.operationTrace()) : new FilterBodyNode(program, budget);
    }

    /**
     * @param data the bytes; the packet (or struct seccomp_data) starts at {@code start}
     * @param start index of skb->data in {@code data}
     * @param captured bytes available from {@code start} (caplen for a capture; 64 for seccomp)
     * @param wireLength the packet's length as the kernel's skb->len (what LEN loads give)
     * @param meta ancillary values and header offsets (socket filters)
     * @return the 32-bit return value
     */
    public abstract int execute(byte[] data, int start, int captured, int wireLength, PacketMeta meta);

    public abstract int length();
}
