package dev.sluice.ebpf.isa;

import java.util.Arrays;
import java.util.List;

/**
 * An eBPF program as instruction slots, with the source position (1-based line and column) of each slot when it was
 * read from text, and the label names the text gave (for disassembly and error messages).
 */
public final class Program {
    private final Insn[] slots;
    private final int[] lines;
    private final int[] columns;

    public Program(Insn[] slots, int[] lines, int[] columns) {
        this.slots = slots.clone();
        this.lines = lines == null ? null : lines.clone();
        this.columns = columns == null ? null : columns.clone();
    }

    public static Program of(Insn... slots) {
        return new Program(slots, null, null);
    }

    public static Program of(List<Insn> slots) {
        return new Program(slots.toArray(new Insn[0]), null, null);
    }

    public int length() {
        return slots.length;
    }

    public Insn get(int pc) {
        return slots[pc];
    }

    public Insn[] slots() {
        return slots.clone();
    }

    public boolean hasPositions() {
        return lines != null;
    }

    /** 1-based line of slot {@code pc}, or 0. */
    public int line(int pc) {
        return lines == null || pc < 0 || pc >= lines.length ? 0 : lines[pc];
    }

    public int column(int pc) {
        return columns == null || pc < 0 || pc >= columns.length ? 0 : columns[pc];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Program p && Arrays.equals(slots, p.slots);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(slots);
    }
}
