package dev.sluice.ebpf.verify;

import static dev.sluice.ebpf.isa.Opcodes.*;

import dev.sluice.core.error.SluiceException;
import dev.sluice.ebpf.isa.Insn;
import dev.sluice.ebpf.isa.Program;
import dev.sluice.ebpf.isa.ProgramType;
import dev.sluice.ebpf.runtime.EbpfFailure;
import dev.sluice.ebpf.runtime.Helper;
import dev.sluice.ebpf.runtime.Memory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * The checks a program must pass before it runs at all, its own pass: every opcode is defined by RFC 9669 and every
 * unused field is zero, registers exist and r10 is never written, jumps land on an instruction of their own function
 * (not in the second slot of an lddw), no function falls off its end, local calls form no cycle and no chain deeper
 * than 8 frames, and every helper is in the program type's table. These are structural facts only: memory safety is
 * the run-time guards' job until the verifier (a later pass) proves accesses safe.
 */
public final class StructuralCheck {
    /** The kernel's limit for privileged programs (BPF_COMPLEXITY_LIMIT_INSNS). */
    public static final int MAX_SLOTS = 1_000_000;

    private StructuralCheck() {}

    /** What the check learned that later stages use: the function entries (sorted) and the lddw second slots. */
    public record Shape(int[] functionEntries, boolean[] secondSlot) {
        /** The index of the function containing slot {@code pc}. */
        public int functionOf(int pc) {
            int i = Arrays.binarySearch(functionEntries, pc);
            return i >= 0 ? i : -i - 2;
        }

        public int functionEnd(int function) {
            return function + 1 < functionEntries.length ? functionEntries[function + 1] : Integer.MAX_VALUE;
        }
    }

    public static Shape check(Program p, ProgramType type) {
        return check(p, type, java.util.List.of());
    }

    /** @param maps the program's maps: lddw map_fd/map_idx N refers to {@code maps.get(N)} */
    public static Shape check(Program p, ProgramType type, java.util.List<dev.sluice.ebpf.maps.MapSpec> maps) {
        int n = p.length();
        if (maps.size() > Memory.MAX_MAPS) {
            throw SluiceException.create(EbpfFailure.TOO_MANY_MAPS, maps.size(), Memory.MAX_MAPS);
        }
        if (n == 0) {
            throw SluiceException.create(EbpfFailure.EMPTY_PROGRAM);
        }
        if (n > MAX_SLOTS) {
            throw SluiceException.create(EbpfFailure.PROGRAM_TOO_LONG, n, MAX_SLOTS);
        }
        boolean[] second = new boolean[n];
        TreeSet<Integer> entries = new TreeSet<>();
        entries.add(0);
        for (int pc = 0; pc < n; pc++) {
            Insn i = p.get(pc);
            fields(i, pc, type);
            if (i.opcode() == LDDW) {
                if (pc + 1 >= n) {
                    throw SluiceException.atInsn(pc, EbpfFailure.INCOMPLETE_LDDW, pc);
                }
                Insn hi = p.get(pc + 1);
                if (hi.opcode() != 0 || hi.dst() != 0 || hi.src() != 0 || hi.off() != 0) {
                    throw SluiceException.atInsn(
                            pc + 1,
                            EbpfFailure.RESERVED_FIELD,
                            pc + 1,
                            "the second slot of lddw",
                            "opcode, dst, src and offset must be 0");
                }
                second[pc + 1] = true;
                mapReference(i, hi, pc, maps);
                if (i.src() == LDDW_FUNCTION) {
                    entries.add(callTarget(p, pc, n));
                }
                pc++;
            } else if (i.opcode() == (JMP | CALL) && i.src() == CALL_LOCAL) {
                entries.add(callTarget(p, pc, n));
            }
        }
        int[] entryArray = entries.stream().mapToInt(Integer::intValue).toArray();
        Shape shape = new Shape(entryArray, second);
        for (int e : entryArray) {
            if (second[e]) {
                throw SluiceException.atInsn(e, EbpfFailure.JUMP_INTO_LDDW, e, e);
            }
        }
        for (int pc = 0; pc < n; pc++) {
            if (second[pc]) {
                continue;
            }
            Insn i = p.get(pc);
            int target = jumpTarget(i, pc);
            if (target == Integer.MIN_VALUE) {
                continue;
            }
            if (target < 0 || target >= n) {
                throw SluiceException.atInsn(pc, EbpfFailure.JUMP_OUT_OF_RANGE, pc, target, n);
            }
            if (second[target]) {
                throw SluiceException.atInsn(pc, EbpfFailure.JUMP_INTO_LDDW, pc, target);
            }
            int f = shape.functionOf(pc);
            if (shape.functionOf(target) != f) {
                throw SluiceException.atInsn(pc, EbpfFailure.JUMP_OUT_OF_FUNCTION, pc, target, entryArray[f]);
            }
        }
        for (int f = 0; f < entryArray.length; f++) {
            int last = Math.min(shape.functionEnd(f), n) - 1;
            int lastInsn = second[last] ? last - 1 : last;
            int opcode = p.get(lastInsn).opcode();
            if (second[last] || opcode != (JMP | EXIT) && opcode != (JMP | JA) && opcode != (JMP32 | JA)) {
                throw SluiceException.atInsn(lastInsn, EbpfFailure.FALLS_OFF_END, lastInsn, entryArray[f]);
            }
        }
        if (entryArray.length > 1) {
            for (int pc = 0; pc < n; pc++) {
                int opcode = p.get(pc).opcode();
                if (!second[pc]
                        && shape.functionOf(pc) != 0
                        && cls(opcode) == LD
                        && (mode(opcode) == ABS || mode(opcode) == IND)) {
                    // As in the kernel (without BTF): an out-of-packet legacy load ends the whole program, which a
                    // callee cannot do. In the main function it is allowed: there, ending the function ends the
                    // program.
                    throw SluiceException.atInsn(
                            pc,
                            EbpfFailure.UNSUPPORTED,
                            pc,
                            "a legacy packet load (ld_abs/ld_ind) in a local function");
                }
            }
        }
        callGraph(p, shape);
        return shape;
    }

    /** A map reference of lddw must name one of the program's maps; a map value must lie inside an array map's value. */
    private static void mapReference(Insn i, Insn hi, int pc, java.util.List<dev.sluice.ebpf.maps.MapSpec> maps) {
        int src = i.src();
        if (src != LDDW_MAP_FD && src != LDDW_MAP_IDX && src != LDDW_MAP_VALUE_FD && src != LDDW_MAP_VALUE_IDX) {
            return;
        }
        if (i.imm() < 0 || i.imm() >= maps.size()) {
            throw SluiceException.atInsn(pc, EbpfFailure.NO_SUCH_MAP, pc, i.imm(), maps.size());
        }
        if (src == LDDW_MAP_VALUE_FD || src == LDDW_MAP_VALUE_IDX) {
            dev.sluice.ebpf.maps.MapSpec m = maps.get(i.imm());
            if (!m.type().isArray()
                    || m.type() == dev.sluice.ebpf.maps.MapType.PROG_ARRAY
                    || hi.imm() < 0
                    || hi.imm() >= m.valueSize()) {
                throw SluiceException.atInsn(pc, EbpfFailure.BAD_MAP_VALUE, pc, i.imm(), hi.imm());
            }
        } else if (hi.imm() != 0) {
            throw reserved(pc, "lddw of a map", "the second slot's imm must be 0");
        }
    }

    private static int callTarget(Program p, int pc, int n) {
        int target = pc + 1 + p.get(pc).imm();
        if (target < 0 || target >= n) {
            throw SluiceException.atInsn(pc, EbpfFailure.CALL_OUT_OF_RANGE, pc, target, n);
        }
        return target;
    }

    /** The target of a jump (not a call), or MIN_VALUE when {@code i} is not a jump. */
    private static int jumpTarget(Insn i, int pc) {
        int opcode = i.opcode();
        if (opcode == (JMP32 | JA)) {
            return pc + 1 + i.imm();
        }
        if (isJump(opcode) && op(opcode) != CALL && op(opcode) != EXIT) {
            return pc + 1 + i.off();
        }
        return Integer.MIN_VALUE;
    }

    /** Rejects cycles of local calls and chains deeper than the frame limit. */
    private static void callGraph(Program p, Shape shape) {
        int functions = shape.functionEntries().length;
        List<List<int[]>> calls = new ArrayList<>();
        for (int f = 0; f < functions; f++) {
            calls.add(new ArrayList<>());
        }
        for (int pc = 0; pc < p.length(); pc++) {
            Insn i = p.get(pc);
            if (!shape.secondSlot()[pc] && i.opcode() == (JMP | CALL) && i.src() == CALL_LOCAL) {
                int callee = shape.functionOf(pc + 1 + i.imm());
                calls.get(shape.functionOf(pc)).add(new int[] {pc, callee});
            }
        }
        int[] state = new int[functions]; // 0 unvisited, 1 on the path, 2 done
        int[] depth = new int[functions]; // frames of the deepest chain starting at f
        for (int f = 0; f < functions; f++) {
            depthOf(f, calls, state, depth, shape, new ArrayList<>(), p);
        }
    }

    private static int depthOf(
            int f, List<List<int[]>> calls, int[] state, int[] depth, Shape shape, List<Integer> path, Program p) {
        if (state[f] == 2) {
            return depth[f];
        }
        state[f] = 1;
        path.add(f);
        int deepest = 1;
        for (int[] call : calls.get(f)) {
            int callee = call[1];
            if (state[callee] == 1) {
                StringBuilder chain = new StringBuilder();
                for (int g : path.subList(path.indexOf(callee), path.size())) {
                    chain.append("insn ").append(shape.functionEntries()[g]).append(" -> ");
                }
                chain.append("insn ").append(shape.functionEntries()[callee]);
                throw SluiceException.atInsn(call[0], EbpfFailure.RECURSIVE_CALL, call[0], chain);
            }
            int d = 1 + depthOf(callee, calls, state, depth, shape, path, p);
            if (d > Memory.MAX_FRAMES) {
                throw SluiceException.atInsn(
                        call[0],
                        EbpfFailure.CALL_CHAIN_TOO_DEEP,
                        call[0],
                        d,
                        "from the function at insn " + shape.functionEntries()[f],
                        Memory.MAX_FRAMES);
            }
            deepest = Math.max(deepest, d);
        }
        path.remove(path.size() - 1);
        state[f] = 2;
        depth[f] = deepest;
        return deepest;
    }

    private static SluiceException reserved(int pc, String what, String rule) {
        return SluiceException.atInsn(pc, EbpfFailure.RESERVED_FIELD, pc, what, rule);
    }

    private static SluiceException unknown(int pc, int opcode) {
        return SluiceException.atInsn(pc, EbpfFailure.UNKNOWN_OPCODE, pc, opcode);
    }

    private static void register(int pc, int r) {
        if (r > 10) {
            throw SluiceException.atInsn(pc, EbpfFailure.BAD_REGISTER, pc, r);
        }
    }

    private static void writable(int pc, int r) {
        register(pc, r);
        if (r == FRAME_POINTER) {
            throw SluiceException.atInsn(pc, EbpfFailure.FRAME_POINTER_WRITE, pc);
        }
    }

    /** The per-instruction rules of RFC 9669 (opcode tables, unused fields zero), with the kernel's wording. */
    private static void fields(Insn i, int pc, ProgramType type) {
        int opcode = i.opcode();
        switch (cls(opcode)) {
            case ALU, ALU64 -> {
                boolean is64 = cls(opcode) == ALU64;
                int op = op(opcode);
                if (op > END) {
                    throw unknown(pc, opcode);
                }
                writable(pc, i.dst());
                if (op == NEG) {
                    if (source(opcode) != K || i.src() != 0 || i.off() != 0 || i.imm() != 0) {
                        throw reserved(pc, "neg", "source K, src, offset and imm 0");
                    }
                    return;
                }
                if (op == END) {
                    if (is64 && source(opcode) != TO_LE) {
                        throw unknown(pc, opcode);
                    }
                    if (i.src() != 0 || i.off() != 0) {
                        throw reserved(pc, is64 ? "bswap" : "le/be", "src and offset 0");
                    }
                    if (i.imm() != 16 && i.imm() != 32 && i.imm() != 64) {
                        throw SluiceException.atInsn(
                                pc,
                                EbpfFailure.BAD_IMMEDIATE,
                                pc,
                                "byte swap width " + i.imm() + " is not 16, 32 or 64");
                    }
                    return;
                }
                boolean offOk = i.off() == 0
                        || (op == DIV || op == MOD) && i.off() == 1
                        || op == MOV && source(opcode) == X && (i.off() == 8 || i.off() == 16 || is64 && i.off() == 32);
                if (!offOk) {
                    throw reserved(pc, "ALU instruction", "offset must be 0 (1 for sdiv/smod; 8, 16 or 32 for movsx)");
                }
                if (source(opcode) == K && i.src() != 0) {
                    throw reserved(pc, "ALU instruction with an immediate", "src must be 0");
                }
                if (source(opcode) == X) {
                    register(pc, i.src());
                    if (i.imm() != 0) {
                        throw reserved(pc, "ALU instruction with a register source", "imm must be 0");
                    }
                }
            }
            case JMP, JMP32 -> {
                boolean is32 = cls(opcode) == JMP32;
                int op = op(opcode);
                if (op > JSLE) {
                    throw unknown(pc, opcode);
                }
                switch (op) {
                    case JA -> {
                        if (source(opcode) != K) {
                            throw unknown(pc, opcode);
                        }
                        if (i.dst() != 0 || i.src() != 0 || (is32 ? i.off() != 0 : i.imm() != 0)) {
                            throw reserved(
                                    pc,
                                    is32 ? "ja32" : "ja",
                                    is32 ? "dst, src and offset must be 0" : "dst, src and imm must be 0");
                        }
                    }
                    case EXIT -> {
                        if (is32 || source(opcode) != K) {
                            throw unknown(pc, opcode);
                        }
                        if (i.dst() != 0 || i.src() != 0 || i.off() != 0 || i.imm() != 0) {
                            throw reserved(pc, "exit", "all fields must be 0");
                        }
                    }
                    case CALL -> {
                        if (is32) {
                            throw unknown(pc, opcode);
                        }
                        if (source(opcode) == X) {
                            register(pc, i.dst());
                            if (i.src() != 0 || i.off() != 0 || i.imm() != 0) {
                                throw reserved(pc, "callx", "src, offset and imm must be 0");
                            }
                            return;
                        }
                        if (i.dst() != 0 || i.off() != 0) {
                            throw reserved(pc, "call", "dst and offset must be 0");
                        }
                        switch (i.src()) {
                            case CALL_HELPER -> {
                                if (Helper.lookup(type, i.imm()) == null) {
                                    throw SluiceException.atInsn(
                                            pc, EbpfFailure.UNKNOWN_HELPER, pc, i.imm(), type.id());
                                }
                            }
                            case CALL_LOCAL -> {}
                            case CALL_KFUNC ->
                                throw SluiceException.atInsn(
                                        pc,
                                        EbpfFailure.UNSUPPORTED,
                                        pc,
                                        "a call of a kernel function (call runtime, src 2)");
                            default ->
                                throw reserved(pc, "call", "src must be 0 (helper), 1 (local) or 2 (kernel function)");
                        }
                    }
                    default -> {
                        register(pc, i.dst());
                        if (source(opcode) == K && i.src() != 0) {
                            throw reserved(pc, "conditional jump with an immediate", "src must be 0");
                        }
                        if (source(opcode) == X) {
                            register(pc, i.src());
                            if (i.imm() != 0) {
                                throw reserved(pc, "conditional jump with a register source", "imm must be 0");
                            }
                        }
                    }
                }
            }
            case LD -> {
                if (opcode == LDDW) {
                    writable(pc, i.dst());
                    if (i.off() != 0) {
                        throw reserved(pc, "lddw", "offset must be 0");
                    }
                    switch (i.src()) {
                        case LDDW_IMM64, LDDW_FUNCTION -> {}
                        case LDDW_MAP_FD, LDDW_MAP_VALUE_FD, LDDW_MAP_IDX, LDDW_MAP_VALUE_IDX -> {
                            // checked with the second slot (mapReference)
                        }
                        case LDDW_VARIABLE ->
                            throw SluiceException.atInsn(
                                    pc, EbpfFailure.UNSUPPORTED, pc, "lddw of a variable address (src 3)");
                        default -> throw reserved(pc, "lddw", "src must be 0 to 6");
                    }
                    return;
                }
                int mode = mode(opcode);
                if (mode != ABS && mode != IND || size(opcode) == DW) {
                    throw unknown(pc, opcode);
                }
                if (i.dst() != 0 || i.off() != 0 || mode == ABS && i.src() != 0) {
                    throw reserved(
                            pc,
                            mode == ABS ? "ld_abs" : "ld_ind",
                            "dst and offset must be 0" + (mode == ABS ? ", and src" : ""));
                }
                register(pc, i.src());
            }
            case LDX -> {
                int mode = mode(opcode);
                if (mode != MEM && !(mode == MEMSX && size(opcode) != DW)) {
                    throw unknown(pc, opcode);
                }
                writable(pc, i.dst());
                register(pc, i.src());
                if (i.imm() != 0) {
                    throw reserved(pc, "ldx", "imm must be 0");
                }
            }
            case ST -> {
                if (mode(opcode) != MEM) {
                    throw unknown(pc, opcode);
                }
                register(pc, i.dst());
                if (i.src() != 0) {
                    throw reserved(pc, "st", "src must be 0");
                }
            }
            case STX -> {
                int mode = mode(opcode);
                register(pc, i.dst());
                register(pc, i.src());
                if (mode == MEM) {
                    if (i.imm() != 0) {
                        throw reserved(pc, "stx", "imm must be 0");
                    }
                    return;
                }
                if (mode != ATOMIC || size(opcode) != W && size(opcode) != DW) {
                    throw unknown(pc, opcode);
                }
                int code = i.imm();
                int base = code & ~FETCH;
                if (code != XCHG && code != CMPXCHG && base != ADD && base != OR && base != AND && base != XOR) {
                    throw SluiceException.atInsn(
                            pc,
                            EbpfFailure.BAD_IMMEDIATE,
                            pc,
                            "atomic operation 0x" + Integer.toHexString(code) + " is not defined");
                }
            }
            default -> throw unknown(pc, opcode);
        }
    }
}
