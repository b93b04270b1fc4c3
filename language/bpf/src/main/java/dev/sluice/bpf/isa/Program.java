package dev.sluice.bpf.isa;

import java.util.Arrays;
import java.util.List;

/**
 * A classic BPF program as read from some format, before verification. {@code lines}/{@code columns} give the
 * 1-based source position of each instruction for text formats, or are null for binary input.
 */
public final class Program {
    private final Insn[] insns;
    private final int[] lines;
    private final int[] columns;

    public Program(Insn[] insns, int[] lines, int[] columns) {
        this.insns = insns.clone();
        this.lines = lines == null ? null : lines.clone();
        this.columns = columns == null ? null : columns.clone();
    }

    public Program(List<Insn> insns) {
        this(insns.toArray(new Insn[0]), null, null);
    }

    public static Program of(Insn... insns) {
        return new Program(insns, null, null);
    }

    public int length() {
        return insns.length;
    }

    public Insn get(int pc) {
        return insns[pc];
    }

    public Insn[] insns() {
        return insns.clone();
    }

    public List<Insn> asList() {
        return List.of(insns);
    }

    public boolean hasPositions() {
        return lines != null;
    }

    /** 1-based source line of an instruction, or 0 if unknown. */
    public int line(int pc) {
        return lines == null || pc < 0 || pc >= lines.length ? 0 : lines[pc];
    }

    /** 1-based source column of an instruction, or 0 if unknown. */
    public int column(int pc) {
        return columns == null || pc < 0 || pc >= columns.length ? 0 : columns[pc];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Program p && Arrays.equals(insns, p.insns);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(insns);
    }

    @Override
    public String toString() {
        return Arrays.toString(insns);
    }
}
