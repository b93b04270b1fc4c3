package dev.sluice.tests.ebpf;

import static dev.sluice.tests.ebpf.EbpfAsm.*;

import dev.sluice.tests.kernel.KernelEbpf;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * Random eBPF socket filters and XDP programs shaped so that the kernel's verifier mostly accepts them, and random
 * packets for them. The shape follows what the verifier tracks:
 * <ul>
 * <li>r6 always holds the context; every other register the program reads was written first. A legacy packet load
 * ({@code LD_ABS}/{@code LD_IND}, socket filters) clobbers r1-r5 as a call does, so the generator tracks which
 * registers are initialised along every path (forward branches merge by intersection).
 * <li>XDP: r7 = data is checked against data_end for N bytes ({@code if data + N > data_end goto short}); packet
 * reads and writes then stay inside [0, N). The short path returns a constant.
 * <li>The stack slots r10-8 .. r10-32 are written before the body; the body reads and writes them aligned (the
 * verifier insists on aligned stack access), including atomics.
 * <li>Conditional jumps go forward only; loops are counted ({@code c = K; body; c -= 1; if c != 0 goto body}) with
 * K at most 16 and no branch inside, so the verifier walks them to the end.
 * <li>Immediate divisors are non-zero and immediate shift amounts in range (the verifier refuses both otherwise);
 * register operands are anything, so division by zero and wide shifts happen at run time.
 * </ul>
 * No helper calls: the helpers that would fit (time, random numbers, the CPU number) differ between any two runs.
 */
public final class RandomEbpfPrograms {
    public enum Flavor {
        SOCKET_FILTER(KernelEbpf.BPF_PROG_TYPE_SOCKET_FILTER),
        XDP(KernelEbpf.BPF_PROG_TYPE_XDP);

        public final int progType;

        Flavor(int progType) {
            this.progType = progType;
        }
    }

    /** A generated program: its instructions and, for XDP, how many bytes it checked against data_end. */
    public record Generated(Flavor flavor, List<Insn> insns, int checkedBytes) {
        public byte[] code() {
            return EbpfAsm.encode(insns);
        }

        public String listing() {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < insns.size(); i++) {
                sb.append(String.format("    %3d: %s%n", i, insns.get(i)));
            }
            return sb.toString();
        }
    }

    private static final int CTX = 6;
    private static final int DATA = 7;
    private static final int STACK_SLOTS = 4;
    private static final int[] ALU_OPS = {ADD, SUB, MUL, DIV, OR, AND, LSH, RSH, MOD, XOR, MOV, ARSH};
    private static final int[] JUMP_OPS = {JEQ, JGT, JGE, JSET, JNE, JSGT, JSGE, JLT, JLE, JSLT, JSLE};
    private static final int[] SIZES = {B, H, W, DW};
    private static final int[] ATOMIC_OPS = {ADD, OR, AND, XOR};
    private static final int ATOMIC_FETCH = 0x01,
            ATOMIC_XCHG = 0xe0 | ATOMIC_FETCH,
            ATOMIC_CMPXCHG = 0xf0 | ATOMIC_FETCH;

    private final RandomGenerator rnd;
    private final Flavor flavor;

    // Per-program state.
    private final List<Object> items = new ArrayList<>(); // Insn, Label or Jump
    private BitSet init;
    private int checkedBytes;
    private int[] scalarRegs;

    /** A jump whose offset is resolved when the program is complete. */
    private record Jump(Insn template, int label) {}

    private record Label(int id) {}

    private final Map<Integer, BitSet> pendingInit = new HashMap<>();
    private int nextLabel;

    public RandomEbpfPrograms(RandomGenerator rnd, Flavor flavor) {
        this.rnd = rnd;
        this.flavor = flavor;
    }

    /**
     * Whether legacy loads may use {@code SKF_NET_OFF + k} (relative to the network header). Sluice reads them as the
     * kernel does (with ebpf.SocketData=network, the test run's view); tests whose kept inputs predate that keep them
     * off so their replayed programs stay the same.
     */
    private boolean networkHeaderOffsets = true;

    public RandomEbpfPrograms withoutNetworkHeaderOffsets() {
        networkHeaderOffsets = false;
        return this;
    }

    public Flavor flavor() {
        return flavor;
    }

    private int pick(int... values) {
        return values[rnd.nextInt(values.length)];
    }

    private int constant() {
        return switch (rnd.nextInt(8)) {
            case 0 -> pick(0, 1, 2, 3, 7, 8, 15, 16, 31, 32, 63, 64, 255);
            case 1 -> pick(-1, -2, 0x7fffffff, 0x80000000, 0xffff, 0x8000, 0x80, 0x7f, 0x800, 0x86dd);
            case 2, 3 -> rnd.nextInt(256);
            case 4 -> rnd.nextInt(0x10000) - 0x8000;
            default -> rnd.nextInt();
        };
    }

    private void emit(Insn insn) {
        items.add(insn);
    }

    /** Registers the body may read and write as scalars. */
    private int initialisedScalar() {
        for (int tries = 0; tries < 32; tries++) {
            int r = scalarRegs[rnd.nextInt(scalarRegs.length)];
            if (init.get(r)) {
                return r;
            }
        }
        // r0 is always initialised after the prologue and after a legacy load.
        return 0;
    }

    private int anyScalar() {
        return scalarRegs[rnd.nextInt(scalarRegs.length)];
    }

    private void write(int reg) {
        init.set(reg);
    }

    /** A fresh program of about {@code bodyOps} operations after the prologue. */
    public Generated program(int bodyOps) {
        items.clear();
        pendingInit.clear();
        labelOfOp.clear();
        nextLabel = 0;
        init = new BitSet(11);
        init.set(1);
        init.set(10);
        int shortExit = -1;
        if (flavor == Flavor.XDP) {
            scalarRegs = new int[] {0, 1, 2, 3, 4, 5, 8, 9};
            emit(mov64Reg(CTX, 1));
            emit(ldx(W, DATA, 1, 0)); // data
            emit(ldx(W, 8, 1, 4)); // data_end
            checkedBytes = 1 + rnd.nextInt(rnd.nextInt(4) == 0 ? 200 : 48);
            emit(mov64Reg(9, DATA));
            emit(alu64Imm(ADD, 9, checkedBytes));
            shortExit = nextLabel++;
            items.add(new Jump(jmpReg(JGT, 9, 8, 0), shortExit));
        } else {
            scalarRegs = new int[] {0, 1, 2, 3, 4, 5, 7, 8, 9};
            checkedBytes = 0;
            emit(mov64Reg(CTX, 1));
        }
        init.set(CTX);
        // Every scalar register and stack slot starts with a value: an immediate, a 64-bit immediate, or input.
        for (int r : scalarRegs) {
            initialise(r);
        }
        for (int slot = 1; slot <= STACK_SLOTS; slot++) {
            if (rnd.nextBoolean()) {
                emit(stx(DW, 10, anyInitialised(), -8 * slot));
            } else {
                emit(st(DW, 10, -8 * slot, constant()));
            }
        }
        for (int op = 0; op < bodyOps; op++) {
            placeLabelFor(op);
            bodyOp(op, bodyOps);
        }
        placeLabelFor(bodyOps);
        // Return a scalar; the test run reports its low 32 bits. Mostly a fold of every register and stack slot, so
        // that a wrong result anywhere shows in the return value (a single register would hide most of them).
        int result = initialisedScalar();
        if (result != 0) {
            emit(mov64Reg(0, result));
        }
        if (rnd.nextInt(4) > 0) {
            foldStateIntoR0();
        } else if (flavor == Flavor.XDP && rnd.nextBoolean()) {
            emit(alu64Imm(AND, 0, 3)); // a real XDP action
        }
        emit(exit());
        if (shortExit >= 0) {
            items.add(new Label(shortExit));
            emit(mov64Imm(0, rnd.nextBoolean() ? pick(XDP_DROP, XDP_PASS, XDP_TX, XDP_ABORTED) : constant()));
            emit(exit());
        }
        return new Generated(flavor, resolve(), checkedBytes);
    }

    /** r0 = fold(r0, every initialised scalar register, every stack slot), high half folded into the low half. */
    private void foldStateIntoR0() {
        for (int r : scalarRegs) {
            if (r != 0 && init.get(r)) {
                emit(alu64Imm(MUL, 0, 0x01000193)); // the FNV prime: any odd multiplier keeps every bit in play
                emit(alu64Reg(XOR, 0, r));
            }
        }
        int scratch = 9;
        for (int slot = 1; slot <= STACK_SLOTS; slot++) {
            emit(ldx(DW, scratch, 10, -8 * slot));
            emit(alu64Imm(MUL, 0, 0x01000193));
            emit(alu64Reg(XOR, 0, scratch));
        }
        emit(mov64Reg(scratch, 0));
        emit(alu64Imm(RSH, scratch, 32));
        emit(alu64Reg(XOR, 0, scratch));
    }

    private int anyInitialised() {
        return initialisedScalar();
    }

    private void initialise(int r) {
        int choice = rnd.nextInt(10);
        if (choice < 5) {
            emit(mov64Imm(r, constant()));
        } else if (choice < 7) {
            long wide = rnd.nextLong();
            emit(lddwLow(r, 0, wide));
            emit(lddwHigh(wide));
        } else if (flavor == Flavor.XDP) {
            emit(ldx(SIZES[rnd.nextInt(4)], r, DATA, 0));
            fixLastPacketAccess();
        } else if (choice == 7) {
            emit(ldx(W, r, CTX, 0)); // __sk_buff.len
        } else {
            emit(mov64Imm(r, rnd.nextInt(64)));
        }
        write(r);
    }

    /** Re-picks the offset of the packet access just emitted so that it lies inside the checked bytes. */
    private void fixLastPacketAccess() {
        Insn last = (Insn) items.removeLast();
        int size = sizeBytes(last.opcode() & 0x18);
        int limit = checkedBytes - size;
        if (limit < 0) {
            // Too few bytes checked for this size: read one byte.
            last = new Insn((last.opcode() & ~0x18) | B, last.dst(), last.src(), 0, last.imm());
            limit = checkedBytes - 1;
        }
        emit(new Insn(last.opcode(), last.dst(), last.src(), rnd.nextInt(limit + 1), last.imm()));
    }

    static int sizeBytes(int size) {
        return switch (size) {
            case B -> 1;
            case H -> 2;
            case W -> 4;
            default -> 8;
        };
    }

    private void bodyOp(int op, int bodyOps) {
        int kind = rnd.nextInt(100);
        if (kind < 40) {
            alu();
        } else if (kind < 48) {
            unusualAlu();
        } else if (kind < 58) {
            stack();
        } else if (kind < 64) {
            atomic();
        } else if (kind < 76) {
            packet();
        } else if (kind < 92) {
            branch(op, bodyOps);
        } else {
            loop();
        }
    }

    private void alu() {
        boolean wide = rnd.nextInt(3) > 0;
        int code = ALU_OPS[rnd.nextInt(ALU_OPS.length)];
        int dst = anyScalar();
        if (code != MOV && !init.get(dst)) {
            dst = initialisedScalar();
        }
        boolean signed = (code == DIV || code == MOD) && rnd.nextInt(3) == 0;
        int off = signed ? 1 : 0;
        if (rnd.nextBoolean()) {
            int imm = constant();
            if (code == DIV || code == MOD) {
                imm = imm == 0 ? 1 + rnd.nextInt(9) : imm;
            } else if (code == LSH || code == RSH || code == ARSH) {
                imm = rnd.nextInt(wide ? 64 : 32);
            }
            emit(new Insn((wide ? ALU64 : ALU) | K | code, dst, 0, off, imm));
        } else {
            int src = initialisedScalar();
            emit(new Insn((wide ? ALU64 : ALU) | X | code, dst, src, off, 0));
        }
        write(dst);
    }

    /** NEG, byte swaps (END and v4 BSWAP) and v4 sign-extending moves. */
    private void unusualAlu() {
        int dst = initialisedScalar();
        switch (rnd.nextInt(4)) {
            case 0 -> emit(new Insn((rnd.nextBoolean() ? ALU64 : ALU) | NEG, dst, 0, 0, 0));
            case 1 -> emit(new Insn(ALU | END | (rnd.nextBoolean() ? X : K), dst, 0, 0, pick(16, 32, 64)));
            case 2 -> emit(new Insn(ALU64 | END | K, dst, 0, 0, pick(16, 32, 64)));
            default -> {
                int target = anyScalar();
                if (rnd.nextBoolean()) {
                    emit(new Insn(ALU64 | X | MOV, target, dst, pick(8, 16, 32), 0));
                } else {
                    emit(new Insn(ALU | X | MOV, target, dst, pick(8, 16), 0));
                }
                dst = target;
            }
        }
        write(dst);
    }

    private int stackOffset(int size) {
        int bytes = sizeBytes(size);
        int slotsBytes = 8 * STACK_SLOTS;
        int at = bytes * rnd.nextInt(slotsBytes / bytes);
        return -slotsBytes + at;
    }

    private void stack() {
        int size = SIZES[rnd.nextInt(4)];
        int off = stackOffset(size);
        switch (rnd.nextInt(4)) {
            case 0 -> emit(stx(size, 10, initialisedScalar(), off));
            case 1 -> emit(st(size, 10, off, constant()));
            case 2 -> {
                int dst = anyScalar();
                if (size != DW && rnd.nextBoolean()) {
                    emit(new Insn(LDX | MEMSX | size, dst, 10, off, 0));
                } else {
                    emit(ldx(size, dst, 10, off));
                }
                write(dst);
            }
            default -> {
                int dst = anyScalar();
                emit(ldx(size, dst, 10, off));
                write(dst);
            }
        }
    }

    private void atomic() {
        boolean wide = rnd.nextBoolean();
        int size = wide ? DW : W;
        int off = stackOffset(size);
        int src = initialisedScalar();
        int choice = rnd.nextInt(10);
        int imm;
        if (choice < 6) {
            imm = ATOMIC_OPS[rnd.nextInt(ATOMIC_OPS.length)] | (rnd.nextBoolean() ? ATOMIC_FETCH : 0);
        } else if (choice < 8) {
            imm = ATOMIC_XCHG;
        } else {
            if (!init.get(0)) {
                emit(mov64Imm(0, constant()));
                write(0);
            }
            imm = ATOMIC_CMPXCHG;
        }
        emit(new Insn(STX | ATOMIC | size, 10, src, off, imm));
        if (imm == ATOMIC_CMPXCHG) {
            write(0);
        } else if ((imm & ATOMIC_FETCH) != 0) {
            write(src);
        }
    }

    private void packet() {
        if (flavor == Flavor.XDP) {
            int size = SIZES[rnd.nextInt(4)];
            switch (rnd.nextInt(5)) {
                case 0, 1 -> {
                    int dst = anyScalar();
                    emit(new Insn(LDX | (size != DW && rnd.nextInt(4) == 0 ? MEMSX : MEM) | size, dst, DATA, 0, 0));
                    fixLastPacketAccess();
                    write(dst);
                }
                case 2, 3 -> {
                    emit(stx(size, DATA, initialisedScalar(), 0));
                    fixLastPacketAccess();
                }
                default -> {
                    emit(st(size, DATA, 0, constant()));
                    fixLastPacketAccess();
                }
            }
            return;
        }
        int size = pick(B, H, W);
        if (rnd.nextBoolean()) {
            emit(ldAbs(size, legacyOffset()));
        } else {
            int src;
            if (rnd.nextBoolean()) {
                src = pick(7, 8, 9);
                emit(mov64Imm(src, rnd.nextInt(40)));
                write(src);
            } else {
                src = initialisedScalar();
            }
            emit(ldInd(size, src, rnd.nextInt(3) == 0 ? constant() : rnd.nextInt(40)));
        }
        // LD_ABS and LD_IND are calls in disguise: r1-r5 are clobbered, r0 holds the result.
        for (int r = 1; r <= 5; r++) {
            init.clear(r);
        }
        write(0);
    }

    private int legacyOffset() {
        return switch (rnd.nextInt(10)) {
            case 0 -> pick(-1, 0x7fffffff, 1500, 0x10000);
            case 1 ->
                networkHeaderOffsets
                        ? -0x100000 + rnd.nextInt(40)
                        : rnd.nextInt(60); // SKF_NET_OFF + k: the network header
            default -> rnd.nextInt(60);
        };
    }

    private void branch(int op, int bodyOps) {
        boolean narrow = rnd.nextInt(3) == 0;
        int code = JUMP_OPS[rnd.nextInt(JUMP_OPS.length)];
        int dst = initialisedScalar();
        int target = op + 1 + rnd.nextInt(Math.max(1, Math.min(6, bodyOps - op)));
        int label = labelForOp(target);
        Insn template = rnd.nextBoolean()
                ? new Insn((narrow ? JMP32 : JMP) | K | code, dst, 0, 0, constant())
                : new Insn((narrow ? JMP32 : JMP) | X | code, dst, initialisedScalar(), 0, 0);
        items.add(new Jump(template, label));
        BitSet atJump = (BitSet) init.clone();
        pendingInit.merge(target, atJump, (a, b) -> {
            BitSet m = (BitSet) a.clone();
            m.and(b);
            return m;
        });
    }

    private final Map<Integer, Integer> labelOfOp = new HashMap<>();

    private int labelForOp(int op) {
        return labelOfOp.computeIfAbsent(op, k -> nextLabel++);
    }

    private void placeLabelFor(int op) {
        Integer label = labelOfOp.remove(op);
        if (label != null) {
            items.add(new Label(label));
            init.and(pendingInit.remove(op));
        }
    }

    private void loop() {
        int counter = anyScalar();
        int trips = 1 + rnd.nextInt(16);
        int top = nextLabel++;
        boolean down = rnd.nextBoolean();
        emit(mov64Imm(counter, down ? trips : 0));
        write(counter);
        items.add(new Label(top));
        int bodyLength = 1 + rnd.nextInt(4);
        for (int i = 0; i < bodyLength; i++) {
            int before = items.size();
            if (rnd.nextInt(4) == 0 && flavor == Flavor.XDP) {
                packet();
            } else if (rnd.nextInt(5) == 0) {
                stack();
            } else {
                alu();
            }
            // The loop body must leave the counter alone.
            for (int j = before; j < items.size(); j++) {
                if (items.get(j) instanceof Insn insn && writesRegister(insn, counter)) {
                    items.set(j, retarget(insn, counter));
                }
            }
        }
        if (down) {
            emit(alu64Imm(SUB, counter, 1));
            items.add(new Jump(jmpImm(JNE, counter, 0, 0), top));
        } else {
            emit(alu64Imm(ADD, counter, 1));
            items.add(new Jump(jmpImm(JLT, counter, trips, 0), top));
        }
    }

    private static boolean writesRegister(Insn insn, int reg) {
        int cls = insn.opcode() & 0x07;
        if (cls == ALU || cls == ALU64 || cls == LDX || cls == LD) {
            return insn.dst() == reg;
        }
        if (cls == STX && (insn.opcode() & 0xe0) == ATOMIC) {
            return (insn.imm() & ATOMIC_FETCH) != 0 && insn.src() == reg || insn.imm() == ATOMIC_CMPXCHG && reg == 0;
        }
        return false;
    }

    /** The same operation on another destination: r0 for a loop whose counter is not r0, else r8/r9. */
    private Insn retarget(Insn insn, int counter) {
        int cls = insn.opcode() & 0x07;
        if (cls == STX) {
            // A fetching atomic would overwrite the counter: make it a plain store of the same size.
            return new Insn(STX | MEM | (insn.opcode() & 0x18), insn.dst(), insn.src(), insn.off(), 0);
        }
        int other = counter == 0 ? 8 : 0;
        if (!init.get(other)) {
            other = counter == 9 ? 8 : 9;
        }
        return new Insn(insn.opcode(), other, insn.src(), insn.off(), insn.imm());
    }

    private List<Insn> resolve() {
        Map<Integer, Integer> labelPc = new HashMap<>();
        int pc = 0;
        for (Object o : items) {
            if (o instanceof Label l) {
                labelPc.put(l.id(), pc);
            } else {
                pc++;
            }
        }
        List<Insn> out = new ArrayList<>(pc);
        for (Object o : items) {
            if (o instanceof Insn i) {
                out.add(i);
            } else if (o instanceof Jump j) {
                int offset = labelPc.get(j.label()) - (out.size() + 1);
                Insn t = j.template();
                out.add(new Insn(t.opcode(), t.dst(), t.src(), offset, t.imm()));
            }
        }
        return out;
    }

    /** A random packet: at least an Ethernet header (both test runs require it), often near the checked length. */
    public byte[] packet(Generated program) {
        int length;
        if (flavor == Flavor.XDP) {
            int n = program.checkedBytes();
            length = switch (rnd.nextInt(4)) {
                case 0 -> KernelEbpf.ETH_HLEN + rnd.nextInt(100);
                case 1 -> Math.max(KernelEbpf.ETH_HLEN, n - 1 - rnd.nextInt(3));
                default -> Math.max(KernelEbpf.ETH_HLEN, n + rnd.nextInt(40));
            };
        } else {
            length = KernelEbpf.ETH_HLEN + rnd.nextInt(rnd.nextInt(8) == 0 ? 300 : 80);
        }
        byte[] p = new byte[length];
        rnd.nextBytes(p);
        if (rnd.nextInt(4) == 0) {
            for (int i = 0; i < p.length; i++) {
                p[i] = (byte) pick(0, 1, 0x7f, 0x80, 0xff);
            }
        }
        if (flavor == Flavor.SOCKET_FILTER && KernelEbpf.socketTestRunRefuses(p)) {
            p[13] ^= 1; // another EtherType: the kernel's test run refuses a too-short IPv4 or IPv6 frame
        }
        return p;
    }
}
