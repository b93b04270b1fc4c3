package dev.sluice.ebpf.nodes;

import static dev.sluice.ebpf.isa.Opcodes.*;

import dev.sluice.ebpf.lower.LoweredProgram;
import java.util.Arrays;

/**
 * Where a blinded program may keep r0 in its blinded form (docs/guards.md 6.1, "Verdicts kept constants"). Every exit
 * of a blinded function returns r0 XOR the key's low half (sign-extended), and the function applies the key once after
 * its exits have merged ({@link FunctionBodyNode#execute}). A blinded {@code mov r0, K} then need not unblind K: it
 * stores r0's value XOR the key ("pending"; for a 64-bit mov the blinded {@code K ^ key} as it is), and r0 stays pending as long as no instruction
 * reads or writes it, up to an exit, which returns it as it is. So verdicts set before a branch or a jump to a shared
 * exit (clang's {@code r0 = 1; if ... goto L; r0 = 2; L: exit}) stay constants of the compiled code, between which
 * Graal chooses with a conditional move; unblinded at each mov, they were values computed from the key.
 *
 * <p>Where r0 must hold its plain value, it is unblinded first (one XOR): before an instruction that touches r0 while
 * it is pending, and on an edge from a pending slot into a slot where it is not (a merge with a path that wrote r0
 * plainly). A forward dataflow decides, per slot, whether r0 is pending when the slot starts: only if it is on every
 * path into the slot. Which instructions read or write r0 is decided conservatively (any operand that is register 0,
 * any call, any atomic operation, any legacy packet load): a false "reads" costs one XOR, never a wrong value.
 *
 * @param pendingIn per slot, whether r0 is pending when the slot starts
 * @param pendingOut per slot, whether r0 is pending after it (for its successors)
 * @param unblindBefore per slot, whether r0 is pending and the slot reads it, so it is unblinded first
 * @param storesBlinded per slot, whether it is a blinded {@code mov r0, K} (64- or 32-bit) that leaves r0 pending
 * @param blindedValues per such slot, what it stores: its value XOR the key's low half sign-extended. For a 64-bit mov
 *     that is the stored immediate; for a 32-bit one, whose value is K zero-extended, the stored immediate's low half
 *     (K's low half XOR the key's) under the key's high half (all ones or all zeros: the key's sign, nothing of K)
 */
record BlindedR0(
        boolean[] pendingIn,
        boolean[] pendingOut,
        boolean[] unblindBefore,
        boolean[] storesBlinded,
        long[] blindedValues) {

    static BlindedR0 of(LoweredProgram program, Blinding blinding) {
        byte[] kinds = blinding.kinds();
        long key32 = (int) blinding.key();
        int[] opcodes = program.opcodes();
        int n = opcodes.length;
        boolean[] storesBlinded = new boolean[n];
        long[] blindedValues = new long[n];
        boolean[] reads = new boolean[n];
        boolean[] writes = new boolean[n];
        for (int pc = 0; pc < n; pc++) {
            if (opcodes[pc] >= 0) {
                boolean mov = opcodes[pc] == (ALU64 | MOV | K) || opcodes[pc] == (ALU | MOV | K);
                storesBlinded[pc] = mov && program.dsts()[pc] == 0 && kinds[pc] == Blinding.KEY32;
                long stored = blinding.immediates()[pc];
                if (storesBlinded[pc]) {
                    blindedValues[pc] =
                            cls(opcodes[pc]) == ALU64 ? stored : (stored & 0xffffffffL) | (key32 & 0xffffffff00000000L);
                }
                reads[pc] = readsR0(opcodes[pc], program.dsts()[pc], program.srcs()[pc]);
                writes[pc] = writesR0(opcodes[pc], program.dsts()[pc]);
            }
        }
        // Optimistic start (pending everywhere but at function entries, where r0 holds nothing), then every slot
        // reached with r0 plain on some path is made plain, until nothing changes: flags only go from true to false.
        boolean[] in = new boolean[n];
        Arrays.fill(in, true);
        for (int entry : program.functionEntries()) {
            in[entry] = false;
        }
        boolean[] out = new boolean[n];
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int pc = 0; pc < n; pc++) {
                if (opcodes[pc] < 0) {
                    continue; // the second slot of an lddw
                }
                out[pc] = storesBlinded[pc] || (in[pc] && !reads[pc] && !writes[pc]);
                if (!out[pc]) {
                    for (int next : successors(program, pc)) {
                        if (next < n && in[next]) {
                            in[next] = false;
                            changed = true;
                        }
                    }
                }
            }
        }
        boolean[] unblindBefore = new boolean[n];
        for (int pc = 0; pc < n; pc++) {
            unblindBefore[pc] = opcodes[pc] >= 0 && in[pc] && reads[pc];
        }
        return new BlindedR0(in, out, unblindBefore, storesBlinded, blindedValues);
    }

    /**
     * Whether an instruction may read r0 (conservatively: a false "yes" costs one XOR, never a wrong value). An exit
     * does not count: it returns r0 in whichever form it is.
     */
    static boolean readsR0(int opcode, int dst, int src) {
        boolean srcIsR0 = src == 0 && source(opcode) == X;
        return switch (cls(opcode)) {
            case ALU, ALU64 -> dst == 0 && op(opcode) != MOV || srcIsR0;
            case JMP, JMP32 -> {
                int op = op(opcode);
                if (op == JA || op == EXIT && cls(opcode) == JMP) {
                    yield false;
                }
                yield dst == 0 && (op != CALL || source(opcode) == X) || srcIsR0 && op != CALL;
            }
            case LDX -> src == 0;
            case ST -> dst == 0;
            case STX -> dst == 0 || src == 0 || mode(opcode) == ATOMIC; // compare-and-exchange reads r0
            case LD -> mode(opcode) == IND && src == 0;
            default -> true;
        };
    }

    /** Whether an instruction may write r0 (conservatively, as {@link #readsR0}): calls and legacy loads set it. */
    static boolean writesR0(int opcode, int dst) {
        return switch (cls(opcode)) {
            case ALU, ALU64, LDX -> dst == 0;
            case JMP, JMP32 -> op(opcode) == CALL;
            case ST -> false;
            case STX -> mode(opcode) == ATOMIC;
            case LD -> opcode != LDDW || dst == 0;
            default -> true;
        };
    }

    /** The slots a slot passes control to within its function. */
    static int[] successors(LoweredProgram program, int pc) {
        int opcode = program.opcodes()[pc];
        int[] targets = program.targets();
        if (cls(opcode) == JMP || cls(opcode) == JMP32) {
            int op = op(opcode);
            if (op == EXIT && cls(opcode) == JMP) {
                return new int[0];
            }
            if (op == JA) {
                return new int[] {targets[pc]};
            }
            if (op != CALL) {
                return new int[] {pc + 1, targets[pc]};
            }
        }
        return new int[] {opcode == LDDW ? pc + 2 : pc + 1};
    }
}
