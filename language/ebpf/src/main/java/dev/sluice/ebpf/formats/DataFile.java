package dev.sluice.ebpf.formats;

import dev.sluice.core.error.SluiceException;
import dev.sluice.ebpf.isa.Insn;
import dev.sluice.ebpf.isa.Program;
import dev.sluice.ebpf.runtime.EbpfFailure;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * A bpf_conformance test file ({@code .data}): sections started by a line containing {@code --}, of kinds
 * {@code asm}, {@code result}, {@code mem}, {@code raw}, {@code error} (and {@code c} and {@code no register offset},
 * which are ignored). The kind is the first of {@code asm, result, mem, raw, no register offset, " c", error} found
 * in the line, as the upstream runner decides. {@code #} starts a comment.
 *
 * @param program the raw section's slots when there is one, else the assembled asm section
 * @param memory the input memory (empty without a mem section)
 * @param result the expected r0, or null when the file expects an error
 * @param error the expected error text, or null
 */
public record DataFile(String name, Program program, byte[] memory, Long result, String error, boolean fromRaw) {

    private enum Section {
        NONE,
        ASM,
        RESULT,
        MEM,
        RAW,
        IGNORED,
        ERROR
    }

    public static DataFile parse(String name, String text) {
        StringBuilder asm = new StringBuilder();
        int asmFirstLine = 0;
        List<Long> raw = null;
        ByteArrayOutputStream mem = new ByteArrayOutputStream();
        String resultLine = null;
        String errorLine = null;
        Section section = Section.NONE;
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int lineNo = i + 1;
            String line = lines[i];
            if (line.contains("--")) {
                section = kindOf(line);
                if (section == null) {
                    throw SluiceException.atPosition(
                            name, lineNo, 1, EbpfFailure.DATA_FILE, "unknown section '" + line.strip() + "'");
                }
                if (section == Section.ASM) {
                    asmFirstLine = lineNo + 1;
                    asm.setLength(0);
                }
                continue;
            }
            int hash = line.indexOf('#');
            String content = hash >= 0 ? line.substring(0, hash) : line;
            switch (section) {
                case ASM -> {
                    // Keep one text line per file line so that positions stay the file's.
                    asm.append(line).append('\n');
                }
                case RESULT -> {
                    if (!content.isBlank()) {
                        resultLine = content.strip();
                    }
                }
                case ERROR -> {
                    if (!content.isBlank()) {
                        errorLine = content.strip();
                    }
                }
                case MEM -> {
                    for (String b : content.trim().split("\\s+")) {
                        if (b.isEmpty()) {
                            continue;
                        }
                        if (!b.matches("[0-9a-fA-F]{1,2}")) {
                            throw SluiceException.atPosition(
                                    name,
                                    lineNo,
                                    line.indexOf(b) + 1,
                                    EbpfFailure.DATA_FILE,
                                    "'" + b + "' is not a hex byte");
                        }
                        mem.write(Integer.parseInt(b, 16));
                    }
                }
                case RAW -> {
                    if (raw == null) {
                        raw = new ArrayList<>();
                    }
                    for (String w : content.trim().split("\\s+")) {
                        if (!w.isEmpty()) {
                            raw.add(parseU64(name, lineNo, line.indexOf(w) + 1, w));
                        }
                    }
                }
                case NONE -> {
                    if (!content.isBlank()) {
                        throw SluiceException.atPosition(
                                name, lineNo, 1, EbpfFailure.DATA_FILE, "text before the first section");
                    }
                }
                default -> {}
            }
        }
        Program program;
        if (raw != null) {
            Insn[] slots = new Insn[raw.size()];
            for (int i = 0; i < slots.length; i++) {
                slots[i] = Insn.decode(raw.get(i));
            }
            program = Program.of(slots);
        } else if (asmFirstLine > 0) {
            program = AsmFormat.read(asm.toString(), name, asmFirstLine);
        } else {
            throw SluiceException.create(EbpfFailure.DATA_FILE, name + ": no asm or raw section");
        }
        Long result = null;
        if (resultLine != null) {
            result = parseU64(name, 0, 0, resultLine);
        } else if (errorLine == null) {
            result = 0L; // the upstream runner: a missing result means 0
        }
        return new DataFile(name, program, mem.toByteArray(), result, errorLine, raw != null);
    }

    private static Section kindOf(String line) {
        if (line.contains("asm")) {
            return Section.ASM;
        }
        if (line.contains("result")) {
            return Section.RESULT;
        }
        if (line.contains("mem")) {
            return Section.MEM;
        }
        if (line.contains("raw")) {
            return Section.RAW;
        }
        if (line.contains("no register offset") || line.contains(" c")) {
            return Section.IGNORED;
        }
        if (line.contains("error")) {
            return Section.ERROR;
        }
        return null;
    }

    private static long parseU64(String name, int line, int column, String s) {
        try {
            BigInteger v =
                    s.startsWith("0x") || s.startsWith("0X") ? new BigInteger(s.substring(2), 16) : new BigInteger(s);
            if (v.signum() < 0 || v.bitLength() > 64) {
                throw new NumberFormatException();
            }
            return v.longValue();
        } catch (NumberFormatException e) {
            throw SluiceException.atPosition(
                    name,
                    Math.max(line, 1),
                    Math.max(column, 1),
                    EbpfFailure.DATA_FILE,
                    "'" + s + "' is not an unsigned 64-bit number");
        }
    }
}
