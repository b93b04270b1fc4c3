package dev.sluice.bpf.lower;

import dev.sluice.core.byteorder.NativeOrderClasses;

/**
 * Which packet loads may leave their value in the machine's byte order, and the constants their users compare with
 * instead, as gcc compiles a filter: a halfword compared with {@code #0x800} is loaded as it lies in memory and compared
 * with the constant's bytes swapped, with no byte swap per packet (two instructions of each halfword load, one of each
 * word load, on x86).
 *
 * <p>Equality, bit tests and masks do not care in which order the bytes of both sides are, so a loaded value may stay
 * unswapped as long as everything that reads it before it is overwritten is a {@code jeq #k}, {@code jset #k} or
 * {@code and #k} (whose result stays in the same order). Anything else that reads A (arithmetic, ordered compares,
 * {@code st}, {@code tax}, {@code ret a}, ancillary loads) needs the plain value, and so does every load whose value
 * can meet it along some path: the values of A that paths merge into one are one class (core's {@link NativeOrderClasses},
 * over the flow graph where A is live, classic BPF jumping only forward), and a class is native only if all its loads have one
 * width and nothing in it needs the plain value.
 *
 * <p>The plan changes no instruction's meaning, only the representation of A between a load and its users; the body
 * uses it only while no instrument watches (a debugger shows A as the program defines it).
 */
public record NativeOrderPlan(boolean[] loads, int[] constants) {
    /**
     * The plan for a program, or null when no load can keep the machine's byte order.
     *
     * @return {@code loads[pc]}: the load at pc leaves A in the machine's byte order; {@code constants}: the program's
     *     constants with those of {@code jeq}, {@code jset} and {@code and} on such values converted to that order
     */
    public static NativeOrderPlan of(LoweredProgram program) {
        int[] ops = program.ops();
        int n = ops.length;
        // Where A is live: only there do the values paths bring in have to share one form. The exits that drop a
        // packet meet from every part of a filter, and would otherwise join every load's class with every other's.
        boolean[] live = new boolean[n];
        for (int pc = n - 1; pc >= 0; pc--) {
            int op = ops[pc];
            boolean liveAfter = false;
            for (int next : successors(program, pc)) {
                liveAfter |= live[next];
            }
            live[pc] = readsA(op) || (!definesA(op) && liveAfter);
        }
        // Nodes 0..n-1: A on entry to pc; n..2n-1: A as defined by pc.
        NativeOrderClasses classes = new NativeOrderClasses(2 * n);
        classes.markPlain(0); // A starts as 0, a plain value (ignored where nothing reads it)
        for (int pc = 0; pc < n; pc++) {
            int op = ops[pc];
            int in = pc;
            if (readsA(op) && !usableInNativeOrder(op)) {
                classes.markPlain(in);
            }
            int out = in; // what does not define A, and the mask of AND_K, keep its class
            if (op != Op.AND_K && definesA(op)) {
                out = n + pc;
                classes.define(out, loadWidth(op));
            }
            for (int next : successors(program, pc)) {
                if (live[next]) {
                    classes.union(out, next);
                }
            }
        }
        boolean[] loads = new boolean[n];
        int[] constants = program.constants().clone();
        boolean any = false;
        for (int pc = 0; pc < n; pc++) {
            int op = ops[pc];
            if (loadWidth(op) != 0 && classes.isNative(n + pc)) {
                loads[pc] = true;
                any = true;
            } else if (usableInNativeOrder(op) && classes.isNative(pc)) {
                int width = classes.width(pc);
                int k = constants[pc];
                constants[pc] = op == Op.JEQ_K ? comparand(k, width) : mask(k, width);
            }
        }
        return any ? new NativeOrderPlan(loads, constants) : null;
    }

    /**
     * A value of {@code width} bytes (2 or 4) in the machine's order, given its plain (big-endian) value; used for the
     * packet loads that do not read memory directly (the link-layer and network ranges).
     */
    public static int toNative(int value, int width) {
        return (int) NativeOrderClasses.toNative(value, width);
    }

    /** What a {@code jeq #k} compares a native value with: a halfword never equals a k above 16 bits. */
    static int comparand(int k, int width) {
        return width == 2 && (k >>> 16) != 0 ? k : toNative(k, width);
    }

    /** A {@code jset} or {@code and} mask for a native value; a halfword has no bits above 16. */
    static int mask(int k, int width) {
        return toNative(width == 2 ? k & 0xffff : k, width);
    }

    private static boolean usableInNativeOrder(int op) {
        return op == Op.JEQ_K || op == Op.JSET_K || op == Op.AND_K;
    }

    /** The packet loads that can leave A unswapped: halfwords and words at a constant or indexed offset. */
    private static int loadWidth(int op) {
        return switch (op) {
            case Op.LD_ABS_W, Op.LD_IND_W -> 4;
            case Op.LD_ABS_H, Op.LD_IND_H -> 2;
            default -> 0;
        };
    }

    private static boolean readsA(int op) {
        return switch (op) {
            case Op.RET_A, Op.ST, Op.TAX, Op.LD_ANCILLARY -> true;
            case Op.JUMP_ALWAYS, Op.JA -> false;
            default -> op >= Op.ADD_K && op <= Op.NEG || op >= Op.JEQ_K && op <= Op.JSET_X;
        };
    }

    private static boolean definesA(int op) {
        return switch (op) {
            case Op.LD_IMM, Op.LD_LEN, Op.LD_MEM, Op.TXA, Op.LD_SECCOMP_WORD, Op.LD_ANCILLARY -> true;
            default -> op >= Op.ADD_K && op <= Op.NEG || op >= Op.LD_ABS_W && op <= Op.LD_NEG_B;
        };
    }

    private static int[] successors(LoweredProgram program, int pc) {
        int op = program.ops()[pc];
        if (op == Op.RET_K || op == Op.RET_A) {
            return new int[0];
        }
        if (op >= Op.JA && op <= Op.JSET_X || op == Op.JUMP_ALWAYS) {
            return new int[] {program.trueTargets()[pc], program.falseTargets()[pc]};
        }
        return new int[] {pc + 1};
    }
}
