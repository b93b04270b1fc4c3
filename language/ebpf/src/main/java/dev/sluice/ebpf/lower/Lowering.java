package dev.sluice.ebpf.lower;

import static dev.sluice.ebpf.isa.Opcodes.*;

import dev.sluice.ebpf.isa.Insn;
import dev.sluice.ebpf.isa.Program;
import dev.sluice.ebpf.isa.ProgramType;
import dev.sluice.ebpf.runtime.FunctionAddress;
import dev.sluice.ebpf.runtime.Helper;
import dev.sluice.ebpf.runtime.MapAddress;
import dev.sluice.ebpf.runtime.Memory;
import dev.sluice.ebpf.verify.StructuralCheck;
import dev.sluice.ebpf.verify.Verifier;
import java.util.Arrays;

/** Turns a structurally checked program into the interpreter's {@link LoweredProgram}. */
public final class Lowering {
    private Lowering() {}

    public static LoweredProgram lower(Program p, ProgramType type, StructuralCheck.Shape shape) {
        return lower(p, type, shape, true);
    }

    /**
     * @param meterFuel false when no run can reach the instruction limit (the verifier proved every run shorter):
     *            then no block is charged, and the compiled code has no fuel check at all
     */
    public static LoweredProgram lower(Program p, ProgramType type, StructuralCheck.Shape shape, boolean meterFuel) {
        return lower(p, type, shape, meterFuel, null);
    }

    /**
     * @param verified what the verifier proved, or null (not verified): its proven accesses are lowered without
     *            their run-time guard
     */
    public static LoweredProgram lower(
            Program p, ProgramType type, StructuralCheck.Shape shape, boolean meterFuel, Verifier.Result verified) {
        int n = p.length();
        int[] proven = new int[n];
        if (verified != null) {
            for (int pc = 0; pc < n; pc++) {
                proven[pc] = verified.provenRegion(pc);
            }
        }
        int[] opcodes = new int[n], dsts = new int[n], srcs = new int[n], offsets = new int[n], targets = new int[n];
        long[] imms = new long[n];
        boolean[] leader = new boolean[n + 1];
        Arrays.fill(targets, -1);
        for (int e : shape.functionEntries()) {
            leader[e] = true;
        }
        for (int pc = 0; pc < n; pc++) {
            Insn i = p.get(pc);
            int opcode = i.opcode();
            opcodes[pc] = opcode;
            dsts[pc] = i.dst();
            srcs[pc] = i.src();
            offsets[pc] = i.off();
            imms[pc] = i.imm();
            if (shape.secondSlot()[pc]) {
                opcodes[pc] = -1;
                continue;
            }
            if (opcode == LDDW) {
                long value = (i.imm() & 0xffffffffL) | (long) p.get(pc + 1).imm() << 32;
                switch (i.src()) {
                    case LDDW_FUNCTION -> value = FunctionAddress.of(shape.functionOf(pc + 1 + i.imm()));
                    case LDDW_MAP_FD, LDDW_MAP_IDX -> value = MapAddress.of(i.imm());
                    case LDDW_MAP_VALUE_FD, LDDW_MAP_VALUE_IDX ->
                        value = Memory.mapValuePointer(i.imm(), 0, p.get(pc + 1).imm());
                    default -> {}
                }
                imms[pc] = value;
            } else if (opcode == (JMP | CALL) && i.src() == CALL_LOCAL) {
                targets[pc] = shape.functionOf(pc + 1 + i.imm());
                leader[pc + 1] = true;
            } else if (opcode == (JMP32 | JA)) {
                targets[pc] = pc + 1 + i.imm();
                leader[targets[pc]] = true;
                leader[pc + 1] = true;
            } else if (isJump(opcode) && op(opcode) != CALL && op(opcode) != EXIT) {
                targets[pc] = pc + 1 + i.off();
                leader[targets[pc]] = true;
                leader[pc + 1] = true;
            } else if (opcode == (JMP | EXIT) || opcode == (JMP | CALL | X) || opcode == (JMP | CALL)) {
                leader[pc + 1] = true;
            }
        }
        int[] costs = new int[n];
        int start = 0;
        int count = 0;
        for (int pc = 0; pc < n; pc++) {
            if (leader[pc] && pc != start) {
                costs[start] = count;
                start = pc;
                count = 0;
            }
            if (opcodes[pc] != -1) {
                count++;
            }
        }
        costs[start] = count;
        if (!meterFuel) {
            Arrays.fill(costs, 0);
        }
        return new LoweredProgram(
                p,
                type,
                opcodes,
                dsts,
                srcs,
                offsets,
                imms,
                targets,
                costs,
                shape.functionEntries().clone(),
                proven,
                type == ProgramType.SOCKET_FILTER
                        && (verified == null
                                || verified.readsContext(LoweredProgram.SKB_PROTOCOL, 4)
                                || makesTailCall(p, shape)),
                type == ProgramType.SOCKET_FILTER
                        && (verified == null || verified.writesContext() || makesTailCall(p, shape)));
    }

    /**
     * Whether the program calls tail_call: its target, a program not known here, then runs on the same __sk_buff and
     * shares the run's fuel. (The verifier refuses callx, the one other way to reach a helper.)
     */
    public static boolean makesTailCall(Program p, StructuralCheck.Shape shape) {
        for (int pc = 0; pc < p.length(); pc++) {
            Insn i = p.get(pc);
            if (!shape.secondSlot()[pc]
                    && i.opcode() == (JMP | CALL)
                    && i.src() == CALL_HELPER
                    && i.imm() == Helper.TAIL_CALL.id) {
                return true;
            }
        }
        return false;
    }
}
