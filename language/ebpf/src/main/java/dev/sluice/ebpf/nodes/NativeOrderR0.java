package dev.sluice.ebpf.nodes;

import static dev.sluice.ebpf.isa.Opcodes.*;

import dev.sluice.core.byteorder.NativeOrderClasses;
import dev.sluice.ebpf.lower.LoweredProgram;
import java.util.ArrayList;
import java.util.List;

/**
 * Which legacy packet loads (LD_ABS, LD_IND of a halfword or word) may leave r0 in the machine's byte order, and the
 * immediates their readers use instead, as classic BPF's {@code lower.NativeOrderPlan} does and as gcc compiles the
 * same program: the load reads the bytes as they lie and the compare's constant has its bytes swapped, once, at load
 * time (no {@code bswap} per packet).
 *
 * <p>Equality, bit tests and masks do not care in which order the bytes of both sides are, so a loaded value may stay
 * unswapped while everything that reads r0 before it is overwritten is a {@code jeq}, {@code jne} or {@code jset} of r0
 * with an immediate (64- or 32-bit) or an {@code and} of r0 with an immediate (its result stays in the same order).
 * Anything else that reads r0 (an exit, arithmetic, an ordered compare, a compare with a register, a move, a store, an
 * indexed load from r0) needs the plain value, and so does every load whose value can meet it: the values of r0 that
 * paths merge into one where r0 is live are one class (core's {@link NativeOrderClasses}, over the flow graph, loops included), and a class is
 * native only if all its loads have one width and nothing in it needs the plain value.
 *
 * <p>The body uses it only while no instrument watches (a debugger shows r0 as the program defines it).
 *
 * @param loads per slot, whether the legacy load there leaves r0 in the machine's byte order
 * @param converted the slots whose immediate is replaced
 * @param immediates per slot, the program's immediate with those of the converted slots in the machine's order
 */
record NativeOrderR0(boolean[] loads, int[] converted, long[] immediates) {
    /** The plan for a program, or null when no legacy load can keep the machine's byte order. */
    static NativeOrderR0 of(LoweredProgram program) {
        int[] opcodes = program.opcodes();
        int n = opcodes.length;
        boolean any = false;
        for (int pc = 0; pc < n; pc++) {
            any |= opcodes[pc] >= 0 && loadWidth(opcodes[pc]) != 0;
        }
        if (!any) {
            return null;
        }
        boolean[] reads = new boolean[n];
        boolean[] writes = new boolean[n];
        for (int pc = 0; pc < n; pc++) {
            int opcode = opcodes[pc];
            if (opcode >= 0) { // not the second slot of an lddw
                int dst = program.dsts()[pc];
                reads[pc] = BlindedR0.readsR0(opcode, dst, program.srcs()[pc]) || opcode == (JMP | EXIT);
                writes[pc] = BlindedR0.writesR0(opcode, dst);
            }
        }
        // Where r0 is live (read before it is written on some path): jumps go backwards in loops, so to a fixpoint.
        boolean[] live = new boolean[n];
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int pc = n - 1; pc >= 0; pc--) {
                if (opcodes[pc] < 0 || live[pc]) {
                    continue;
                }
                boolean liveAfter = false;
                for (int next : BlindedR0.successors(program, pc)) {
                    liveAfter |= next < n && live[next];
                }
                if (reads[pc] || (!writes[pc] && liveAfter)) {
                    live[pc] = true;
                    changed = true;
                }
            }
        }
        // Nodes 0..n-1: r0 on entry to a slot; n..2n-1: r0 as a slot defines it.
        NativeOrderClasses classes = new NativeOrderClasses(2 * n);
        for (int entry : program.functionEntries()) {
            classes.markPlain(entry); // r0 holds nothing at a function's entry
        }
        for (int pc = 0; pc < n; pc++) {
            int opcode = opcodes[pc];
            if (opcode < 0) {
                continue;
            }
            int dst = program.dsts()[pc];
            boolean usable = usableInNativeOrder(opcode, dst);
            if (reads[pc] && !usable) {
                classes.markPlain(pc);
            }
            int out = pc; // what does not write r0, and a usable and's mask, keep its class
            if (!(usable && isAnd(opcode)) && writes[pc]) {
                out = n + pc;
                classes.define(out, loadWidth(opcode));
            }
            for (int next : BlindedR0.successors(program, pc)) {
                if (next < n && live[next]) {
                    classes.union(out, next);
                }
            }
        }
        boolean[] loads = new boolean[n];
        long[] immediates = program.immediates().clone();
        List<Integer> converted = new ArrayList<>();
        boolean anyNative = false;
        for (int pc = 0; pc < n; pc++) {
            int opcode = opcodes[pc];
            if (opcode < 0) {
                continue;
            }
            if (loadWidth(opcode) != 0 && classes.isNative(n + pc)) {
                loads[pc] = true;
                anyNative = true;
            } else if (usableInNativeOrder(opcode, program.dsts()[pc]) && classes.isNative(pc)) {
                immediates[pc] = convert(opcode, immediates[pc], classes.width(pc));
                converted.add(pc);
            }
        }
        if (!anyNative) {
            return null;
        }
        return new NativeOrderR0(
                loads, converted.stream().mapToInt(Integer::intValue).toArray(), immediates);
    }

    /**
     * The immediate a reader of a native r0 uses. A loaded value is zero-extended below 2^16 or 2^32: an equality
     * immediate outside that range (64-bit compares: as sign-extended; 32-bit ones: the low half) never equals it and
     * stays as it is; a mask loses the bits above the width.
     */
    static long convert(int opcode, long imm, int width) {
        long range = width == 4 ? 0xffffffffL : 0xffffL;
        if (cls(opcode) == JMP || cls(opcode) == JMP32) {
            if (op(opcode) != JSET) {
                long compared = cls(opcode) == JMP32 ? imm & 0xffffffffL : imm;
                return compared >= 0 && compared <= range ? NativeOrderClasses.toNative(compared, width) : imm;
            }
        }
        return NativeOrderClasses.toNative(imm & range, width);
    }

    private static boolean usableInNativeOrder(int opcode, int dst) {
        if (dst != 0 || source(opcode) != K) {
            return false;
        }
        int cls = cls(opcode);
        int op = op(opcode);
        return (cls == JMP || cls == JMP32) && (op == JEQ || op == JNE || op == JSET) || isAnd(opcode);
    }

    private static boolean isAnd(int opcode) {
        return (cls(opcode) == ALU || cls(opcode) == ALU64) && op(opcode) == AND && source(opcode) == K;
    }

    /** The legacy loads whose value can stay in the machine's order: halfwords and words. */
    static int loadWidth(int opcode) {
        if (cls(opcode) != LD || (mode(opcode) != ABS && mode(opcode) != IND)) {
            return 0;
        }
        return switch (size(opcode)) {
            case H -> 2;
            case W -> 4;
            default -> 0;
        };
    }
}
