package dev.sluice.ebpf;

import static dev.sluice.ebpf.isa.Opcodes.*;

import dev.sluice.ebpf.isa.Insn;
import dev.sluice.ebpf.isa.Program;
import java.util.TreeSet;

/** The conformance groups of RFC 9669 section 2.4 that a program's instructions touch (plus the runner's callx). */
final class ConformanceGroups {
    private ConformanceGroups() {}

    static TreeSet<String> of(Program p) {
        TreeSet<String> groups = new TreeSet<>();
        for (int pc = 0; pc < p.length(); pc++) {
            Insn i = p.get(pc);
            int opcode = i.opcode();
            switch (cls(opcode)) {
                case ALU, ALU64 -> {
                    boolean is64 = cls(opcode) == ALU64;
                    int op = op(opcode);
                    if (op == MUL || op == DIV || op == MOD) {
                        // Multiplication and division (signed forms too) are their own groups, not base32/base64.
                        groups.add(is64 ? "divmul64" : "divmul32");
                    } else if (op == END) {
                        groups.add(i.imm() == 64 ? "base64" : "base32");
                    } else {
                        groups.add(is64 ? "base64" : "base32");
                    }
                }
                case JMP, JMP32 -> {
                    int op = op(opcode);
                    if (opcode == (JMP | CALL | X)) {
                        groups.add("callx");
                    } else if (cls(opcode) == JMP && op != JA && op != CALL && op != EXIT) {
                        groups.add("base64");
                    } else {
                        groups.add("base32");
                    }
                }
                case LD -> {
                    if (opcode == LDDW) {
                        groups.add("base64");
                        pc++;
                    } else {
                        groups.add("packet");
                    }
                }
                case LDX, ST, STX -> {
                    if (mode(opcode) == ATOMIC) {
                        groups.add(size(opcode) == DW ? "atomic64" : "atomic32");
                    } else {
                        groups.add(size(opcode) == DW ? "base64" : "base32");
                    }
                }
                default -> throw new IllegalArgumentException("opcode " + opcode);
            }
        }
        return groups;
    }
}
