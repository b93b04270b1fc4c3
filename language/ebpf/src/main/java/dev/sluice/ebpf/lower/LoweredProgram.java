package dev.sluice.ebpf.lower;

import dev.sluice.ebpf.isa.Program;
import dev.sluice.ebpf.isa.ProgramType;

/**
 * A checked program as flat arrays indexed by slot, ready for the interpreter: the fields of each instruction, the
 * immediate already widened (the full 64 bits for lddw), absolute jump targets, callee function indices, and the
 * instruction cost charged when a basic block is entered.
 *
 * @param immediates the imm field sign-extended to 64 bits; for lddw the 64-bit value (a function address for src 4)
 * @param targets absolute target slot of a jump; the callee's function index for a local call; else -1
 * @param blockCosts at the first slot of a basic block, its number of instructions; 0 elsewhere
 * @param functionEntries first slot of each function; function 0 is the entry
 * @param provenRegions per slot, the region the verifier proved a load or store inside (Memory.STACK0, PACKET or
 *            MAP_VALUES), whose run-time guard is therefore left out; 0 where the guard stays. At a 64-bit register
 *            jump, PACKET when it compares a packet pointer with the packet's end on every path (decided on the
 *            offsets)
 * @param readsSkbProtocol for a socket filter: whether a run may read {@code __sk_buff.protocol}, so that it must be
 *            computed for each run (unverified programs and programs that make tail calls: always; verified ones
 *            only when one of their loads reads it)
 * @param writesSkbCb for a socket filter: whether a run may write {@code __sk_buff.cb[]}, so that a batch must zero it
 *            again for the next run (unverified programs and programs that make tail calls: always; verified ones
 *            only when they store into the context)
 */
public record LoweredProgram(
        Program program,
        ProgramType type,
        int[] opcodes,
        int[] dsts,
        int[] srcs,
        int[] offsets,
        long[] immediates,
        int[] targets,
        int[] blockCosts,
        int[] functionEntries,
        int[] provenRegions,
        boolean readsSkbProtocol,
        boolean writesSkbCb) {
    /** Offset of {@code protocol} in struct __sk_buff (include/uapi/linux/bpf.h). */
    public static final int SKB_PROTOCOL = 16;

    public int length() {
        return opcodes.length;
    }

    public int functionCount() {
        return functionEntries.length;
    }
}
