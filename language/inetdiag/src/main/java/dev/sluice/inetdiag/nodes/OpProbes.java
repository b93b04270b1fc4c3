package dev.sluice.inetdiag.nodes;

import com.oracle.truffle.api.frame.VirtualFrame;
import com.oracle.truffle.api.nodes.Node;

/**
 * The statement nodes of one filter, one per op, created only when an instrument asks for statements. The dispatch
 * loop's op number is a partial-evaluation constant, so {@link #report} compiles to the probe of exactly that op.
 */
final class OpProbes extends Node {
    @Children
    private final OpNode[] ops;

    OpProbes(OpListing listing, int length) {
        this.ops = new OpNode[length];
        for (int pc = 0; pc < length; pc++) {
            ops[pc] = new OpNode(pc, listing);
        }
    }

    boolean report(VirtualFrame frame, int pc, boolean yes) {
        return ops[pc].execute(frame, yes);
    }
}
