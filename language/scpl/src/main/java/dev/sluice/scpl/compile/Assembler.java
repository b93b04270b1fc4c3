package dev.sluice.scpl.compile;

import dev.sluice.bpf.isa.Insn;
import dev.sluice.bpf.isa.Opcodes;
import dev.sluice.bpf.isa.Program;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A label-based classic BPF assembler. Conditional jumps name label targets; {@link #assemble()} lays the code out,
 * and where a conditional offset exceeds 255 it inserts a trampoline right after the jump: a copy of the target's
 * {@code ret} when the target is a return (one instruction, no extra jump executed), else a {@code ja} with a
 * 32-bit offset. It repeats until every offset fits. Each instruction carries a part name for size reports.
 */
final class Assembler {
    static final class Label {
        final String name;

        Label(String name) {
            this.name = name;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** One instruction or a label definition. jt/jf are used by conditional jumps; ja uses jt. */
    static final class Item {
        final Label define;
        final int code;
        final int k;
        Label jt;
        Label jf;
        final String part;

        Item(Label define, int code, int k, Label jt, Label jf, String part) {
            this.define = define;
            this.code = code;
            this.k = k;
            this.jt = jt;
            this.jf = jf;
            this.part = part;
        }

        boolean isInsn() {
            return define == null;
        }
    }

    private final List<Item> items = new ArrayList<>();
    private String part = "arch check";

    void part(String name) {
        this.part = name;
    }

    void label(Label l) {
        items.add(new Item(l, 0, 0, null, null, part));
    }

    void stmt(int code, int k) {
        items.add(new Item(null, code, k, null, null, part));
    }

    void jump(int op, int k, Label jt, Label jf) {
        items.add(new Item(null, Opcodes.JMP | op | Opcodes.K, k, jt, jf, part));
    }

    void ja(Label target) {
        items.add(new Item(null, Opcodes.JMP | Opcodes.JA, 0, target, null, part));
    }

    /** Lays out the code; returns the program and the part name of each instruction. */
    Assembled assemble() {
        List<Item> work = new ArrayList<>(items);
        Map<Label, Item> retAt = new IdentityHashMap<>();
        for (int i = 0; i < work.size(); i++) {
            Item it = work.get(i);
            if (!it.isInsn()) {
                Item next = firstInsnFrom(work, i);
                if (next != null && Opcodes.cls(next.code) == Opcodes.RET) {
                    retAt.put(it.define, next);
                }
            }
        }
        int trampolines = 0;
        while (true) {
            Map<Label, Integer> pos = new HashMap<>();
            List<Item> insns = new ArrayList<>();
            for (Item it : work) {
                if (it.isInsn()) {
                    insns.add(it);
                } else {
                    pos.put(it.define, insns.size());
                }
            }
            List<int[]> far = new ArrayList<>(); // {item index, far jt?, far jf?}
            int pc = 0;
            for (int i = 0; i < work.size(); i++) {
                Item it = work.get(i);
                if (!it.isInsn()) {
                    continue;
                }
                if (Opcodes.cls(it.code) == Opcodes.JMP && Opcodes.op(it.code) != Opcodes.JA) {
                    boolean farT = pos.get(it.jt) - pc - 1 > 255;
                    boolean farF = pos.get(it.jf) - pc - 1 > 255;
                    if (farT || farF) {
                        far.add(new int[] {i, farT ? 1 : 0, farF ? 1 : 0});
                    }
                }
                pc++;
            }
            if (far.isEmpty()) {
                Insn[] out = new Insn[insns.size()];
                String[] parts = new String[insns.size()];
                for (int i = 0; i < out.length; i++) {
                    Item it = insns.get(i);
                    parts[i] = it.part;
                    if (Opcodes.cls(it.code) == Opcodes.JMP) {
                        if (Opcodes.op(it.code) == Opcodes.JA) {
                            out[i] = Insn.stmt(it.code, pos.get(it.jt) - i - 1);
                        } else {
                            out[i] = Insn.jump(it.code, it.k, pos.get(it.jt) - i - 1, pos.get(it.jf) - i - 1);
                        }
                    } else {
                        out[i] = Insn.stmt(it.code, it.k);
                    }
                }
                return new Assembled(Program.of(out), parts, trampolines);
            }
            // Insert from the back so earlier item indices stay valid; the next round re-checks every offset.
            for (int f = far.size() - 1; f >= 0; f--) {
                int fixAt = far.get(f)[0];
                Item jump = work.get(fixAt);
                List<Item> inserted = new ArrayList<>();
                if (far.get(f)[1] == 1) {
                    Label l = new Label("tramp" + trampolines++);
                    inserted.add(new Item(l, 0, 0, null, null, jump.part));
                    inserted.add(trampoline(jump.jt, retAt, jump.part));
                    jump.jt = l;
                }
                if (far.get(f)[2] == 1) {
                    Label l = new Label("tramp" + trampolines++);
                    inserted.add(new Item(l, 0, 0, null, null, jump.part));
                    inserted.add(trampoline(jump.jf, retAt, jump.part));
                    jump.jf = l;
                }
                work.addAll(fixAt + 1, inserted);
            }
        }
    }

    private static Item trampoline(Label target, Map<Label, Item> retAt, String part) {
        Item ret = retAt.get(target);
        if (ret != null) {
            return new Item(null, ret.code, ret.k, null, null, part);
        }
        return new Item(null, Opcodes.JMP | Opcodes.JA, 0, target, null, part);
    }

    private static Item firstInsnFrom(List<Item> work, int i) {
        for (int j = i; j < work.size(); j++) {
            if (work.get(j).isInsn()) {
                return work.get(j);
            }
        }
        return null;
    }

    record Assembled(Program program, String[] parts, int trampolines) {}
}
