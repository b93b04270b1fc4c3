package dev.sluice.scpl.compile;

import static dev.sluice.bpf.isa.Opcodes.*;

import dev.sluice.core.seccomp.Arch;
import dev.sluice.scpl.compile.Assembler.Label;
import dev.sluice.scpl.policy.Cond;
import dev.sluice.scpl.policy.Policy;
import dev.sluice.scpl.policy.Rule;
import dev.sluice.scpl.syscalls.SyscallTable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Emits the decision tree: arch check (bad-arch action), the x32 check on x86_64's audit value, per ABI a
 * weight-balanced JGE search over syscall-number segments with the same outcome, argument checks in the leaves, and
 * one shared {@code ret} per distinct verdict at the end. Everything is iterated in sorted or policy order, so the
 * output is deterministic.
 */
final class CodeGen {
    private static final int SECCOMP_NR = 0;
    private static final int SECCOMP_ARCH = 4;

    private final Policy policy;
    private final Assembler asm = new Assembler();
    private final Map<Integer, Label> rets = new LinkedHashMap<>();
    /** The first rule that produced each conditional step, for size reports. */
    private final Map<Step, Rule> origin = new java.util.HashMap<>();

    private CodeGen(Policy policy) {
        this.policy = policy;
    }

    static Assembler.Assembled generate(Policy policy) {
        return new CodeGen(policy).run();
    }

    private Label ret(int verdict) {
        return rets.computeIfAbsent(verdict, v -> new Label(String.format("ret_%08x", v)));
    }

    /** One (condition, verdict) step of a leaf; condition null means always. */
    record Step(Cond condition, int verdict) {}

    private Assembler.Assembled run() {
        Label bad = ret(policy.badArchAction().encode());
        // Group the target ABIs by audit value, in policy order.
        Map<Integer, List<Arch>> byAudit = new LinkedHashMap<>();
        for (Arch a : policy.arches()) {
            byAudit.computeIfAbsent(a.auditArch(), k -> new ArrayList<>()).add(a);
        }
        List<Integer> audits = new ArrayList<>(byAudit.keySet());
        List<Label> archLabels = new ArrayList<>();
        asm.part("arch check");
        asm.stmt(LD | W | ABS, SECCOMP_ARCH);
        for (int i = 0; i < audits.size(); i++) {
            Label here = new Label("arch" + i);
            archLabels.add(here);
            Label next = new Label("archcheck" + (i + 1));
            boolean last = i == audits.size() - 1;
            asm.jump(JEQ, audits.get(i), here, last ? bad : next);
            if (!last) {
                asm.label(next);
            }
        }
        for (int i = 0; i < audits.size(); i++) {
            asm.label(archLabels.get(i));
            emitAudit(byAudit.get(audits.get(i)), bad);
        }
        asm.part("return blocks");
        for (Map.Entry<Integer, Label> e : rets.entrySet()) {
            asm.label(e.getValue());
            asm.stmt(RET | K, e.getKey());
        }
        return asm.assemble();
    }

    private void emitAudit(List<Arch> abis, Label bad) {
        Arch first = abis.get(0);
        asm.part("syscall search for " + first.token());
        asm.stmt(LD | W | ABS, SECCOMP_NR);
        if (first.auditArch() != Arch.X86_64.auditArch()) {
            emitAbi(first, 0L, 0xffffffffL);
            return;
        }
        boolean x64 = abis.contains(Arch.X86_64);
        boolean x32 = abis.contains(Arch.X32);
        asm.part("x32 check");
        Label x64Code = new Label("x86_64");
        Label x32Code = new Label("x32");
        asm.jump(JGE, Arch.X32_SYSCALL_BIT, x32 ? x32Code : bad, x64 ? x64Code : bad);
        if (x64) {
            asm.label(x64Code);
            emitAbi(Arch.X86_64, 0L, Arch.X32_SYSCALL_BIT - 1L);
        }
        if (x32) {
            asm.label(x32Code);
            emitAbi(Arch.X32, Arch.X32_SYSCALL_BIT, 0xffffffffL);
        }
    }

    /** A run of syscall numbers [start, end] with one outcome; weight = table syscalls inside. */
    record Segment(long start, long end, List<Step> leaf, int weight) {}

    private void emitAbi(Arch abi, long lo, long hi) {
        asm.part("syscall search for " + abi.token());
        List<Step> defaultLeaf = List.of(new Step(null, policy.defaultAction().encode()));
        TreeSet<Integer> named = new TreeSet<>((a, b) -> Integer.compareUnsigned(a, b));
        for (Rule r : policy.rules()) {
            for (int nr : r.numbers().getOrDefault(abi, new int[0])) {
                long u = nr & 0xffffffffL;
                if (u >= lo && u <= hi) {
                    named.add(nr);
                }
            }
        }
        TreeSet<Long> table = new TreeSet<>();
        for (int nr : SyscallTable.forArch(abi).all().values()) {
            table.add(nr & 0xffffffffL);
        }
        List<Segment> segments = new ArrayList<>();
        long cursor = lo;
        for (int nr : named) {
            long u = nr & 0xffffffffL;
            if (u > cursor) {
                add(segments, new Segment(cursor, u - 1, defaultLeaf, weight(table, cursor, u - 1)));
            }
            add(segments, new Segment(u, u, leafFor(abi, nr), weight(table, u, u)));
            cursor = u + 1;
        }
        if (cursor <= hi) {
            add(segments, new Segment(cursor, hi, defaultLeaf, weight(table, cursor, hi)));
        }
        if (segments.size() == 1 && isPlainReturn(segments.get(0).leaf())) {
            // no rule names a syscall of this ABI: the tree would be a bare label with no jump to it, so return here
            asm.stmt(RET | K, segments.get(0).leaf().get(0).verdict());
            return;
        }
        Map<List<Step>, Label> leafLabels = new LinkedHashMap<>();
        Label root = target(segments, 0, segments.size() - 1, leafLabels, abi);
        emitTree(segments, 0, segments.size() - 1, root, leafLabels, abi);
        for (Map.Entry<List<Step>, Label> e : leafLabels.entrySet()) {
            if (isPlainReturn(e.getKey())) {
                continue;
            }
            asm.label(e.getValue());
            emitLeaf(e.getKey(), abi);
        }
    }

    private static int weight(TreeSet<Long> table, long from, long to) {
        return table.subSet(from, true, to, true).size();
    }

    private static void add(List<Segment> segments, Segment s) {
        if (!segments.isEmpty()) {
            Segment last = segments.get(segments.size() - 1);
            if (last.leaf().equals(s.leaf()) && last.end() + 1 == s.start()) {
                segments.set(
                        segments.size() - 1, new Segment(last.start(), s.end(), s.leaf(), last.weight() + s.weight()));
                return;
            }
        }
        segments.add(s);
    }

    /** The outcome steps for one syscall: its rules in order, cut after the first unconditional one, then default. */
    private List<Step> leafFor(Arch abi, int nr) {
        List<Step> steps = new ArrayList<>();
        for (Rule r : policy.rulesFor(abi, nr)) {
            int verdict = r.action().encode();
            if (r.condition() == null || r.condition() instanceof Cond.Const c && c.value()) {
                steps.add(new Step(null, verdict));
                return steps;
            }
            if (r.condition() instanceof Cond.Const) {
                continue; // "false": never applies
            }
            Step step = new Step(r.condition(), verdict);
            origin.putIfAbsent(step, r);
            steps.add(step);
        }
        steps.add(new Step(null, policy.defaultAction().encode()));
        // Trailing steps that give the default verdict anyway need no test.
        while (steps.size() > 1
                && steps.get(steps.size() - 2).verdict()
                        == steps.get(steps.size() - 1).verdict()) {
            steps.remove(steps.size() - 2);
        }
        return List.copyOf(steps);
    }

    private static boolean isPlainReturn(List<Step> leaf) {
        return leaf.size() == 1 && leaf.get(0).condition() == null;
    }

    private Label target(List<Segment> s, int a, int b, Map<List<Step>, Label> leafLabels, Arch abi) {
        if (a == b) {
            List<Step> leaf = s.get(a).leaf();
            if (isPlainReturn(leaf)) {
                return ret(leaf.get(0).verdict());
            }
            return leafLabels.computeIfAbsent(leaf, k -> new Label(abi.token() + "_leaf" + leafLabels.size()));
        }
        return new Label(
                abi.token() + "_node_" + s.get(a).start() + "_" + s.get(b).end());
    }

    /** Emits the search over segments a..b; the code starts at {@code here}. */
    private void emitTree(List<Segment> s, int a, int b, Label here, Map<List<Step>, Label> leafLabels, Arch abi) {
        if (a == b) {
            return;
        }
        int m = split(s, a, b);
        Label left = target(s, a, m - 1, leafLabels, abi);
        Label right = target(s, m, b, leafLabels, abi);
        asm.label(here);
        asm.jump(JGE, (int) s.get(m).start(), right, left);
        emitTree(s, a, m - 1, left, leafLabels, abi);
        emitTree(s, m, b, right, leafLabels, abi);
    }

    /** The split index m (a < m <= b) that best balances the weight (table syscalls, +1 per segment) of both sides. */
    private static int split(List<Segment> s, int a, int b) {
        long total = 0;
        for (int i = a; i <= b; i++) {
            total += s.get(i).weight() + 1;
        }
        long left = 0;
        int best = a + 1;
        long bestDiff = Long.MAX_VALUE;
        for (int m = a + 1; m <= b; m++) {
            left += s.get(m - 1).weight() + 1;
            long diff = Math.abs(total - 2 * left);
            if (diff < bestDiff) {
                bestDiff = diff;
                best = m;
            }
        }
        return best;
    }

    private void emitLeaf(List<Step> steps, Arch abi) {
        for (int i = 0; i < steps.size(); i++) {
            Step st = steps.get(i);
            Label yes = ret(st.verdict());
            if (st.condition() == null) {
                asm.ja(yes);
                return;
            }
            asm.part("arguments of " + describe(st));
            Step next = steps.get(i + 1); // a leaf always ends with an unconditional step
            if (next.condition() == null) {
                cond(st.condition(), yes, ret(next.verdict()), abi); // false goes straight to the last return
                return;
            }
            Label no = new Label("next" + i);
            cond(st.condition(), yes, no, abi);
            asm.label(no);
        }
    }

    private String describe(Step st) {
        Rule r = origin.get(st);
        return r == null ? st.condition().toString() : "rule at " + r.where();
    }

    // --- argument conditions ---

    private void cond(Cond c, Label t, Label f, Arch abi) {
        switch (c) {
            case Cond.Const k -> asm.ja(k.value() ? t : f);
            case Cond.Not n -> cond(n.operand(), f, t, abi);
            case Cond.And a -> {
                Label mid = new Label("and");
                cond(a.left(), mid, f, abi);
                asm.label(mid);
                cond(a.right(), t, f, abi);
            }
            case Cond.Or o -> {
                Label mid = new Label("or");
                cond(o.left(), t, mid, abi);
                asm.label(mid);
                cond(o.right(), t, f, abi);
            }
            case Cond.Compare cmp -> compare(cmp, t, f, abi);
        }
    }

    private void compare(Cond.Compare c, Label t, Label f, Arch abi) {
        int base = 16 + 8 * c.arg();
        int loOff = abi.bigEndian() ? base + 4 : base;
        int hiOff = abi.bigEndian() ? base : base + 4;
        long mask = c.low32() ? c.mask() & 0xffffffffL : c.mask();
        long value = c.value();
        int mh = (int) (mask >>> 32);
        int ml = (int) mask;
        int vh = c.low32() ? 0 : (int) (value >>> 32);
        int vl = (int) value;
        switch (c.op()) {
            case NE -> equal(c.low32(), hiOff, loOff, mh, ml, vh, vl, f, t);
            case EQ -> equal(c.low32(), hiOff, loOff, mh, ml, vh, vl, t, f);
            case GT -> greater(c.low32(), hiOff, loOff, mh, ml, vh, vl, JGT, t, f);
            case GE -> greater(c.low32(), hiOff, loOff, mh, ml, vh, vl, JGE, t, f);
            case LE -> greater(c.low32(), hiOff, loOff, mh, ml, vh, vl, JGT, f, t);
            case LT -> greater(c.low32(), hiOff, loOff, mh, ml, vh, vl, JGE, f, t);
        }
    }

    private void load(int off, int mask) {
        asm.stmt(LD | W | ABS, off);
        if (mask != -1) {
            asm.stmt(ALU | AND | K, mask);
        }
    }

    /** (arg & mask) == value through the two halves; the high half is skipped for low32 and when masked away. */
    private void equal(boolean low32, int hiOff, int loOff, int mh, int ml, int vh, int vl, Label t, Label f) {
        if (!low32) {
            if ((vh & ~mh) != 0 || (vl & ~ml) != 0) {
                asm.ja(f); // the value has bits the mask clears: never equal
                return;
            }
            if (mh != 0) {
                Label lo = new Label("eqlo");
                load(hiOff, mh);
                asm.jump(JEQ, vh, lo, f);
                asm.label(lo);
            }
        } else if ((vl & ~ml) != 0) {
            asm.ja(f);
            return;
        }
        if (ml == 0) {
            asm.ja(vl == 0 ? t : f);
            return;
        }
        load(loOff, ml);
        asm.jump(JEQ, vl, t, f);
    }

    /** (arg & mask) > value (op JGT) or >= value (op JGE), unsigned, high half first. */
    private void greater(
            boolean low32, int hiOff, int loOff, int mh, int ml, int vh, int vl, int op, Label t, Label f) {
        if (!low32) {
            if (mh == 0) {
                if (vh != 0) {
                    asm.ja(f); // high half is 0 < vh
                    return;
                }
            } else {
                Label lo = new Label("cmplo");
                Label eq = new Label("cmpeq");
                load(hiOff, mh);
                asm.jump(JGT, vh, t, eq);
                asm.label(eq);
                asm.jump(JEQ, vh, lo, f);
                asm.label(lo);
            }
        }
        if (ml == 0) {
            boolean holds = op == JGT ? Integer.compareUnsigned(0, vl) > 0 : Integer.compareUnsigned(0, vl) >= 0;
            asm.ja(holds ? t : f);
            return;
        }
        load(loOff, ml);
        asm.jump(op, vl, t, f);
    }
}
