package dev.sluice.bpf.nodes;

import dev.sluice.bpf.lower.LoweredProgram;
import dev.sluice.bpf.lower.Op;

/**
 * Which blinded constants compiled code reads as data (docs/guards.md, "Constants as data"): a {@code jeq #k}, {@code
 * jset #k} or {@code and #k} reads its plain k from an array that is not compilation-final, so the compare or mask
 * takes a memory operand and k is never an immediate of the code. The other blinded form, {@code k ^ key}, gives Graal
 * a value computed from the key, invariant in a batch loop, which it computed before the loop and held in a register:
 * with three of them and the key, the loop of {@code tcp port 80} spilled its own state and reloaded three values from
 * the stack per packet. Two kinds of instruction keep the key form, where it compiles better:
 * <ul>
 * <li>a chain of at least {@link #SWITCH_CHAIN} {@code jeq #k} on one A (a host list): with immediates Graal turns it
 * into one switch (a hashed jump table), with memory operands it stays a row of compares;
 * <li>the instructions of an "or" tail, from the false edge of a jump into a {@code ret} to the next jump into the same
 * {@code ret} when nothing between them reads the packet at a computed offset: Graal evaluates such a tail without
 * branches (conditional moves) when its values are pure arithmetic, and a read of memory in it, being a fixed node,
 * keeps the branches.
 * </ul>
 */
final class DataOperands {
    /** The shortest chain of {@code jeq #k} on one A that keeps its immediates (Graal's switch needs constants). */
    static final int SWITCH_CHAIN = 4;

    private DataOperands() {}

    /** By pc: whether a blinded instruction reads its constant as data. */
    static boolean[] of(LoweredProgram program) {
        int[] ops = program.ops();
        int[] chains = chainSizes(program);
        boolean[] tails = orTails(program);
        boolean[] data = new boolean[ops.length];
        for (int pc = 0; pc < ops.length; pc++) {
            data[pc] = !tails[pc]
                    && switch (ops[pc]) {
                        case Op.JEQ_K -> chains[pc] < SWITCH_CHAIN;
                        case Op.JSET_K, Op.AND_K -> true;
                        default -> false;
                    };
        }
        return data;
    }

    /**
     * By pc: for a {@code jeq #k}, how many {@code jeq #k} its chain has (jumps joined by a true or false edge; a chain
     * of one is a {@link FilterBodyNode#loneCompares lone comparison}); 0 for other instructions.
     */
    static int[] chainSizes(LoweredProgram program) {
        int[] ops = program.ops();
        int[] parent = new int[ops.length];
        for (int pc = 0; pc < ops.length; pc++) {
            parent[pc] = pc;
        }
        for (int pc = 0; pc < ops.length; pc++) {
            if (ops[pc] == Op.JEQ_K) {
                for (int next : new int[] {program.trueTargets()[pc], program.falseTargets()[pc]}) {
                    if (ops[next] == Op.JEQ_K) {
                        parent[root(parent, pc)] = root(parent, next);
                    }
                }
            }
        }
        int[] members = new int[ops.length];
        for (int pc = 0; pc < ops.length; pc++) {
            if (ops[pc] == Op.JEQ_K) {
                members[root(parent, pc)]++;
            }
        }
        int[] sizes = new int[ops.length];
        for (int pc = 0; pc < ops.length; pc++) {
            sizes[pc] = ops[pc] == Op.JEQ_K ? members[root(parent, pc)] : 0;
        }
        return sizes;
    }

    private static int root(int[] parent, int x) {
        while (parent[x] != x) {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        return x;
    }

    /**
     * By pc: the instructions of "or" tails. A {@code jeq #k} or {@code jset #k} whose true edge goes to a {@code ret},
     * followed on its false edge by straight-line code and then a {@code jeq #k} or {@code jset #k} with the same true
     * target: the straight-line code and that second jump form a tail, unless the code loads from the packet at an
     * offset computed at run time (an indirect or negative load, {@code ldx msh}, an ancillary load), which is a read
     * Graal does not move before a branch anyway.
     */
    static boolean[] orTails(LoweredProgram program) {
        int[] ops = program.ops();
        boolean[] tail = new boolean[ops.length];
        for (int pc = 0; pc < ops.length; pc++) {
            if (!isConstantJump(ops[pc]) || !isReturn(ops[program.trueTargets()[pc]])) {
                continue;
            }
            int from = program.falseTargets()[pc];
            int end = from;
            boolean pure = true;
            while (end < ops.length && !isJumpOrReturn(ops[end])) {
                pure &= !readsAtComputedOffset(ops[end]);
                end++;
            }
            if (pure
                    && end < ops.length
                    && isConstantJump(ops[end])
                    && program.trueTargets()[end] == program.trueTargets()[pc]) {
                for (int i = from; i <= end; i++) {
                    tail[i] = true;
                }
            }
        }
        return tail;
    }

    private static boolean isConstantJump(int op) {
        return op == Op.JEQ_K || op == Op.JSET_K;
    }

    private static boolean isReturn(int op) {
        return op == Op.RET_K || op == Op.RET_A;
    }

    private static boolean isJumpOrReturn(int op) {
        return isReturn(op) || op == Op.JA || op == Op.JUMP_ALWAYS || op >= Op.JEQ_K && op <= Op.JSET_X;
    }

    private static boolean readsAtComputedOffset(int op) {
        return switch (op) {
            case Op.LD_IND_W,
                    Op.LD_IND_H,
                    Op.LD_IND_B,
                    Op.LD_NEG_W,
                    Op.LD_NEG_H,
                    Op.LD_NEG_B,
                    Op.LDX_MSH,
                    Op.LD_ANCILLARY -> true;
            default -> false;
        };
    }
}
