package dev.sluice.tests.pcap;

import java.util.ArrayList;
import java.util.List;

import dev.sluice.bpf.isa.Insn;

/**
 * Reads {@code tcpdump -ddd} output: a line with the instruction count, then one {@code code jt jf k} line per
 * instruction, all decimal (k as tcpdump prints it, an unsigned 32-bit value).
 */
public final class DddReader {
    private DddReader() {
    }

    public static Insn[] read(String text) {
        List<String> lines = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (!line.isBlank()) {
                lines.add(line.trim());
            }
        }
        if (lines.isEmpty()) {
            throw new IllegalArgumentException("empty ddd program");
        }
        int count = Integer.parseInt(lines.get(0));
        if (lines.size() != count + 1) {
            throw new IllegalArgumentException("ddd program announces " + count + " instructions but has " + (lines.size() - 1));
        }
        Insn[] insns = new Insn[count];
        for (int i = 0; i < count; i++) {
            String[] f = lines.get(i + 1).split("\\s+");
            if (f.length != 4) {
                throw new IllegalArgumentException("ddd line " + (i + 2) + ": expected 'code jt jf k', got '" + lines.get(i + 1) + "'");
            }
            insns[i] = new Insn(Integer.parseInt(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2]), (int) Long.parseLong(f[3]));
        }
        return insns;
    }
}
