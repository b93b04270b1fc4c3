package dev.sluice.ebpf.nodes;

import static dev.sluice.ebpf.isa.Opcodes.LDDW;

import com.oracle.truffle.api.source.Source;
import com.oracle.truffle.api.source.SourceSection;
import dev.sluice.ebpf.formats.AsmFormat;
import dev.sluice.ebpf.isa.Program;
import java.util.TreeSet;

/**
 * What instruments see of an eBPF program: a listing with one line per instruction slot (line pc + 1 is slot pc), in
 * the assembly syntax of {@code sluice disasm --lang ebpf}, named after the program with {@code " (listing)"}. The
 * second slot of a 16-byte {@code lddw} is never executed; its line says so. Made on first use: only instruments
 * ask for it.
 */
final class InstructionListing {
    static final String SUFFIX = " (listing)";

    private final Source source;

    private InstructionListing(Source source) {
        this.source = source;
    }

    static InstructionListing of(Program program, String programName, String languageId) {
        TreeSet<Integer> targets = new TreeSet<>();
        StringBuilder text = new StringBuilder();
        for (int pc = 0; pc < program.length(); pc++) {
            String insn;
            if (pc > 0 && program.get(pc - 1).opcode() == LDDW) {
                insn = "(second slot of the lddw above)";
            } else {
                try {
                    insn = AsmFormat.instruction(program, pc, targets);
                } catch (RuntimeException e) {
                    insn = "(slot " + program.get(pc) + ")"; // a slot the assembly syntax cannot spell
                }
            }
            text.append(String.format("(%03d) %s%n", pc, insn));
        }
        return new InstructionListing(Source.newBuilder(languageId, text.toString(), programName + SUFFIX)
                .build());
    }

    /** The line of slot {@code pc}. */
    SourceSection instruction(int pc) {
        return source.createSection(pc + 1);
    }

    /** The whole listing: the section of a function body (its root). */
    SourceSection program() {
        return source.createSection(0, source.getLength());
    }
}
