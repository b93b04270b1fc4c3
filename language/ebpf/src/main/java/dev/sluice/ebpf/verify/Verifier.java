package dev.sluice.ebpf.verify;

import static dev.sluice.ebpf.isa.Opcodes.*;

import dev.sluice.core.error.SluiceException;
import dev.sluice.ebpf.isa.Alu;
import dev.sluice.ebpf.isa.Insn;
import dev.sluice.ebpf.isa.Program;
import dev.sluice.ebpf.isa.ProgramType;
import dev.sluice.ebpf.maps.MapSpec;
import dev.sluice.ebpf.maps.MapType;
import dev.sluice.ebpf.runtime.EbpfFailure;
import dev.sluice.ebpf.runtime.Helper;
import dev.sluice.ebpf.runtime.Memory;
import dev.sluice.ebpf.verify.Reg.Kind;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The eBPF verifier: an abstract interpreter that follows every path of a structurally checked program before it
 * runs, as the kernel's verifier does, and refuses the program at the first instruction that could break a rule
 * (docs/ebpf-verifier.md lists the rules). Paths are explored depth first; at jump targets the state is compared
 * with the states already explored to their end there, and a path whose state one of them subsumes is not explored
 * again. Loops are explored iteration by iteration: a loop whose exit the verifier cannot prove reaches the
 * processed-instruction limit (or repeats a state exactly: an infinite loop).
 */
public final class Verifier {
    /** The kernel's BPF_COMPLEXITY_LIMIT_INSNS. */
    public static final int DEFAULT_LIMIT = 1_000_000;
    /** Largest packet offset the kernel tracks (MAX_PACKET_OFF). */
    static final int MAX_PACKET_OFF = 0xffff;
    /** Pointer offsets beyond this are refused (the kernel's BPF_MAX_VAR_OFF). */
    static final long MAX_OFF = 1L << 29;

    /** What a successful verification measured. */
    public record Result(
            long processed,
            int statesStored,
            int peakStack,
            java.util.BitSet reached,
            int[] provenRegions,
            java.util.BitSet contextRead,
            boolean writesContext) {
        /** Whether some path the verifier explored reached instruction {@code pc} (else it is dead code for it). */
        public boolean reached(int pc) {
            return reached.get(pc);
        }

        /**
         * The region the load or store at {@code pc} (LDX, ST, STX; not atomics) was proven inside on every path that
         * reached it: {@link Memory#STACK0} (a stack), {@link Memory#PACKET} or {@link Memory#MAP_VALUES} (a map
         * value); 0 when not proven (the context, a raw program's input, or different regions on different paths).
         * The run-time guard need not check these accesses. For a 64-bit register jump, {@link Memory#PACKET} when on
         * every path it compared a packet pointer with the packet's end, both in the packet's region (so their low
         * halves decide it). For a 64-bit add or sub of an immediate, {@link Memory#PACKET} or {@link Memory#STACK0}
         * when on every path it moved a pointer of that region by a signed 16-bit value (constant blinding leaves
         * that immediate plain, as a load's {@code off}).
         */
        public int provenRegion(int pc) {
            return provenRegions[pc] > 0 ? provenRegions[pc] : 0;
        }

        /**
         * Whether some load the verifier explored reads a byte of the context in {@code [at, at + size)}. Context
         * accesses have constant offsets (a variable one is refused), so this covers every read of the program's own
         * code; a tail call's target is another program, with its own reads.
         */
        public boolean readsContext(int at, int size) {
            int next = contextRead.nextSetBit(at);
            return next >= 0 && next < at + size;
        }

        /**
         * Whether some store the verifier explored writes the context (a socket filter's cb[]: the only writable
         * part, and helpers cannot take the context as memory).
         */
        public boolean writesContext() {
            return writesContext;
        }
    }

    private final Program program;
    private final ProgramType type;
    private final StructuralCheck.Shape shape;
    private final List<MapSpec> maps;
    private final long limit;
    /** The kernel's rules for programs loaded without CAP_BPF/CAP_PERFMON (no pointer leaks, no loops, no calls). */
    private final boolean unprivileged;
    /** Constant-time mode: the secret bytes of the program's data (packet, or a raw program's input); null when off. */
    private final java.util.BitSet secret;

    private final int[] stackDepth; // per function: the deepest stack byte touched (bytes below r10)
    private final List<List<Visit>> visits;
    private final boolean[] prunePoint;
    private int nextId = 1;
    private long processed;
    private int stored;
    private final java.util.BitSet reached = new java.util.BitSet();
    /** Per instruction: the region every visit's load or store was checked in (Memory's ids), -1 for mixed or other. */
    private final int[] accessRegions;
    /** The context bytes some explored load reads (Result#readsContext). */
    private final java.util.BitSet contextRead = new java.util.BitSet();
    /** Whether some explored store writes the context (Result#writesContext). */
    private boolean contextWritten;
    /** The map of ids of every state comparison (one at a time): allocated once, not per comparison. */
    private final State.IdMap ids = new State.IdMap();

    /** A state stored at a prune point, with the number of paths from it still being explored. */
    private static final class Visit {
        final State state;
        final Visit parent;
        int branches = 1;
        int hits, misses;

        Visit(State state, Visit parent) {
            this.state = state;
            this.parent = parent;
        }
    }

    private static final class Path {
        int pc;
        State state;
        Visit visit;

        Path(int pc, State state, Visit visit) {
            this.pc = pc;
            this.state = state;
            this.visit = visit;
        }
    }

    private Verifier(
            Program program,
            ProgramType type,
            StructuralCheck.Shape shape,
            List<MapSpec> maps,
            long limit,
            boolean unprivileged,
            java.util.BitSet secret) {
        this.program = program;
        this.unprivileged = unprivileged;
        this.secret = secret;
        this.type = type;
        this.shape = shape;
        this.maps = maps;
        this.limit = limit;
        this.stackDepth = new int[shape.functionEntries().length];
        this.visits = new ArrayList<>(program.length());
        this.prunePoint = new boolean[program.length()];
        this.accessRegions = new int[program.length()];
        for (int i = 0; i < program.length(); i++) {
            visits.add(null);
        }
    }

    /**
     * Verifies {@code program} (already through {@link StructuralCheck}); a rule broken anywhere is a VERIFY
     * {@link SluiceException} naming the instruction.
     */
    public static Result verify(
            Program program, ProgramType type, StructuralCheck.Shape shape, List<MapSpec> maps, long limit) {
        return verify(program, type, shape, maps, limit, false);
    }

    /** @param unprivileged apply the kernel's rules for unprivileged programs as well */
    public static Result verify(
            Program program,
            ProgramType type,
            StructuralCheck.Shape shape,
            List<MapSpec> maps,
            long limit,
            boolean unprivileged) {
        return verify(program, type, shape, maps, limit, unprivileged, null);
    }

    /** @param secret constant-time mode: the secret bytes of the program's data; null for the normal rules */
    public static Result verify(
            Program program,
            ProgramType type,
            StructuralCheck.Shape shape,
            List<MapSpec> maps,
            long limit,
            boolean unprivileged,
            java.util.BitSet secret) {
        Verifier v = new Verifier(program, type, shape, maps, limit, unprivileged, secret);
        if (unprivileged) {
            v.unprivilegedStructure();
        }
        v.reachability();
        v.explore();
        int peak = v.checkStackDepth();
        return new Result(v.processed, v.stored, peak, v.reached, v.accessRegions, v.contextRead, v.contextWritten);
    }

    private Insn insn(int pc) {
        return program.get(pc);
    }

    private static SluiceException fail(int pc, EbpfFailure kind, Object... args) {
        Object[] all = new Object[args.length + 1];
        all[0] = pc;
        System.arraycopy(args, 0, all, 1, args.length);
        return SluiceException.atInsn(pc, kind, all);
    }

    // --- The control-flow graph: every instruction reachable, prune points at jump targets ---

    private void reachability() {
        int n = program.length();
        boolean[] seen = new boolean[n];
        Deque<Integer> work = new ArrayDeque<>();
        work.push(0);
        seen[0] = true;
        while (!work.isEmpty()) {
            int pc = work.pop();
            Insn i = insn(pc);
            int opcode = i.opcode();
            List<Integer> next = new ArrayList<>(2);
            if (opcode == LDDW) {
                next.add(pc + 2);
                if (i.src() == LDDW_FUNCTION) {
                    next.add(pc + 1 + i.imm());
                    prunePoint[pc + 1 + i.imm()] = true;
                }
            } else if (opcode == (JMP | EXIT)) {
                // nothing follows
            } else if (opcode == (JMP | JA) || opcode == (JMP32 | JA)) {
                int target = pc + 1 + (opcode == (JMP | JA) ? i.off() : i.imm());
                next.add(target);
                prunePoint[target] = true;
            } else if (isConditionalJump(opcode)) {
                next.add(pc + 1);
                next.add(pc + 1 + i.off());
                prunePoint[pc + 1 + i.off()] = true;
                prunePoint[pc + 1] = true;
            } else if (opcode == (JMP | CALL) && i.src() == CALL_LOCAL) {
                next.add(pc + 1);
                next.add(pc + 1 + i.imm());
                prunePoint[pc + 1 + i.imm()] = true;
                prunePoint[pc + 1] = true;
            } else {
                next.add(pc + 1);
            }
            for (int t : next) {
                if (t < n && !seen[t]) {
                    seen[t] = true;
                    work.push(t);
                }
            }
        }
        for (int pc = 0; pc < n; pc++) {
            if (!seen[pc] && !shape.secondSlot()[pc]) {
                throw fail(pc, EbpfFailure.V_UNREACHABLE);
            }
        }
    }

    // --- Exploration ---

    private State initialState() {
        State.Frame main = new State.Frame(-1, 0);
        main.regs[FRAME_POINTER] = Reg.stack(0, 0);
        if (type == ProgramType.RAW) {
            main.regs[1] = Reg.pointer(Kind.INPUT, 0);
            main.regs[2] = Reg.scalar(Scalar.upTo(Integer.MAX_VALUE)); // the input's length
        } else {
            main.regs[1] = Reg.pointer(Kind.CTX, 0);
        }
        return new State(new State.Frame[] {main});
    }

    private void explore() {
        Deque<Path> work = new ArrayDeque<>();
        work.push(new Path(0, initialState(), null));
        while (!work.isEmpty()) {
            Path path = work.pop();
            boolean live = true;
            while (live) {
                if (prunePoint[path.pc]) {
                    if (pruned(path)) {
                        finish(path.visit);
                        break;
                    }
                }
                reached.set(path.pc);
                if (++processed > limit) {
                    throw fail(path.pc, EbpfFailure.V_TOO_COMPLEX, processed - 1, limit);
                }
                live = step(path, work);
            }
        }
    }

    /**
     * States kept per instruction. A loop explored iteration by iteration would otherwise store one state per trip and
     * compare each new one with all of them; past this many, a path goes on without storing (the limit still bounds
     * it), and complete states that rarely prune are dropped (the kernel's heuristic: more than 3 misses per hit).
     */
    static final int MAX_VISITS_PER_INSN = 64;

    /** Whether an explored state subsumes the path's; else the path's state is stored here. */
    private boolean pruned(Path path) {
        List<Visit> here = visits.get(path.pc);
        if (here == null) {
            here = new ArrayList<>();
            visits.set(path.pc, here);
        }
        for (int k = 0; k < here.size(); k++) {
            Visit v = here.get(k);
            if (v.branches == 0) {
                if (path.state.within(v.state, ids)) {
                    v.hits++;
                    return true;
                }
                if (++v.misses > v.hits * 3 + 3 && here.size() >= MAX_VISITS_PER_INSN / 2) {
                    here.remove(k--);
                }
            } else if (path.state.sameAs(v.state, ids) && isAncestor(v, path.visit)) {
                throw fail(path.pc, EbpfFailure.V_INFINITE_LOOP, path.pc);
            }
        }
        if (here.size() >= MAX_VISITS_PER_INSN) {
            return false;
        }
        Visit v = new Visit(path.state.copy(), path.visit);
        here.add(v);
        stored++;
        path.visit = v;
        return false;
    }

    private static boolean isAncestor(Visit candidate, Visit from) {
        for (Visit v = from; v != null; v = v.parent) {
            if (v == candidate) {
                return true;
            }
        }
        return false;
    }

    /** A path ended (exit, pruned or dead): the visits it came through may now be complete. */
    private static void finish(Visit visit) {
        for (Visit v = visit; v != null; v = v.parent) {
            if (--v.branches > 0) {
                return;
            }
        }
    }

    private Path fork(Path path, int pc, State state) {
        if (path.visit != null) {
            path.visit.branches++;
        }
        return new Path(pc, state, path.visit);
    }

    /** Runs one instruction on the path; false when the path ended. */
    private boolean step(Path path, Deque<Path> work) {
        if (secret == null) {
            return stepTypes(path, work);
        }
        int pc = path.pc;
        Insn i = insn(pc);
        Taint effect = taintBefore(pc, i, path.state);
        int depth = path.state.frames.length;
        boolean goesOn = stepTypes(path, work);
        taintAfter(i, path.state, depth, effect);
        return goesOn;
    }

    /** Runs one instruction on the path, types and values only; false when the path ended. */
    private boolean stepTypes(Path path, Deque<Path> work) {
        int pc = path.pc;
        Insn i = insn(pc);
        int opcode = i.opcode();
        State st = path.state;
        switch (cls(opcode)) {
            case ALU, ALU64 -> {
                alu(pc, i, st);
                path.pc = pc + 1;
                return true;
            }
            case LDX -> {
                Reg base = read(pc, st, i.src());
                recordRegion(pc, base);
                Reg value = access(
                        pc, st, i.src(), base, i.off(), sizeBytes(opcode), Access.LOAD, null, mode(opcode) == MEMSX);
                st.set(i.dst(), value);
                path.pc = pc + 1;
                return true;
            }
            case ST -> {
                Reg base = read(pc, st, i.dst());
                if (base.kind() == Kind.CTX) {
                    throw fail(pc, EbpfFailure.V_STORE_NOT_ALLOWED, "BPF_ST", i.dst(), base.describe());
                }
                recordRegion(pc, base);
                access(pc, st, i.dst(), base, i.off(), sizeBytes(opcode), Access.STORE, Reg.constant(i.imm()), false);
                path.pc = pc + 1;
                return true;
            }
            case STX -> {
                Reg base = read(pc, st, i.dst());
                Reg value = read(pc, st, i.src());
                if (mode(opcode) == ATOMIC) {
                    atomic(pc, i, st, base);
                } else {
                    if (unprivileged && value.isPointer() && base.kind() != Kind.STACK) {
                        String into = switch (base.kind()) {
                            case MAP_VALUE -> "map";
                            case CTX -> "ctx";
                            case PACKET -> "packet";
                            default -> "mem";
                        };
                        throw fail(pc, EbpfFailure.V_UNPRIVILEGED, "R" + i.src() + " leaks addr into " + into);
                    }
                    recordRegion(pc, base);
                    access(pc, st, i.dst(), base, i.off(), sizeBytes(opcode), Access.STORE, value, false);
                }
                path.pc = pc + 1;
                return true;
            }
            case LD -> {
                if (opcode == LDDW) {
                    st.set(i.dst(), lddw(pc, i));
                    path.pc = pc + 2;
                } else {
                    legacyPacketLoad(pc, i, st);
                    path.pc = pc + 1;
                }
                return true;
            }
            default -> {
                return jump(path, work, pc, i, st);
            }
        }
    }

    private Reg read(int pc, State st, int r) {
        Reg v = st.reg(r);
        if (v.kind() == Kind.NOT_INIT) {
            throw fail(pc, EbpfFailure.V_UNINIT_REGISTER, r);
        }
        return v;
    }

    private Reg lddw(int pc, Insn i) {
        long value = (i.imm() & 0xffffffffL) | (long) insn(pc + 1).imm() << 32;
        return switch (i.src()) {
            case LDDW_MAP_FD, LDDW_MAP_IDX -> Reg.mapPointer(i.imm());
            case LDDW_MAP_VALUE_FD, LDDW_MAP_VALUE_IDX ->
                Reg.mapValue(Kind.MAP_VALUE, i.imm(), insn(pc + 1).imm(), 0);
            case LDDW_FUNCTION -> Reg.pointer(Kind.FUNC, pc + 1 + i.imm());
            default -> Reg.constant(value);
        };
    }

    private void legacyPacketLoad(int pc, Insn i, State st) {
        if (type == ProgramType.XDP) {
            throw fail(
                    pc, EbpfFailure.V_LEGACY_LOAD, "BPF_LD_[ABS|IND] instructions not allowed for this program type");
        }
        Reg ctx = st.reg(6);
        Kind expected = type == ProgramType.RAW ? Kind.INPUT : Kind.CTX;
        if (ctx.kind() != expected || ctx.off() != 0 || !isZero(ctx.var())) {
            throw fail(
                    pc,
                    EbpfFailure.V_LEGACY_LOAD,
                    "at the time of BPF_LD_ABS|IND R6 != pointer to skb (R6 " + ctx.describe() + ")");
        }
        if (mode(i.opcode()) == IND) {
            read(pc, st, i.src());
        }
        for (int r = 1; r <= 5; r++) {
            st.set(r, Reg.NOT_INIT);
        }
        st.set(0, Reg.scalar(Scalar.upTo(sizeMask(sizeBytes(i.opcode())))));
    }

    private static long sizeMask(int size) {
        return size == 8 ? -1L : (1L << (size * 8)) - 1;
    }

    private static boolean isZero(Scalar s) {
        return s.isConstant() && s.value() == 0;
    }

    // --- ALU ---

    private static final String[] OP_NAMES = {
        "+=", "-=", "*=", "/=", "|=", "&=", "<<=", ">>=", "neg", "%=", "^=", "=", "s>>=", "endian"
    };

    private void alu(int pc, Insn i, State st) {
        int opcode = i.opcode();
        boolean is64 = cls(opcode) == ALU64;
        int op = op(opcode);
        int d = i.dst();
        if (op == MOV) {
            Reg src = source(opcode) == X
                    ? read(pc, st, i.src())
                    : Reg.constant(is64 ? i.imm() : i.imm() & Scalar.U32_MAX);
            if (source(opcode) == X && i.off() != 0) {
                Scalar s = src.isScalar()
                        ? src.var().signExtend(i.off())
                        : Scalar.signedRange(-(1L << (i.off() - 1)), (1L << (i.off() - 1)) - 1);
                st.set(d, Reg.scalar(is64 ? s : s.low32()));
            } else if (is64) {
                if (src.isScalar() && source(opcode) == X && !src.var().isConstant()) {
                    // a copy: a comparison that narrows one narrows the other
                    if (src.id() == 0) {
                        src = src.withId(nextId++);
                        st.set(i.src(), src);
                    }
                }
                st.set(d, src);
            } else {
                if (unprivileged && src.isPointer()) {
                    throw fail(pc, EbpfFailure.V_UNPRIVILEGED, "R" + i.src() + " partial copy of pointer");
                }
                st.set(d, Reg.scalar(src.isScalar() ? src.var().low32() : Scalar.upTo(Scalar.U32_MAX)));
            }
            return;
        }
        Reg dst = read(pc, st, d);
        if (op == NEG || op == END) {
            if (unprivileged && dst.isPointer()) {
                throw fail(pc, EbpfFailure.V_UNPRIVILEGED, "R" + d + " pointer arithmetic prohibited");
            }
            if (!dst.isScalar()) {
                st.set(
                        d,
                        Reg.scalar(
                                is64 && op == NEG
                                        ? Scalar.UNKNOWN
                                        : Scalar.upTo(op == END ? sizeMask(i.imm() / 8) : Scalar.U32_MAX)));
                return;
            }
            Scalar a = dst.var();
            Scalar r;
            if (op == NEG) {
                r = is64
                        ? Scalar.constant(0).sub(a)
                        : Scalar.constant(0).sub(a.low32()).low32();
            } else {
                boolean swap = is64 || source(opcode) == TO_BE;
                if (a.isConstant()) {
                    r = Scalar.constant(Alu.byteSwap(swap, i.imm(), a.value()));
                } else if (i.imm() == 64) {
                    r = swap ? Scalar.UNKNOWN : a;
                } else if (swap) {
                    r = Scalar.upTo(sizeMask(i.imm() / 8));
                } else {
                    r = a.and(Scalar.constant(sizeMask(i.imm() / 8)));
                }
            }
            st.set(d, Reg.scalar(r));
            return;
        }
        int width = is64 ? 64 : 32;
        Reg src;
        if (source(opcode) == K) {
            if ((op == DIV || op == MOD) && i.imm() == 0) {
                throw fail(pc, EbpfFailure.V_DIVISION_BY_ZERO);
            }
            if ((op == LSH || op == RSH || op == ARSH) && (i.imm() < 0 || i.imm() >= width)) {
                throw fail(pc, EbpfFailure.V_INVALID_SHIFT, i.imm(), width);
            }
            src = Reg.constant(is64 ? i.imm() : i.imm() & Scalar.U32_MAX);
        } else {
            src = read(pc, st, i.src());
        }
        if (is64 && source(opcode) == K && (op == ADD || op == SUB)) {
            recordPointerMove(pc, dst, i.imm());
        }
        if (dst.isPointer() || src.isPointer()) {
            st.set(d, pointerArithmetic(pc, i, dst, src, is64));
            return;
        }
        st.set(d, Reg.scalar(scalarOp(op, dst.var(), src.var(), is64, i.off())));
    }

    private static Scalar scalarOp(int op, Scalar a, Scalar b, boolean is64, int off) {
        if (!is64) {
            a = a.low32();
            b = b.low32();
        }
        if (a.isConstant() && b.isConstant()) {
            return Scalar.constant(
                    is64 ? Alu.alu64(op, a.value(), b.value(), off) : Alu.alu32(op, a.value(), b.value(), off));
        }
        int width = is64 ? 64 : 32;
        Scalar r;
        switch (op) {
            case ADD -> r = a.add(b);
            case SUB -> r = a.sub(b);
            case MUL -> r = a.mul(b);
            // unsigned x / y and x % y never exceed x (and x / 0 = 0, x % 0 = x); signed: only the width is known
            case DIV, MOD -> r = off == 0 ? Scalar.upTo(a.umax()) : is64 ? Scalar.UNKNOWN : Scalar.upTo(Scalar.U32_MAX);
            case OR -> r = a.or(b);
            case AND -> r = a.and(b);
            case XOR -> r = a.xor(b);
            case LSH, RSH, ARSH -> {
                if (!b.isConstant()) {
                    r = is64 ? Scalar.UNKNOWN : Scalar.upTo(Scalar.U32_MAX);
                } else {
                    int k = (int) (b.value() & (width - 1)); // the run time masks the count to the width
                    if (op == LSH) {
                        r = a.lsh(k);
                    } else if (op == RSH) {
                        r = a.rsh(k);
                    } else if (is64) {
                        r = a.arsh(k);
                    } else if (a.smin() >= 0 && a.smax() <= Integer.MAX_VALUE) {
                        r = a.rsh(k); // a non-negative 32-bit value: arithmetic and logical shifts agree
                    } else {
                        r = Scalar.upTo(Scalar.U32_MAX);
                    }
                }
            }
            default -> r = Scalar.UNKNOWN;
        }
        return is64 ? r : r.low32();
    }

    private Reg pointerArithmetic(int pc, Insn i, Reg dst, Reg src, boolean is64) {
        int op = op(i.opcode());
        int d = i.dst();
        String name = OP_NAMES[op >> 4];
        if (!is64) {
            throw fail(
                    pc,
                    EbpfFailure.V_POINTER_ARITHMETIC,
                    d,
                    "32-bit pointer arithmetic prohibited",
                    (dst.isPointer() ? dst : src).describe());
        }
        if (dst.isPointer() && src.isPointer()) {
            if (op == SUB && !unprivileged) {
                return Reg.UNKNOWN; // privileged: the difference of two pointers is a number
            }
            if (op == SUB) {
                throw fail(pc, EbpfFailure.V_UNPRIVILEGED, "R" + d + " pointer -= pointer prohibited");
            }
            throw fail(
                    pc, EbpfFailure.V_POINTER_ARITHMETIC, d, "pointer " + name + " pointer prohibited", dst.describe());
        }
        Reg ptr = dst.isPointer() ? dst : src;
        Scalar delta = dst.isPointer() ? src.var() : dst.var();
        if (!dst.isPointer() && op != ADD) {
            throw fail(
                    pc,
                    EbpfFailure.V_POINTER_ARITHMETIC,
                    d,
                    op == SUB
                            ? "tried to subtract pointer from scalar"
                            : "pointer arithmetic with " + name + " operator prohibited",
                    src.describe());
        }
        switch (ptr.kind()) {
            case MAP_VALUE_OR_NULL ->
                throw fail(
                        pc,
                        EbpfFailure.V_POINTER_ARITHMETIC,
                        d,
                        "pointer arithmetic on map_value_or_null prohibited, null-check it first",
                        ptr.describe());
            case MAP_PTR, PACKET_END, FUNC ->
                throw fail(
                        pc,
                        EbpfFailure.V_POINTER_ARITHMETIC,
                        d,
                        "pointer arithmetic on " + ptr.kind().kernelName + " prohibited",
                        ptr.describe());
            default -> {}
        }
        if (op == AND || op == OR || op == XOR) {
            throw fail(
                    pc,
                    EbpfFailure.V_POINTER_ARITHMETIC,
                    d,
                    "bitwise operator " + name + " on pointer prohibited",
                    ptr.describe());
        }
        if (op != ADD && op != SUB) {
            throw fail(
                    pc,
                    EbpfFailure.V_POINTER_ARITHMETIC,
                    d,
                    "pointer arithmetic with " + name + " operator prohibited",
                    ptr.describe());
        }
        if (delta.isConstant()) {
            long off = op == ADD ? (long) ptr.off() + delta.value() : (long) ptr.off() - delta.value();
            if (delta.value() >= MAX_OFF || delta.value() <= -MAX_OFF || off >= MAX_OFF || off <= -MAX_OFF) {
                throw fail(
                        pc,
                        EbpfFailure.V_POINTER_ARITHMETIC,
                        d,
                        "value " + delta.value() + " makes " + ptr.kind().kernelName + " pointer be out of bounds",
                        ptr.describe());
            }
            return ptr.withOff((int) off);
        }
        // The kernel's check_reg_sane_offset, on the variable operand and on the result: a variable part must have a
        // lower bound, and stay within BPF_MAX_VAR_OFF.
        saneVariableOffset(pc, d, ptr, delta);
        Scalar var = op == ADD ? ptr.var().add(delta) : ptr.var().sub(delta);
        saneVariableOffset(pc, d, ptr, var);
        Reg r = ptr.withVar(var);
        if (ptr.kind() == Kind.PACKET) {
            // a new variable part: what was proven for the old one does not hold for this one
            r = r.withId(nextId++).withRange(0);
        }
        return r;
    }

    private void saneVariableOffset(int pc, int d, Reg ptr, Scalar offset) {
        if (offset.smin() == Long.MIN_VALUE) {
            throw fail(
                    pc,
                    EbpfFailure.V_POINTER_ARITHMETIC,
                    d,
                    "math between " + ptr.kind().kernelName
                            + " pointer and register with unbounded min value is not allowed",
                    ptr.describe());
        }
        if (offset.smin() <= -MAX_OFF) {
            throw fail(
                    pc,
                    EbpfFailure.V_POINTER_ARITHMETIC,
                    d,
                    "value " + offset.smin() + " makes " + ptr.kind().kernelName + " pointer be out of bounds",
                    ptr.describe());
        }
    }

    // --- Memory ---

    enum Access {
        LOAD("read from", "load"),
        STORE("write to", "store"),
        ATOMIC("atomic access to", "atomic"),
        HELPER_READ("read from", "helper read"),
        HELPER_WRITE("write to", "helper write");

        final String stackWord;
        final String word;

        Access(String stackWord, String word) {
            this.stackWord = stackWord;
            this.word = word;
        }

        boolean reads() {
            return this == LOAD || this == ATOMIC || this == HELPER_READ;
        }

        boolean writes() {
            return this == STORE || this == ATOMIC || this == HELPER_WRITE;
        }
    }

    /**
     * Checks an access of {@code size} bytes at {@code base + off} and returns what a load gives. For helper
     * accesses, {@code size} is the largest size the argument admits and {@code minSize} (through
     * {@code value.var().umin()}) the smallest.
     */
    private Reg access(
            int pc, State st, int regno, Reg base, int off, int size, Access how, Reg value, boolean signed) {
        switch (base.kind()) {
            case STACK -> {
                return stackAccess(pc, st, regno, base, off, size, how, value, signed);
            }
            case CTX -> {
                if (!isZero(base.var())) {
                    throw fail(
                            pc,
                            EbpfFailure.V_VARIABLE_OFFSET,
                            regno,
                            "ctx",
                            base.var().toString());
                }
                return contextAccess(pc, base.off() + off, size, how, signed);
            }
            case PACKET -> {
                if (how.writes() && type != ProgramType.XDP) {
                    throw fail(pc, EbpfFailure.V_READ_ONLY, "packet", regno, base.describe());
                }
                long lo = (long) base.off() + off;
                if (base.var().smin() < 0 || base.var().smax() > MAX_PACKET_OFF) {
                    throw fail(pc, EbpfFailure.V_UNBOUNDED_ACCESS, regno, base.describe());
                }
                if (lo < 0 || lo + size > base.range()) {
                    throw fail(pc, EbpfFailure.V_PACKET_ACCESS, lo, size, regno, base.describe());
                }
                return loaded(size, signed);
            }
            case MAP_VALUE -> {
                int valueSize = maps.get(base.map()).valueSize();
                Scalar v = base.var();
                if (v.smin() <= -MAX_OFF || v.smax() >= MAX_OFF) {
                    throw fail(pc, EbpfFailure.V_UNBOUNDED_ACCESS, regno, base.describe());
                }
                long lo = base.off() + off + v.smin();
                long hi = base.off() + off + v.smax() + size;
                if (lo < 0 || hi > valueSize) {
                    throw fail(pc, EbpfFailure.V_MAP_VALUE_ACCESS, valueSize, lo, size, regno, base.describe());
                }
                if (how.writes() && maps.get(base.map()).readOnlyForProgram()) {
                    throw fail(pc, EbpfFailure.V_MAP_WRITE_FORBIDDEN, valueSize, lo, size, regno, base.describe());
                }
                if (how == Access.ATOMIC && (((v.mask() | v.value() + base.off() + off) & (size - 1)) != 0)) {
                    throw fail(pc, EbpfFailure.V_MISALIGNED, "map value ", lo, size, regno, base.describe());
                }
                return loaded(size, signed);
            }
            case INPUT -> {
                // The raw input's length is only known at run time: its bounds stay the run-time guard's to check.
                if (base.var().smin() <= -MAX_OFF || base.var().smax() >= MAX_OFF) {
                    throw fail(pc, EbpfFailure.V_UNBOUNDED_ACCESS, regno, base.describe());
                }
                return loaded(size, signed);
            }
            default ->
                throw fail(
                        pc,
                        EbpfFailure.V_INVALID_MEM_ACCESS,
                        regno,
                        base.kind() == Kind.SCALAR ? "scalar" : base.kind().kernelName,
                        base.describe());
        }
    }

    /**
     * Notes the region of this visit's access at {@code pc}; an access is proven only when every visit checked it in
     * the same region, one of those whose run-time layout the nodes know without looking (stack, packet, map value).
     */
    private void recordRegion(int pc, Reg base) {
        int region = switch (base.kind()) {
            case STACK -> Memory.STACK0;
            case PACKET -> Memory.PACKET;
            case MAP_VALUE -> Memory.MAP_VALUES;
            default -> -1;
        };
        mergeRegion(pc, region);
    }

    /** Merges one visit's {@code region} (-1: none) into what earlier visits of {@code pc} noted: equal on every path, or -1. */
    private void mergeRegion(int pc, int region) {
        int before = accessRegions[pc];
        accessRegions[pc] = before == 0 || before == region ? region : -1;
    }

    // --- Constant-time mode: what derives from a secret byte, and the operations refused on it ---

    /**
     * What one instruction does to the secret taint, computed before the instruction's types and values are (so from
     * the state it starts in) and applied after: a register, a range of a frame's stack bytes, or the registers a
     * call, a return or a legacy load writes.
     */
    private record Taint(int what, int reg, boolean secret, int frame, int from, int to) {
        static final int NONE = 0, REGISTER = 1, STACK = 2, LEGACY = 3, LOCAL_CALL = 4, HELPER = 5, EXIT = 6;
        static final Taint NOTHING = new Taint(NONE, -1, false, -1, 0, 0);

        static Taint register(int reg, boolean secret) {
            return new Taint(REGISTER, reg, secret, -1, 0, 0);
        }
    }

    private SluiceException notConstantTime(int pc, String what) {
        return fail(pc, EbpfFailure.V_CONSTANT_TIME, what);
    }

    /** Whether bytes [lo, hi) of the program's data hold a secret (an offset below 0 reaches headers: secret if any is). */
    private boolean secretData(long lo, long hi) {
        if (secret.isEmpty()) {
            return false;
        }
        if (lo < 0 || hi > Integer.MAX_VALUE) {
            return true;
        }
        int next = secret.nextSetBit((int) lo);
        return next >= 0 && next < hi;
    }

    /** Whether the stack bytes an access at {@code base + off} of {@code size} bytes covers hold a secret. */
    private static boolean secretStack(State st, Reg base, int off, int size) {
        if (!base.var().isConstant() || base.frame() < 0 || base.frame() >= st.frames.length) {
            return true; // the verifier refuses these accesses anyway
        }
        long first = base.off() + base.var().value() + off + Memory.STACK_SIZE;
        State.Frame frame = st.frames[base.frame()];
        for (long b = Math.max(first, 0); b < Math.min(first + size, Memory.STACK_SIZE); b++) {
            if (frame.secretByte((int) b)) {
                return true;
            }
        }
        return false;
    }

    private static Taint stackTaint(Reg base, int off, int size, boolean secretValue) {
        if (!base.var().isConstant()) {
            return Taint.NOTHING;
        }
        int first = (int)
                Math.max(0, Math.min(Memory.STACK_SIZE, base.off() + base.var().value() + off + Memory.STACK_SIZE));
        int end = (int) Math.max(0, Math.min(Memory.STACK_SIZE, (long) first + size));
        return new Taint(Taint.STACK, -1, secretValue, base.frame(), first, end);
    }

    private Taint taintBefore(int pc, Insn i, State st) {
        boolean[] sr = st.top().secretRegs;
        int opcode = i.opcode();
        boolean regSource = source(opcode) == X;
        switch (cls(opcode)) {
            case ALU, ALU64 -> {
                int op = op(opcode);
                boolean srcSecret = regSource && sr[i.src()];
                if (op == MOV) {
                    return Taint.register(i.dst(), srcSecret);
                }
                if ((op == DIV || op == MOD) && srcSecret) {
                    throw notConstantTime(
                            pc,
                            "divides by a secret value (R" + i.src()
                                    + "): division takes a time that depends on the divisor");
                }
                Reg d = st.reg(i.dst());
                Reg s = regSource ? st.reg(i.src()) : null;
                if (d.isPointer() && srcSecret || s != null && s.isPointer() && sr[i.dst()]) {
                    throw notConstantTime(
                            pc, "computes an address from a secret value (R" + (srcSecret ? i.src() : i.dst()) + ")");
                }
                return Taint.register(i.dst(), sr[i.dst()] || srcSecret);
            }
            case LDX -> {
                Reg base = st.reg(i.src());
                int size = sizeBytes(opcode);
                long at = (long) base.off() + i.off();
                boolean loaded = switch (base.kind()) {
                    case STACK -> secretStack(st, base, i.off(), size);
                    case PACKET, INPUT ->
                        secretData(at + base.var().smin(), at + base.var().smax() + size);
                    // __sk_buff fields other than len come from the packet's bytes (protocol) or are the program's own
                    // scratch (cb[]): secret whenever any byte is
                    case CTX -> type == ProgramType.SOCKET_FILTER && at != 0 && !secret.isEmpty();
                    default -> false; // map values: no secret is ever stored into one
                };
                return Taint.register(i.dst(), loaded);
            }
            case ST -> {
                Reg base = st.reg(i.dst());
                return base.kind() == Kind.STACK ? stackTaint(base, i.off(), sizeBytes(opcode), false) : Taint.NOTHING;
            }
            case STX -> {
                Reg base = st.reg(i.dst());
                boolean value = sr[i.src()];
                int size = sizeBytes(opcode);
                if (mode(opcode) == ATOMIC) {
                    if (value
                            || base.kind() == Kind.STACK && secretStack(st, base, i.off(), size)
                            || i.imm() == CMPXCHG && sr[0]) {
                        throw notConstantTime(pc, "applies an atomic operation to a secret value");
                    }
                    return i.imm() == CMPXCHG ? Taint.register(0, false) : Taint.register(i.src(), false);
                }
                if (base.kind() == Kind.STACK) {
                    return stackTaint(base, i.off(), size, value);
                }
                if (value) {
                    String into = switch (base.kind()) {
                        case MAP_VALUE -> "a map value, which outlives the run";
                        case PACKET -> "the packet, whose public bytes are read as public";
                        case CTX -> "the context";
                        default -> "memory";
                    };
                    throw notConstantTime(pc, "stores a secret value (R" + i.src() + ") into " + into);
                }
                return Taint.NOTHING;
            }
            case LD -> {
                if (opcode == LDDW) {
                    return Taint.register(i.dst(), false);
                }
                int size = sizeBytes(opcode);
                long lo = i.imm(), hi = lo + size;
                if (mode(opcode) == IND) {
                    if (sr[i.src()]) {
                        throw notConstantTime(pc, "loads at a secret-dependent offset (R" + i.src() + ")");
                    }
                    Scalar s = st.reg(i.src()).var();
                    lo = s.smin() + i.imm();
                    hi = s.smax() + i.imm() + size;
                }
                return new Taint(Taint.LEGACY, 0, secretData(lo, hi), -1, 0, 0);
            }
            default -> {
                int op = op(opcode);
                if (op == JA) {
                    return Taint.NOTHING;
                }
                if (op == EXIT) {
                    return new Taint(Taint.EXIT, 0, sr[0], -1, 0, 0);
                }
                if (op == CALL) {
                    return regSource
                            ? Taint.NOTHING
                            : i.src() == CALL_LOCAL
                                    ? new Taint(Taint.LOCAL_CALL, -1, false, -1, 0, 0)
                                    : helperTaint(pc, i, st);
                }
                if (sr[i.dst()] || regSource && sr[i.src()]) {
                    throw notConstantTime(
                            pc, "branches on a secret value (R" + (sr[i.dst()] ? i.dst() : i.src()) + ")");
                }
                return Taint.NOTHING;
            }
        }
    }

    /** A helper call: no secret may reach it (its time, or a map's contents, would depend on it). */
    private Taint helperTaint(int pc, Insn i, State st) {
        Helper h = Helper.lookup(type, i.imm());
        String name = h.linuxName + "#" + h.id;
        if (h == Helper.TAIL_CALL) {
            throw notConstantTime(pc, "cannot make a tail call: the next program's work is not this program's proof");
        }
        boolean[] sr = st.top().secretRegs;
        for (int r = 1; r <= 5; r++) {
            if (sr[r] && st.reg(r).kind() != Kind.NOT_INIT) {
                throw notConstantTime(pc, "passes a secret value to helper " + name + " (R" + r + ")");
            }
        }
        Reg r1 = st.reg(1);
        MapSpec map = r1.kind() == Kind.MAP_PTR && r1.map() >= 0 && r1.map() < maps.size() ? maps.get(r1.map()) : null;
        int[][] reads = switch (h) {
            case MAP_LOOKUP_ELEM, MAP_DELETE_ELEM -> map == null ? new int[0][] : new int[][] {{2, map.keySize()}};
            case MAP_UPDATE_ELEM -> map == null ? new int[0][] : new int[][] {{2, map.keySize()}, {3, map.valueSize()}};
            case TRACE_PRINTK -> new int[][] {{1, (int) Math.min(st.reg(2).var().umax(), Memory.STACK_SIZE)}};
            default -> new int[0][];
        };
        for (int[] read : reads) {
            Reg p = st.reg(read[0]);
            if (p.kind() == Kind.STACK && secretStack(st, p, 0, read[1])) {
                throw notConstantTime(pc, "passes secret stack bytes to helper " + name + " (R" + read[0] + ")");
            }
        }
        if (h == Helper.SKB_LOAD_BYTES && st.reg(3).kind() == Kind.STACK) {
            // the bytes it copies are secret when the packet range it copies from may hold a secret byte
            Scalar offset = st.reg(2).var(), length = st.reg(4).var();
            boolean copied = secretData(offset.smin(), offset.smax() + length.umax());
            Taint t = stackTaint(st.reg(3), 0, (int) Math.min(length.umax(), Memory.STACK_SIZE), copied);
            return new Taint(Taint.HELPER, -1, copied, t.frame(), t.from(), t.to());
        }
        return new Taint(Taint.HELPER, -1, false, -1, 0, 0);
    }

    private static void taintAfter(Insn i, State st, int depthBefore, Taint t) {
        State.Frame top = st.top();
        switch (t.what()) {
            case Taint.REGISTER -> top.secretRegs[t.reg()] = t.secret();
            case Taint.STACK -> {
                if (t.frame() >= 0 && t.frame() < st.frames.length) {
                    st.frames[t.frame()].setSecretBytes(t.from(), t.to(), t.secret());
                }
            }
            case Taint.LEGACY -> {
                top.secretRegs[0] = t.secret();
                java.util.Arrays.fill(top.secretRegs, 1, 6, false);
            }
            case Taint.LOCAL_CALL -> {
                if (st.frames.length == depthBefore + 1) {
                    State.Frame caller = st.frames[depthBefore - 1];
                    System.arraycopy(caller.secretRegs, 1, top.secretRegs, 1, 5);
                    top.secretRegs[FRAME_POINTER] = false;
                }
            }
            case Taint.HELPER -> {
                java.util.Arrays.fill(top.secretRegs, 0, 6, false);
                if (t.frame() >= 0 && t.frame() < st.frames.length) {
                    st.frames[t.frame()].setSecretBytes(t.from(), t.to(), t.secret());
                }
            }
            case Taint.EXIT -> {
                if (st.frames.length == depthBefore - 1) {
                    top.secretRegs[0] = t.secret();
                    java.util.Arrays.fill(top.secretRegs, 1, 6, false);
                }
            }
            default -> {}
        }
    }

    // --- The rules for unprivileged programs (the kernel's !bpf_capable and !allow_ptr_leaks) ---

    /**
     * What the kernel refuses before following any path when the loader lacks CAP_BPF: program types that need
     * privilege (xdp needs CAP_NET_ADMIN), calls to other functions and function addresses, and loops (any back-edge
     * of check_cfg's depth-first walk, which explores the fall-through before the jump target).
     */
    private void unprivilegedStructure() {
        if (type == ProgramType.XDP) {
            throw fail(
                    0,
                    EbpfFailure.V_UNPRIVILEGED,
                    "xdp programs need CAP_NET_ADMIN or CAP_BPF; unprivileged programs are socket filters");
        }
        int n = program.length();
        for (int pc = 0; pc < n; pc++) {
            if (shape.secondSlot()[pc]) {
                continue;
            }
            Insn i = insn(pc);
            if (i.opcode() == (JMP | CALL) && (i.src() == CALL_LOCAL || source(i.opcode()) == X)
                    || i.opcode() == LDDW && i.src() == LDDW_FUNCTION) {
                throw fail(
                        pc,
                        EbpfFailure.V_UNPRIVILEGED,
                        "loading/calling other bpf or kernel functions are allowed for CAP_BPF and CAP_SYS_ADMIN");
            }
        }
        byte[] color = new byte[n]; // 0 unvisited, 1 on the walk's stack, 2 done
        int[] stack = new int[n];
        int[] nextEdge = new int[n];
        int depth = 0;
        stack[depth++] = 0;
        color[0] = 1;
        while (depth > 0) {
            int pc = stack[depth - 1];
            int[] successors = successors(pc);
            if (nextEdge[pc] < successors.length) {
                int w = successors[nextEdge[pc]++];
                if (w >= n) {
                    continue;
                }
                if (color[w] == 1) {
                    throw fail(pc, EbpfFailure.V_UNPRIVILEGED, "back-edge from insn " + pc + " to " + w);
                }
                if (color[w] == 0) {
                    color[w] = 1;
                    stack[depth++] = w;
                }
            } else {
                color[pc] = 2;
                depth--;
            }
        }
    }

    /** The instructions control can go to from {@code pc}, fall-through first (local calls are refused before). */
    private int[] successors(int pc) {
        Insn i = insn(pc);
        int opcode = i.opcode();
        if (opcode == LDDW) {
            return new int[] {pc + 2};
        }
        if (opcode == (JMP | EXIT)) {
            return new int[0];
        }
        if (opcode == (JMP | JA)) {
            return new int[] {pc + 1 + i.off()};
        }
        if (opcode == (JMP32 | JA)) {
            return new int[] {pc + 1 + i.imm()};
        }
        if (isConditionalJump(opcode)) {
            return new int[] {pc + 1, pc + 1 + i.off()};
        }
        return new int[] {pc + 1};
    }

    /**
     * check_cond_jmp_op without allow_ptr_leaks: a pointer may be compared only with a packet pointer (both packet
     * pointers), or, as the left operand, with 0 when it may be null or cannot be (a null check); any other comparison
     * with a pointer would tell the program something about an address.
     */
    private void unprivilegedComparison(int pc, Insn i, Reg a, Reg b, boolean is32) {
        boolean packets = isPacketPointer(a) && isPacketPointer(b);
        if (source(i.opcode()) == X && b.isPointer() && !packets) {
            throw fail(pc, EbpfFailure.V_UNPRIVILEGED, "R" + i.src() + " pointer comparison prohibited");
        }
        if (a.isPointer() && !packets) {
            int op = op(i.opcode());
            boolean nullCheck = !is32
                    && b.isScalar()
                    && isZero(b.var())
                    && (op == JEQ || op == JNE)
                    && (a.kind() == Kind.MAP_VALUE_OR_NULL
                            || a.var().smin() > -MAX_OFF && a.var().smax() < MAX_OFF);
            if (!nullCheck) {
                throw fail(pc, EbpfFailure.V_UNPRIVILEGED, "R" + i.dst() + " pointer comparison prohibited");
            }
        }
    }

    private static boolean isPacketPointer(Reg r) {
        return r.kind() == Kind.PACKET || r.kind() == Kind.PACKET_END;
    }

    private static Reg loaded(int size, boolean signed) {
        Scalar s = Scalar.upTo(sizeMask(size));
        return Reg.scalar(signed ? s.signExtend(size * 8) : s);
    }

    private Reg stackAccess(
            int pc, State st, int regno, Reg base, int off, int size, Access how, Reg value, boolean signed) {
        if (!base.var().isConstant()) {
            throw fail(
                    pc,
                    EbpfFailure.V_VARIABLE_OFFSET,
                    regno,
                    "stack",
                    base.var().toString());
        }
        long at = base.off() + base.var().value() + off; // from r10, negative
        boolean helper = how == Access.HELPER_READ || how == Access.HELPER_WRITE;
        if (at < -Memory.STACK_SIZE || at + size > 0 || size <= 0) {
            throw fail(pc, EbpfFailure.V_STACK_ACCESS, how.stackWord, regno, at, size, base.describe());
        }
        if (!helper && at % size != 0) {
            throw fail(pc, EbpfFailure.V_MISALIGNED, "stack ", at, size, regno, base.describe());
        }
        State.Frame frame = st.frames[base.frame()];
        stackDepth[frame.function] = (int) Math.max(stackDepth[frame.function], -at);
        int first = (int) at + Memory.STACK_SIZE;
        Reg result = null;
        if (how.reads()) {
            int slot = first / 8;
            if (size == 8 && first % 8 == 0 && allSpill(frame, slot) && how == Access.LOAD) {
                result = frame.spill(slot);
                if (signed) {
                    result = Reg.UNKNOWN;
                }
            } else {
                for (int b = first; b < first + size; b++) {
                    if (frame.stackByte(b) == State.INVALID) {
                        throw fail(pc, EbpfFailure.V_UNINIT_STACK, regno, at, b - first, size, base.describe());
                    }
                    if (unprivileged
                            && frame.stackByte(b) == State.SPILL
                            && frame.spill(b / 8) != null
                            && frame.spill(b / 8).isPointer()) {
                        throw fail(
                                pc,
                                EbpfFailure.V_UNPRIVILEGED,
                                helper
                                        ? "invalid indirect read from stack R" + regno + " off " + at + "+"
                                                + (b - first) + " size " + size
                                        : "invalid size of register fill");
                    }
                }
                result = constantFromSpills(frame, first, size, signed);
            }
        }
        if (how.writes()) {
            int writeSize =
                    how == Access.HELPER_WRITE ? (int) Math.min(value.var().umin(), size) : size;
            if (how == Access.STORE && size == 8 && first % 8 == 0) {
                int slot = first / 8;
                Reg stored = value;
                if (!value.isPointer() && value.kind() != Kind.SCALAR) {
                    stored = Reg.UNKNOWN;
                }
                frame.setSpill(slot, stored);
                for (int b = first; b < first + 8; b++) {
                    frame.setStackByte(b, State.SPILL);
                }
            } else {
                if (unprivileged && how == Access.STORE && value != null && value.isPointer()) {
                    throw fail(pc, EbpfFailure.V_UNPRIVILEGED, "invalid size of register spill");
                }
                // bytes written: initialised, unknown; a spilled register they touch is broken into unknown bytes
                for (int b = first; b < first + size; b++) {
                    int slot = b / 8;
                    if (unprivileged
                            && frame.stackByte(b) == State.SPILL
                            && frame.spill(slot) != null
                            && frame.spill(slot).isPointer()) {
                        throw fail(pc, EbpfFailure.V_UNPRIVILEGED, "attempt to corrupt spilled pointer on stack");
                    }
                    if (frame.stackByte(b) == State.SPILL) {
                        for (int c = slot * 8; c < slot * 8 + 8; c++) {
                            frame.setStackByte(c, State.MISC);
                        }
                        frame.setSpill(slot, null);
                    }
                }
                for (int b = first; b < first + writeSize; b++) {
                    frame.setStackByte(b, State.MISC);
                }
                if (how == Access.STORE
                        && size < 8
                        && value.isScalar()
                        && value.var().isConstant()
                        && value.var().value() == 0) {
                    // nothing more: zero bytes are tracked only as initialised
                }
            }
        }
        return result == null ? Reg.UNKNOWN : result;
    }

    private static boolean allSpill(State.Frame f, int slot) {
        for (int b = slot * 8; b < slot * 8 + 8; b++) {
            if (f.stackByte(b) != State.SPILL) {
                return false;
            }
        }
        return f.spill(slot) != null;
    }

    /** A narrow load of initialised bytes: unknown within its width (a spilled pointer's bytes are a number). */
    private static Reg constantFromSpills(State.Frame f, int first, int size, boolean signed) {
        return loaded(size, signed);
    }

    /** Offsets in struct __sk_buff and struct xdp_md (include/uapi/linux/bpf.h). */
    private static final int SKB_CB = 48,
            SKB_CB_END = 68,
            SKB_HASH_END = 72,
            SKB_NAPI_ID = 84,
            SKB_GSO_SEGS = 164,
            SKB_GSO_SIZE = 176;

    private static final int XDP_DATA = 0, XDP_DATA_END = 4, XDP_DATA_META = 8, XDP_MD_SIZE = 24;

    private Reg contextAccess(int pc, long at, int size, Access how, boolean signed) {
        if (how == Access.ATOMIC) {
            throw fail(pc, EbpfFailure.V_CONTEXT_ACCESS, at, size, "atomic operations on the context are not allowed");
        }
        if (at < 0 || at % size != 0 || at + size > type.contextSize) {
            throw fail(
                    pc,
                    EbpfFailure.V_CONTEXT_ACCESS,
                    at,
                    size,
                    "outside the " + type.contextSize + "-byte context or not aligned to the size");
        }
        boolean helper = how == Access.HELPER_READ || how == Access.HELPER_WRITE;
        if (helper) {
            throw fail(pc, EbpfFailure.V_CONTEXT_ACCESS, at, size, "the context cannot be a helper's memory argument");
        }
        if (how == Access.LOAD) {
            contextRead.set((int) at, (int) at + size);
        } else if (how == Access.STORE) {
            contextWritten = true;
        }
        if (type == ProgramType.XDP) {
            if (how.writes()) {
                throw fail(pc, EbpfFailure.V_CONTEXT_ACCESS, at, size, "xdp_md is read-only");
            }
            if (at < XDP_DATA_META + 4) {
                if (size != 4 || signed || at % 4 != 0) {
                    throw fail(
                            pc,
                            EbpfFailure.V_CONTEXT_ACCESS,
                            at,
                            size,
                            "data, data_end and data_meta are read with 4-byte loads");
                }
                return at == XDP_DATA
                        ? Reg.pointer(Kind.PACKET, 0)
                        : at == XDP_DATA_END ? Reg.pointer(Kind.PACKET_END, 0) : Reg.pointer(Kind.PACKET_META, 0);
            }
            if (size > 4 || at >= XDP_MD_SIZE) {
                throw fail(pc, EbpfFailure.V_CONTEXT_ACCESS, at, size, "xdp_md fields are 4 bytes");
            }
            return loaded(size, signed);
        }
        // socket_filter: sk_filter_is_valid_access and bpf_skb_is_valid_access
        boolean inCb = at >= SKB_CB && at + size <= SKB_CB_END;
        if (how.writes()) {
            if (!inCb) {
                throw fail(pc, EbpfFailure.V_CONTEXT_ACCESS, at, size, "a socket filter writes only __sk_buff.cb[]");
            }
            return Reg.UNKNOWN;
        }
        boolean readable = at < SKB_HASH_END && (size <= 4 || inCb)
                || size <= 4
                        && (at >= SKB_NAPI_ID && at < SKB_NAPI_ID + 4
                                || at >= SKB_GSO_SEGS && at < SKB_GSO_SEGS + 4
                                || at >= SKB_GSO_SIZE && at < SKB_GSO_SIZE + 4);
        if (!readable) {
            throw fail(
                    pc, EbpfFailure.V_CONTEXT_ACCESS, at, size, "a socket filter may not read this field of __sk_buff");
        }
        return loaded(size, signed);
    }

    private void atomic(int pc, Insn i, State st, Reg base) {
        int size = sizeBytes(i.opcode());
        if (base.kind() == Kind.CTX || base.kind() == Kind.PACKET) {
            throw fail(pc, EbpfFailure.V_STORE_NOT_ALLOWED, "BPF_ATOMIC", i.dst(), base.describe());
        }
        int code = i.imm();
        if (unprivileged && st.reg(i.src()).isPointer()) {
            throw fail(pc, EbpfFailure.V_UNPRIVILEGED, "R" + i.src() + " leaks addr into mem");
        }
        if (unprivileged
                && base.kind() == Kind.STACK
                && base.var().isConstant()
                && base.frame() >= 0
                && base.frame() < st.frames.length) {
            // Sluice reads an atomic's old value as a number; over a spilled pointer that number would be the address
            long first = base.off() + base.var().value() + i.off() + Memory.STACK_SIZE;
            State.Frame f = st.frames[base.frame()];
            for (long b = Math.max(first, 0); b < Math.min(first + size, Memory.STACK_SIZE); b++) {
                if (f.stackByte((int) b) == State.SPILL
                        && f.spill((int) b / 8) != null
                        && f.spill((int) b / 8).isPointer()) {
                    throw fail(
                            pc,
                            EbpfFailure.V_UNPRIVILEGED,
                            "leaking pointer from stack off " + (first - Memory.STACK_SIZE));
                }
            }
        }
        if (code == CMPXCHG) {
            read(pc, st, 0);
        }
        access(pc, st, i.dst(), base, i.off(), size, Access.ATOMIC, Reg.UNKNOWN, false);
        Reg old = Reg.scalar(size == 4 ? Scalar.upTo(Scalar.U32_MAX) : Scalar.UNKNOWN);
        if (code == CMPXCHG) {
            st.set(0, old);
        } else if ((code & FETCH) != 0) {
            st.set(i.src(), old);
        }
    }

    // --- Jumps, calls, exits ---

    private boolean jump(Path path, Deque<Path> work, int pc, Insn i, State st) {
        int opcode = i.opcode();
        int op = op(opcode);
        if (opcode == (JMP32 | JA)) {
            path.pc = pc + 1 + i.imm();
            return true;
        }
        switch (op) {
            case JA -> {
                path.pc = pc + 1 + i.off();
                return true;
            }
            case EXIT -> {
                return exit(path, pc, st);
            }
            case CALL -> {
                if (source(opcode) == X) {
                    throw fail(pc, EbpfFailure.V_CALLX);
                }
                if (i.src() == CALL_LOCAL) {
                    int target = pc + 1 + i.imm();
                    State.Frame callee = new State.Frame(pc, shape.functionOf(target));
                    State.Frame caller = st.top();
                    for (int r = 1; r <= 5; r++) {
                        callee.regs[r] = caller.regs[r];
                    }
                    callee.regs[FRAME_POINTER] = Reg.stack(st.frames.length, 0);
                    State.Frame[] frames = java.util.Arrays.copyOf(st.frames, st.frames.length + 1);
                    frames[frames.length - 1] = callee;
                    st.frames = frames;
                    path.pc = target;
                    return true;
                }
                helperCall(pc, i, st);
                path.pc = pc + 1;
                return true;
            }
            default -> {
                conditional(path, work, pc, i, st);
                return true;
            }
        }
    }

    private boolean exit(Path path, int pc, State st) {
        Reg r0 = st.reg(0);
        if (r0.kind() == Kind.NOT_INIT) {
            throw fail(pc, EbpfFailure.V_RETURN, "R0 !read_ok (not initialised)");
        }
        int depth = st.frames.length - 1;
        if (depth == 0) {
            if (unprivileged && r0.isPointer()) {
                throw fail(pc, EbpfFailure.V_UNPRIVILEGED, "R0 leaks addr as return value");
            }
            if (type != ProgramType.RAW && !r0.isScalar()) {
                throw fail(pc, EbpfFailure.V_RETURN, "R0 is not a known value (" + r0.describe() + ")");
            }
            finish(path.visit);
            return false;
        }
        if (r0.kind() == Kind.STACK && r0.frame() >= depth) {
            throw fail(pc, EbpfFailure.V_RETURN, "cannot return stack pointer to the caller (" + r0.describe() + ")");
        }
        State.Frame callee = st.top();
        State.Frame[] frames = java.util.Arrays.copyOf(st.frames, depth);
        st.frames = frames;
        State.Frame caller = st.top();
        caller.regs[0] = r0;
        for (int r = 1; r <= 5; r++) {
            caller.regs[r] = Reg.NOT_INIT;
        }
        // Pointers into the finished frame's stack no longer point to anything the verifier tracks.
        for (State.Frame f : frames) {
            for (int r = 0; r < f.regs.length; r++) {
                if (f.regs[r].kind() == Kind.STACK && f.regs[r].frame() >= depth) {
                    f.regs[r] = Reg.UNKNOWN;
                }
            }
            for (int s = 0; s < State.SLOTS; s++) {
                if (f.spill(s) != null
                        && f.spill(s).kind() == Kind.STACK
                        && f.spill(s).frame() >= depth) {
                    f.setSpill(s, Reg.UNKNOWN);
                }
            }
        }
        path.pc = callee.callSite + 1;
        return true;
    }

    private enum Arg {
        ANYTHING,
        CTX,
        MAP,
        PROG_ARRAY,
        KEY,
        VALUE,
        MEM,
        SIZE,
        UNINIT_MEM
    }

    private static Arg[] prototype(Helper h) {
        return switch (h) {
            case MAP_LOOKUP_ELEM, MAP_DELETE_ELEM -> new Arg[] {Arg.MAP, Arg.KEY};
            case MAP_UPDATE_ELEM -> new Arg[] {Arg.MAP, Arg.KEY, Arg.VALUE, Arg.ANYTHING};
            // The kernel's bpf_trace_printk_proto declares only fmt and fmt_size: r3-r5 are not checked (clang leaves
            // the ones a format does not use unset).
            case TRACE_PRINTK -> new Arg[] {Arg.MEM, Arg.SIZE};
            case TAIL_CALL -> new Arg[] {Arg.CTX, Arg.PROG_ARRAY, Arg.ANYTHING};
            case SKB_LOAD_BYTES -> new Arg[] {Arg.CTX, Arg.ANYTHING, Arg.UNINIT_MEM, Arg.SIZE};
            default -> new Arg[0];
        };
    }

    private void helperCall(int pc, Insn i, State st) {
        Helper h = Helper.lookup(type, i.imm());
        if (unprivileged && h == Helper.TRACE_PRINTK) {
            // bpf_base_func_proto gives bpf_trace_printk only to programs loaded with CAP_PERFMON
            throw fail(
                    pc,
                    EbpfFailure.V_UNPRIVILEGED,
                    "program of this type cannot use helper " + h.linuxName + "#" + h.id);
        }
        Arg[] proto = prototype(h);
        String name = h.linuxName + "#" + h.id;
        MapSpec map = null;
        for (int a = 0; a < proto.length; a++) {
            int r = a + 1;
            Reg v = st.reg(r);
            if (v.kind() == Kind.NOT_INIT) {
                throw fail(pc, EbpfFailure.V_UNINIT_REGISTER, r);
            }
            switch (proto[a]) {
                case ANYTHING -> {
                    if (unprivileged && v.isPointer()) {
                        throw fail(pc, EbpfFailure.V_UNPRIVILEGED, "R" + r + " leaks addr into helper function");
                    }
                }
                case CTX -> {
                    // raw programs have no context structure: their r1, the input, stands in for it
                    Kind ctx = type == ProgramType.RAW ? Kind.INPUT : Kind.CTX;
                    if (v.kind() != ctx || v.off() != 0 || !isZero(v.var())) {
                        throw fail(pc, EbpfFailure.V_HELPER_ARGUMENT, name, r, v.describe(), "ctx");
                    }
                }
                case MAP, PROG_ARRAY -> {
                    if (v.kind() != Kind.MAP_PTR) {
                        throw fail(pc, EbpfFailure.V_HELPER_ARGUMENT, name, r, v.describe(), "map_ptr");
                    }
                    map = maps.get(v.map());
                    boolean progArray = map.type() == MapType.PROG_ARRAY;
                    if (progArray != (proto[a] == Arg.PROG_ARRAY)) {
                        throw fail(pc, EbpfFailure.V_MAP_FUNCTION, map.type().linuxId, name);
                    }
                    if (map.readOnlyForProgram() && (h == Helper.MAP_UPDATE_ELEM || h == Helper.MAP_DELETE_ELEM)) {
                        throw fail(pc, EbpfFailure.V_MAP_WRITE_FORBIDDEN_HELPER, name, map.name());
                    }
                }
                case KEY, VALUE ->
                    memoryArgument(
                            pc,
                            st,
                            r,
                            v,
                            proto[a] == Arg.KEY ? map.keySize() : map.valueSize(),
                            proto[a] == Arg.KEY ? map.keySize() : map.valueSize(),
                            Access.HELPER_READ,
                            name);
                case MEM, UNINIT_MEM -> {
                    Reg size = st.reg(r + 1);
                    if (size.kind() == Kind.NOT_INIT) {
                        throw fail(pc, EbpfFailure.V_UNINIT_REGISTER, r + 1);
                    }
                    if (!size.isScalar()) {
                        throw fail(pc, EbpfFailure.V_HELPER_ARGUMENT, name, r + 1, size.describe(), "scalar");
                    }
                    Scalar s = size.var();
                    if (s.umin() == 0) {
                        throw fail(
                                pc,
                                EbpfFailure.V_HELPER_SIZE,
                                name,
                                r + 1,
                                "invalid zero-sized read (" + size.describe() + ")");
                    }
                    if (Long.compareUnsigned(s.umax(), 1L << 29) >= 0) {
                        throw fail(
                                pc,
                                EbpfFailure.V_HELPER_SIZE,
                                name,
                                r + 1,
                                "unbounded memory access, use 'var &= const' or 'if (var < const)' (" + size.describe()
                                        + ")");
                    }
                    memoryArgument(
                            pc,
                            st,
                            r,
                            v,
                            (int) s.umax(),
                            (int) s.umin(),
                            proto[a] == Arg.MEM ? Access.HELPER_READ : Access.HELPER_WRITE,
                            name);
                    a++; // the size argument is checked with its memory argument
                }
                default -> throw new IllegalStateException();
            }
        }
        // prototypes with fewer arguments: r1-r5 are still clobbered below
        for (int r = 1; r <= 5; r++) {
            st.set(r, Reg.NOT_INIT);
        }
        if (h == Helper.MAP_DELETE_ELEM && !map.type().isArray()
                || h == Helper.MAP_UPDATE_ELEM && map.type().isLru()) {
            // Sluice frees a deleted (or evicted) element at once, where the kernel's RCU keeps it readable: the value
            // pointers this program holds into that map may point to nothing now, so they become numbers.
            forgetValues(st, mapIndex(map));
        }
        Reg result = switch (h) {
            case MAP_LOOKUP_ELEM -> Reg.mapValue(Kind.MAP_VALUE_OR_NULL, mapIndex(map), 0, nextId++);
            case GET_PRANDOM_U32 -> Reg.scalar(Scalar.upTo(Scalar.U32_MAX));
            case TAIL_CALL -> Reg.NOT_INIT;
            default -> Reg.UNKNOWN;
        };
        st.set(0, result);
    }

    private static void forgetValues(State st, int map) {
        for (State.Frame f : st.frames) {
            for (int x = 0; x < f.regs.length; x++) {
                if ((f.regs[x].kind() == Kind.MAP_VALUE || f.regs[x].kind() == Kind.MAP_VALUE_OR_NULL)
                        && f.regs[x].map() == map) {
                    f.regs[x] = Reg.UNKNOWN;
                }
            }
            for (int s = 0; s < State.SLOTS; s++) {
                if (f.spill(s) != null
                        && (f.spill(s).kind() == Kind.MAP_VALUE || f.spill(s).kind() == Kind.MAP_VALUE_OR_NULL)
                        && f.spill(s).map() == map) {
                    f.setSpill(s, Reg.UNKNOWN);
                }
            }
        }
    }

    private int mapIndex(MapSpec spec) {
        for (int m = 0; m < maps.size(); m++) {
            if (maps.get(m) == spec) {
                return m;
            }
        }
        throw new IllegalStateException("map not in the program's list");
    }

    private void memoryArgument(int pc, State st, int r, Reg v, int maxSize, int minSize, Access how, String name) {
        switch (v.kind()) {
            case STACK, MAP_VALUE, INPUT -> {}
            case PACKET -> {
                if (how == Access.HELPER_WRITE) {
                    throw fail(pc, EbpfFailure.V_HELPER_ARGUMENT, name, r, v.describe(), "fp, map_value");
                }
            }
            default ->
                throw fail(
                        pc,
                        EbpfFailure.V_HELPER_ARGUMENT,
                        name,
                        r,
                        v.describe(),
                        how == Access.HELPER_WRITE ? "fp, map_value" : "fp, pkt, map_value");
        }
        access(pc, st, r, v, 0, maxSize, how, Reg.scalar(Scalar.constant(minSize)), false);
    }

    private static final int[] NEGATED = new int[16];

    static {
        NEGATED[JEQ >> 4] = JNE;
        NEGATED[JNE >> 4] = JEQ;
        NEGATED[JGT >> 4] = JLE;
        NEGATED[JLE >> 4] = JGT;
        NEGATED[JGE >> 4] = JLT;
        NEGATED[JLT >> 4] = JGE;
        NEGATED[JSGT >> 4] = JSLE;
        NEGATED[JSLE >> 4] = JSGT;
        NEGATED[JSGE >> 4] = JSLT;
        NEGATED[JSLT >> 4] = JSGE;
    }

    private void conditional(Path path, Deque<Path> work, int pc, Insn i, State st) {
        int opcode = i.opcode();
        int op = op(opcode);
        boolean is32 = cls(opcode) == JMP32;
        Reg a = read(pc, st, i.dst());
        Reg b = source(opcode) == X ? read(pc, st, i.src()) : Reg.constant(is32 ? i.imm() & Scalar.U32_MAX : i.imm());
        int target = pc + 1 + i.off();
        if (unprivileged) {
            unprivilegedComparison(pc, i, a, b, is32);
        }
        if (!is32 && source(opcode) == X) {
            recordPacketComparison(pc, op, a, b);
        }
        State taken; // the state on the jump
        boolean takenOk = true, fallOk = true;
        if (a.isScalar() && b.isScalar()) {
            Scalar[] yes = branch(op, true, a.var(), b.var(), is32);
            Scalar[] no = branch(op, false, a.var(), b.var(), is32);
            takenOk = yes != null;
            fallOk = no != null;
            // A copy only when both ways go on: else the one way that does goes on with st, narrowed for it alone.
            taken = takenOk && fallOk ? st.copy() : st;
            if (takenOk && yes.length == 2) {
                narrow(taken, i.dst(), a, yes[0]);
                if (source(opcode) == X) {
                    narrow(taken, i.src(), b, yes[1]);
                }
            }
            if (fallOk && no.length == 2) {
                narrow(st, i.dst(), a, no[0]);
                if (source(opcode) == X) {
                    narrow(st, i.src(), b, no[1]);
                }
            }
        } else {
            taken = st.copy();
            if (!is32) {
                if (a.kind() == Kind.MAP_VALUE_OR_NULL && b.isScalar() && isZero(b.var()) && (op == JEQ || op == JNE)) {
                    nullCheck(op == JEQ ? taken : st, a.id(), true);
                    nullCheck(op == JEQ ? st : taken, a.id(), false);
                } else if (a.isPointer()
                        && a.kind() != Kind.MAP_VALUE_OR_NULL
                        && b.isScalar()
                        && isZero(b.var())
                        && (op == JEQ || op == JNE)
                        && a.var().smin() > -MAX_OFF
                        && a.var().smax() < MAX_OFF) {
                    // a pointer within 2^29 bytes of its region is never 0 (region numbers start at 1, in the
                    // high 32 bits)
                    takenOk = op == JNE;
                    fallOk = op == JEQ;
                } else if (a.kind() == Kind.PACKET && b.kind() == Kind.PACKET_END
                        || a.kind() == Kind.PACKET_END && b.kind() == Kind.PACKET) {
                    packetComparison(op, a, b, taken, st);
                }
            }
        }
        if (takenOk && fallOk) {
            work.push(fork(path, target, taken));
            path.pc = pc + 1;
        } else if (takenOk) {
            path.state = taken;
            path.pc = target;
        } else {
            path.pc = pc + 1;
        }
    }

    /** {@link #branch}'s answer when the branch can be taken but narrows nothing (shared: never written). */
    private static final Scalar[] NOT_NARROWED = new Scalar[1];

    /**
     * The operands narrowed by the branch ({@code holds}: the condition holds), or null when the branch cannot be
     * taken; a one-element array when it can but nothing is narrowed.
     */
    static Scalar[] branch(int op, boolean holds, Scalar a, Scalar b, boolean is32) {
        if (is32) {
            boolean signedOp = op == JSGT || op == JSGE || op == JSLT || op == JSLE;
            long limit = signedOp ? Integer.MAX_VALUE : Scalar.U32_MAX;
            boolean fits = a.smin() >= 0 && a.smax() <= limit && b.smin() >= 0 && b.smax() <= limit;
            if (!fits) {
                if (a.isConstant() && b.isConstant()) {
                    return Alu.condition32(op, a.value(), b.value()) == holds ? NOT_NARROWED : null;
                }
                return NOT_NARROWED;
            }
            // both values fit in 32 bits with the same meaning as 64-bit values: the 64-bit rules apply
        }
        if (op == JSET) {
            if (a.isConstant() && b.isConstant()) {
                return ((a.value() & b.value()) != 0) == holds ? NOT_NARROWED : null;
            }
            if (!b.isConstant()) {
                return NOT_NARROWED;
            }
            long bits = b.value();
            if (holds) {
                return ((a.value() | a.mask()) & bits) == 0 ? null : NOT_NARROWED;
            }
            if ((a.value() & bits) != 0) {
                return null;
            }
            Scalar na =
                    new Scalar(a.value() & ~bits, a.mask() & ~bits, a.umin(), a.umax(), a.smin(), a.smax()).normalize();
            return na == null ? null : new Scalar[] {na, b};
        }
        int o = holds ? op : NEGATED[op >> 4];
        Scalar na, nb;
        switch (o) {
            case JEQ -> {
                Scalar both = intersect(a, b);
                if (both == null) {
                    return null;
                }
                na = both;
                nb = both;
            }
            case JNE -> {
                if (a.isConstant() && b.isConstant()) {
                    return a.value() == b.value() ? null : new Scalar[] {a, b};
                }
                na = b.isConstant() ? exclude(a, b.value()) : a;
                nb = a.isConstant() ? exclude(b, a.value()) : b;
            }
            case JGT, JGE -> {
                long d = o == JGT ? 1 : 0;
                if (o == JGT && (b.umin() == -1L || a.umax() == 0)) {
                    return null;
                }
                na = bounds(a, maxU(a.umin(), b.umin() + d), a.umax(), a.smin(), a.smax());
                nb = bounds(b, b.umin(), minU(b.umax(), a.umax() - d), b.smin(), b.smax());
            }
            case JLT, JLE -> {
                Scalar[] r = branch(o == JLT ? JGT : JGE, true, b, a, false);
                return r == null ? null : r.length == 2 ? new Scalar[] {r[1], r[0]} : r;
            }
            case JSGT, JSGE -> {
                long d = o == JSGT ? 1 : 0;
                if (o == JSGT && (b.smin() == Long.MAX_VALUE || a.smax() == Long.MIN_VALUE)) {
                    return null;
                }
                na = bounds(a, a.umin(), a.umax(), Math.max(a.smin(), b.smin() + d), a.smax());
                nb = bounds(b, b.umin(), b.umax(), b.smin(), Math.min(b.smax(), a.smax() - d));
            }
            case JSLT, JSLE -> {
                Scalar[] r = branch(o == JSLT ? JSGT : JSGE, true, b, a, false);
                return r == null ? null : r.length == 2 ? new Scalar[] {r[1], r[0]} : r;
            }
            default -> {
                return NOT_NARROWED;
            }
        }
        if (na == null || nb == null) {
            return null;
        }
        return new Scalar[] {na, nb};
    }

    private static Scalar bounds(Scalar s, long umin, long umax, long smin, long smax) {
        return new Scalar(s.value(), s.mask(), umin, umax, smin, smax).normalize();
    }

    private static Scalar exclude(Scalar s, long v) {
        long umin = s.umin(), umax = s.umax(), smin = s.smin(), smax = s.smax();
        if (umin == v) {
            umin++;
        }
        if (umax == v) {
            umax--;
        }
        if (smin == v) {
            smin++;
        }
        if (smax == v) {
            smax--;
        }
        if (s.isConstant() && s.value() == v) {
            return null;
        }
        return bounds(s, umin, umax, smin, smax);
    }

    private static Scalar intersect(Scalar a, Scalar b) {
        if (((a.value() ^ b.value()) & ~a.mask() & ~b.mask()) != 0) {
            return null;
        }
        long v = a.value() | b.value();
        long m = a.mask() & b.mask();
        return new Scalar(
                        v & ~m,
                        m,
                        maxU(a.umin(), b.umin()),
                        minU(a.umax(), b.umax()),
                        Math.max(a.smin(), b.smin()),
                        Math.min(a.smax(), b.smax()))
                .normalize();
    }

    private static long maxU(long a, long b) {
        return Long.compareUnsigned(a, b) >= 0 ? a : b;
    }

    private static long minU(long a, long b) {
        return Long.compareUnsigned(a, b) <= 0 ? a : b;
    }

    /** Narrows register {@code r} and every copy of it (same scalar id) in every frame. */
    private static void narrow(State st, int r, Reg old, Scalar value) {
        if (old.id() == 0) {
            st.set(r, old.withVar(value));
            return;
        }
        for (State.Frame f : st.frames) {
            for (int x = 0; x < f.regs.length; x++) {
                if (f.regs[x].isScalar() && f.regs[x].id() == old.id()) {
                    f.regs[x] = f.regs[x].withVar(value);
                }
            }
            for (int s = 0; s < State.SLOTS; s++) {
                if (f.spill(s) != null && f.spill(s).isScalar() && f.spill(s).id() == old.id()) {
                    f.setSpill(s, f.spill(s).withVar(value));
                }
            }
        }
    }

    /** After {@code ptr == 0} ({@code isNull}) or {@code ptr != 0}: every copy of the lookup's result becomes 0 or a value pointer. */
    private static void nullCheck(State st, int id, boolean isNull) {
        for (State.Frame f : st.frames) {
            for (int x = 0; x < f.regs.length; x++) {
                f.regs[x] = resolved(f.regs[x], id, isNull);
            }
            for (int s = 0; s < State.SLOTS; s++) {
                if (f.spill(s) != null) {
                    f.setSpill(s, resolved(f.spill(s), id, isNull));
                }
            }
        }
    }

    private static Reg resolved(Reg r, int id, boolean isNull) {
        if (r.kind() != Kind.MAP_VALUE_OR_NULL || r.id() != id) {
            return r;
        }
        return isNull
                ? Reg.constant(0)
                : Reg.mapValue(Kind.MAP_VALUE, r.map(), r.off(), 0).withVar(r.var());
    }

    /**
     * Notes whether this visit of the 64-bit add or sub of an immediate at {@code pc} moves a packet or stack pointer
     * by at most what a load's {@code off} field holds (a signed 16-bit value). When every visit does, the immediate
     * is a pointer's offset like {@code off}, which constant blinding leaves plain as the kernel leaves {@code off}
     * ({@code nodes.Blinding}): blinded, it hid from the compiler that the program's bounds check on the moved
     * pointer implies the check of each proven access ({@code provenRegion} is the pointer's region for such a slot).
     */
    private void recordPointerMove(int pc, Reg dst, long imm) {
        int region = switch (dst.kind()) {
            case PACKET -> Memory.PACKET;
            case STACK -> Memory.STACK0;
            default -> -1;
        };
        mergeRegion(pc, imm >= Short.MIN_VALUE && imm <= Short.MAX_VALUE ? region : -1);
    }

    /**
     * Notes whether this visit of the 64-bit register jump at {@code pc} compares a packet pointer with the packet's
     * end, the packet pointer's offset within [0, 2 * MAX_PACKET_OFF]. When every visit does, both operands always
     * hold the packet's region in their high halves (Memory.pointer), so the jump decides the same on their low
     * halves alone, the offsets: the nodes compare those, which lets the compiler relate the program's bounds check
     * to the offsets of its packet accesses ({@code provenRegion} is Memory.PACKET for such a jump). Not JSET: the
     * equal high halves make it true whatever the offsets are.
     */
    private void recordPacketComparison(int pc, int op, Reg a, Reg b) {
        Reg pkt = a.kind() == Kind.PACKET ? a : b;
        Reg end = a.kind() == Kind.PACKET ? b : a;
        boolean offsets = op != JSET
                && pkt.kind() == Kind.PACKET
                && end.kind() == Kind.PACKET_END
                && end.off() == 0
                && pkt.off() >= 0
                && pkt.off() <= MAX_PACKET_OFF
                && pkt.var().smin() >= 0
                && pkt.var().smax() <= MAX_PACKET_OFF;
        mergeRegion(pc, offsets ? Memory.PACKET : -1);
    }

    /**
     * {@code pkt OP pkt_end}: on the branch where {@code pkt + off <= data_end} holds, the {@code off} bytes from the
     * variable part of every packet pointer with pkt's id exist ({@code off + 1} when the comparison was strict).
     */
    private static void packetComparison(int op, Reg a, Reg b, State taken, State fall) {
        boolean pktFirst = a.kind() == Kind.PACKET;
        Reg pkt = pktFirst ? a : b;
        if (!pktFirst) {
            // end OP pkt  is  pkt OP' end
            op = switch (op) {
                case JGT -> JLT;
                case JGE -> JLE;
                case JLT -> JGT;
                case JLE -> JGE;
                default -> op;
            };
        }
        State proven;
        int extra;
        switch (op) {
            case JGT -> { // pkt > end: the fall-through has pkt <= end
                proven = fall;
                extra = 0;
            }
            case JGE -> { // pkt >= end: the fall-through has pkt < end
                proven = fall;
                extra = 1;
            }
            case JLT -> {
                proven = taken;
                extra = 1;
            }
            case JLE -> {
                proven = taken;
                extra = 0;
            }
            default -> {
                return;
            }
        }
        if (pkt.off() < 0
                || pkt.var().smin() < 0
                || pkt.var().smax() > MAX_PACKET_OFF
                || pkt.off() + extra > MAX_PACKET_OFF) {
            return;
        }
        int range = pkt.off() + extra;
        for (State.Frame f : proven.frames) {
            for (int x = 0; x < f.regs.length; x++) {
                f.regs[x] = withRange(f.regs[x], pkt.id(), range);
            }
            for (int s = 0; s < State.SLOTS; s++) {
                if (f.spill(s) != null) {
                    f.setSpill(s, withRange(f.spill(s), pkt.id(), range));
                }
            }
        }
    }

    private static Reg withRange(Reg r, int id, int range) {
        return r.kind() == Kind.PACKET && r.id() == id && r.range() < range ? r.withRange(range) : r;
    }

    // --- Stack of the call chain ---

    /** The deepest chain of calls must fit the combined stack of 512 bytes (each frame rounded up to 32, as the kernel does). */
    private int checkStackDepth() {
        int functions = stackDepth.length;
        int[] entries = shape.functionEntries();
        List<List<Integer>> callees = new ArrayList<>();
        for (int f = 0; f < functions; f++) {
            callees.add(new ArrayList<>());
        }
        int[] callSite = new int[functions];
        for (int pc = 0; pc < program.length(); pc++) {
            Insn i = insn(pc);
            if (!shape.secondSlot()[pc] && i.opcode() == (JMP | CALL) && i.src() == CALL_LOCAL) {
                int callee = shape.functionOf(pc + 1 + i.imm());
                callees.get(shape.functionOf(pc)).add(callee);
                callSite[callee] = pc;
            }
        }
        int[] memo = new int[functions];
        java.util.Arrays.fill(memo, -1);
        int total = deepest(0, callees, memo);
        if (total > Memory.STACK_SIZE) {
            // name the chain's first call for the location
            int at = functions > 1 ? callSite[deepestCallee(0, callees, memo)] : 0;
            throw fail(at, EbpfFailure.V_STACK_TOO_DEEP, total, Memory.STACK_SIZE);
        }
        return total;
    }

    private int frameSize(int f) {
        return (Math.max(stackDepth[f], 1) + 31) / 32 * 32;
    }

    private int deepest(int f, List<List<Integer>> callees, int[] memo) {
        if (memo[f] >= 0) {
            return memo[f];
        }
        int below = 0;
        for (int c : callees.get(f)) {
            below = Math.max(below, deepest(c, callees, memo));
        }
        memo[f] = frameSize(f) + below;
        return memo[f];
    }

    private int deepestCallee(int f, List<List<Integer>> callees, int[] memo) {
        int best = f;
        int depth = -1;
        for (int c : callees.get(f)) {
            if (memo[c] > depth) {
                depth = memo[c];
                best = c;
            }
        }
        return best;
    }
}
