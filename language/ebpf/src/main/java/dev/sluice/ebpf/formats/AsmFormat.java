package dev.sluice.ebpf.formats;

import static dev.sluice.ebpf.isa.Opcodes.*;

import dev.sluice.core.error.SluiceException;
import dev.sluice.core.error.Words;
import dev.sluice.ebpf.isa.Insn;
import dev.sluice.ebpf.isa.Program;
import dev.sluice.ebpf.runtime.EbpfFailure;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * The assembly syntax of the bpf_conformance tests (described in its README and in docs/ebpf.md), read and written.
 * One instruction or {@code label:} per line, {@code #} comments, registers {@code %r0..%r10}, memory operands
 * {@code [%rN+off]}, jump targets as labels or {@code +N}/{@code -N} slots after the next instruction. The first
 * {@code exit} also defines the label {@code exit} unless the text defines it.
 */
public final class AsmFormat {
    private AsmFormat() {}

    private static final Map<String, Integer> ALU_OPS = Map.ofEntries(
            Map.entry("add", ADD),
            Map.entry("sub", SUB),
            Map.entry("mul", MUL),
            Map.entry("div", DIV),
            Map.entry("mod", MOD),
            Map.entry("or", OR),
            Map.entry("and", AND),
            Map.entry("xor", XOR),
            Map.entry("lsh", LSH),
            Map.entry("rsh", RSH),
            Map.entry("arsh", ARSH),
            Map.entry("mov", MOV),
            Map.entry("sdiv", DIV),
            Map.entry("smod", MOD));
    private static final Map<String, Integer> JUMP_OPS = Map.ofEntries(
            Map.entry("jeq", JEQ),
            Map.entry("jgt", JGT),
            Map.entry("jge", JGE),
            Map.entry("jset", JSET),
            Map.entry("jne", JNE),
            Map.entry("jsgt", JSGT),
            Map.entry("jsge", JSGE),
            Map.entry("jlt", JLT),
            Map.entry("jle", JLE),
            Map.entry("jslt", JSLT),
            Map.entry("jsle", JSLE));
    private static final Map<String, Integer> ATOMIC_OPS = Map.of("add", ADD, "or", OR, "and", AND, "xor", XOR);
    private static final Map<String, Integer> SIZES = Map.of("b", B, "h", H, "w", W, "dw", DW);
    private static final Map<String, Integer> PSEUDO_SOURCES = Map.of(
            "map_fd",
            LDDW_MAP_FD,
            "map_value_fd",
            LDDW_MAP_VALUE_FD,
            "variable",
            LDDW_VARIABLE,
            "func",
            LDDW_FUNCTION,
            "map_idx",
            LDDW_MAP_IDX,
            "map_value_idx",
            LDDW_MAP_VALUE_IDX);

    /** A helper by its Linux name, with or without the {@code bpf_} prefix. */
    private static Integer helperId(String name) {
        String n = name.startsWith("bpf_") ? name.substring(4) : name;
        for (dev.sluice.ebpf.runtime.Helper h : dev.sluice.ebpf.runtime.Helper.values()) {
            if (h.linuxName.equals(n)) {
                return h.id;
            }
        }
        return null;
    }

    /** One instruction line after the first pass. */
    private record Line(String mnemonic, String operands, int line, int column, int operandColumn, int slot) {}

    private static final class Reader {
        final String name;
        final Map<String, Integer> labels = new HashMap<>();
        final Map<String, Integer> labelLines = new HashMap<>();
        final List<Line> lines = new ArrayList<>();
        final List<Insn> slots = new ArrayList<>();
        final List<int[]> positions = new ArrayList<>();
        Line current;

        Reader(String name) {
            this.name = name;
        }

        SluiceException error(int col, EbpfFailure failure, Object... args) {
            // Operands and mnemonics come from the input: clipped, so that the message stays one short line.
            Object[] quoted = args.clone();
            for (int i = 0; i < quoted.length; i++) {
                if (quoted[i] instanceof String s) {
                    quoted[i] = Words.clip(s, 2 * Words.MAX);
                }
            }
            return SluiceException.atPosition(name, current.line, col, failure, quoted);
        }
    }

    /** Reads assembly text; {@code firstLine} is the line number of the text's first line in its file (1 for a file). */
    public static Program read(String text, String sourceName, int firstLine) {
        Reader r = new Reader(sourceName);
        String[] rawLines = text.split("\n", -1);
        int slot = 0;
        for (int i = 0; i < rawLines.length; i++) {
            String s = rawLines[i];
            int hash = s.indexOf('#');
            if (hash >= 0) {
                s = s.substring(0, hash);
            }
            s = s.replace('\r', ' ').replace('\t', ' ');
            String t = s.strip();
            if (t.isEmpty()) {
                continue;
            }
            int lineNo = firstLine + i;
            int column = s.indexOf(t.charAt(0)) + 1;
            if (t.endsWith(":") && t.indexOf(' ') < 0) {
                String label = t.substring(0, t.length() - 1);
                r.current = new Line("", "", lineNo, column, column, slot);
                if (label.isEmpty() || !isIdentifier(label)) {
                    throw r.error(
                            column,
                            EbpfFailure.ASM_SYNTAX,
                            "'" + Words.clip(t) + "' is not a label (a name followed by ':')");
                }
                Integer previous = r.labelLines.putIfAbsent(label, lineNo);
                if (previous != null) {
                    throw r.error(column, EbpfFailure.ASM_DUPLICATE_LABEL, label, previous);
                }
                r.labels.put(label, slot);
                continue;
            }
            String[] words = t.split(" +");
            int nWords = 1;
            String mnemonic = words[0].toLowerCase(Locale.ROOT);
            if (mnemonic.equals("lock")) {
                StringBuilder m = new StringBuilder("lock");
                while (nWords < words.length && !words[nWords].startsWith("[")) {
                    m.append(' ').append(words[nWords].toLowerCase(Locale.ROOT));
                    nWords++;
                }
                mnemonic = m.toString();
            } else if (mnemonic.equals("call")
                    && words.length > 1
                    && (words[1].equals("local") || words[1].equals("runtime"))) {
                mnemonic = "call " + words[1];
                nWords = 2;
            }
            int operandColumn = column;
            int at = 0;
            for (int w = 0; w < nWords; w++) {
                at = t.indexOf(words[w], at) + words[w].length();
            }
            String operands = t.substring(at).strip();
            operandColumn = column + (operands.isEmpty() ? at : t.indexOf(operands, at));
            Line line = new Line(mnemonic, operands, lineNo, column, operandColumn, slot);
            r.lines.add(line);
            if (mnemonic.equals("exit") && !r.labels.containsKey("exit")) {
                r.labels.put("exit", slot);
            }
            slot += mnemonic.equals("lddw") ? 2 : 1;
        }
        for (Line line : r.lines) {
            r.current = line;
            int before = r.slots.size();
            assemble(r, line);
            for (int s = before; s < r.slots.size(); s++) {
                r.positions.add(new int[] {line.line, line.column});
            }
        }
        int[] lines = new int[r.slots.size()];
        int[] columns = new int[r.slots.size()];
        for (int i = 0; i < lines.length; i++) {
            lines[i] = r.positions.get(i)[0];
            columns[i] = r.positions.get(i)[1];
        }
        return new Program(r.slots.toArray(new Insn[0]), lines, columns);
    }

    private static boolean isIdentifier(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(Character.isLetterOrDigit(c) || c == '_' || c == '.' || c == '$')) {
                return false;
            }
        }
        return !Character.isDigit(s.charAt(0));
    }

    private static List<String> operands(Reader r, Line line, int expected, String shape) {
        List<String> out = new ArrayList<>();
        if (!line.operands.isEmpty()) {
            for (String part : line.operands.split(",", -1)) {
                out.add(part.strip());
            }
        }
        if (out.size() != expected || out.contains("")) {
            throw r.error(line.operandColumn, EbpfFailure.ASM_OPERANDS, line.mnemonic, shape, line.operands);
        }
        return out;
    }

    private static void assemble(Reader r, Line line) {
        String m = line.mnemonic;
        int pc = line.slot;
        switch (m) {
            case "exit" -> {
                operands(r, line, 0, "no operands");
                r.slots.add(new Insn(JMP | EXIT, 0, 0, 0, 0));
                return;
            }
            case "ja" -> {
                List<String> ops = operands(r, line, 1, "a target");
                r.slots.add(new Insn(JMP | JA, 0, 0, offset16(r, ops.get(0), pc), 0));
                return;
            }
            case "ja32" -> {
                List<String> ops = operands(r, line, 1, "a target");
                r.slots.add(new Insn(JMP32 | JA, 0, 0, 0, target(r, ops.get(0), pc)));
                return;
            }
            case "call" -> {
                List<String> ops = operands(r, line, 1, "a helper number or a register");
                String op = ops.get(0);
                if (op.startsWith("%")) {
                    r.slots.add(new Insn(JMP | CALL | X, register(r, op), 0, 0, 0));
                } else if (!op.isEmpty() && Character.isLetter(op.charAt(0))) {
                    Integer id = helperId(op);
                    if (id == null) {
                        throw r.error(
                                operandColumn(r, op),
                                EbpfFailure.ASM_SYNTAX,
                                "unknown helper '" + Words.clip(op) + "'");
                    }
                    r.slots.add(new Insn(JMP | CALL, 0, CALL_HELPER, 0, id));
                } else {
                    r.slots.add(new Insn(JMP | CALL, 0, CALL_HELPER, 0, imm32(r, op)));
                }
                return;
            }
            case "call local" -> {
                List<String> ops = operands(r, line, 1, "a target");
                r.slots.add(new Insn(JMP | CALL, 0, CALL_LOCAL, 0, target(r, ops.get(0), pc)));
                return;
            }
            case "call runtime" -> {
                List<String> ops = operands(r, line, 1, "a function number");
                r.slots.add(new Insn(JMP | CALL, 0, CALL_KFUNC, 0, imm32(r, ops.get(0))));
                return;
            }
            case "lddw" -> {
                List<String> ops = operands(r, line, 2, "a register and a 64-bit immediate");
                int dst = register(r, ops.get(0));
                String operand = ops.get(1);
                String[] pseudo = operand.split(" +", 2);
                Integer src = pseudo.length == 2 ? PSEUDO_SOURCES.get(pseudo[0]) : null;
                if (src == null) {
                    long v = imm64(r, operand);
                    r.slots.add(new Insn(LDDW, dst, 0, 0, (int) v));
                    r.slots.add(new Insn(0, 0, 0, 0, (int) (v >>> 32)));
                    return;
                }
                // Extensions of the syntax for the pseudo sources (RFC 9669 section 5.4), as `sluice disasm` prints
                // them.
                String arg = pseudo[1].replace(" ", "");
                int imm;
                int next = 0;
                if (src == LDDW_FUNCTION) {
                    imm = target(r, arg, pc);
                } else if (src == LDDW_MAP_VALUE_FD || src == LDDW_MAP_VALUE_IDX) {
                    int plus = arg.indexOf('+');
                    imm = imm32(r, plus < 0 ? arg : arg.substring(0, plus));
                    next = plus < 0 ? 0 : imm32(r, arg.substring(plus + 1));
                } else {
                    imm = imm32(r, arg);
                }
                r.slots.add(new Insn(LDDW, dst, src, 0, imm));
                r.slots.add(new Insn(0, 0, 0, 0, next));
                return;
            }
            case "neg", "neg32" -> {
                List<String> ops = operands(r, line, 1, "a register");
                r.slots.add(new Insn((m.equals("neg") ? ALU64 : ALU) | NEG, register(r, ops.get(0)), 0, 0, 0));
                return;
            }
            default -> {}
        }
        if (m.matches("(le|be|bswap|swap)(16|32|64)")) {
            List<String> ops = operands(r, line, 1, "a register");
            int width = Integer.parseInt(m.substring(m.length() - 2));
            int opcode = m.startsWith("le")
                    ? ALU | END | TO_LE
                    : m.startsWith("be") ? ALU | END | TO_BE : ALU64 | END | TO_LE;
            r.slots.add(new Insn(opcode, register(r, ops.get(0)), 0, 0, width));
            return;
        }
        if (m.matches("movsx(8|16|32)(32|64)")) {
            List<String> ops = operands(r, line, 2, "two registers");
            int to = Integer.parseInt(m.substring(m.length() - 2));
            int from = Integer.parseInt(m.substring(5, m.length() - 2));
            if (from >= to) {
                throw r.error(line.column, EbpfFailure.ASM_UNKNOWN_MNEMONIC, m);
            }
            r.slots.add(new Insn(
                    (to == 64 ? ALU64 : ALU) | MOV | X, register(r, ops.get(0)), register(r, ops.get(1)), from, 0));
            return;
        }
        String base = m.endsWith("32") ? m.substring(0, m.length() - 2) : m;
        boolean is32 = m.endsWith("32");
        if (ALU_OPS.containsKey(base)) {
            List<String> ops = operands(r, line, 2, "a register and a register or immediate");
            int cls = is32 ? ALU : ALU64;
            int off = base.equals("sdiv") || base.equals("smod") ? 1 : 0;
            int dst = register(r, ops.get(0));
            if (ops.get(1).startsWith("%")) {
                r.slots.add(new Insn(cls | ALU_OPS.get(base) | X, dst, register(r, ops.get(1)), off, 0));
            } else {
                r.slots.add(new Insn(cls | ALU_OPS.get(base) | K, dst, 0, off, imm32(r, ops.get(1))));
            }
            return;
        }
        if (JUMP_OPS.containsKey(base)) {
            List<String> ops = operands(r, line, 3, "a register, a register or immediate, and a target");
            int cls = is32 ? JMP32 : JMP;
            int dst = register(r, ops.get(0));
            int off = offset16(r, ops.get(2), pc);
            if (ops.get(1).startsWith("%")) {
                r.slots.add(new Insn(cls | JUMP_OPS.get(base) | X, dst, register(r, ops.get(1)), off, 0));
            } else {
                r.slots.add(new Insn(cls | JUMP_OPS.get(base) | K, dst, 0, off, imm32(r, ops.get(1))));
            }
            return;
        }
        if (m.startsWith("lock ")) {
            String[] parts = m.split(" ");
            boolean fetch = parts.length == 3 && parts[1].equals("fetch");
            String op = parts[parts.length - 1];
            boolean w32 = op.endsWith("32");
            String name = w32 ? op.substring(0, op.length() - 2) : op;
            Integer code = ATOMIC_OPS.get(name);
            if (name.equals("xchg") && parts.length == 2) {
                code = XCHG;
            } else if (name.equals("cmpxchg") && parts.length == 2) {
                code = CMPXCHG;
            } else if (code == null || parts.length > 3 || parts.length == 3 && !fetch) {
                throw r.error(line.column, EbpfFailure.ASM_UNKNOWN_MNEMONIC, m);
            } else if (fetch) {
                code |= FETCH;
            }
            List<String> ops = operands(r, line, 2, "a memory operand and a register");
            int[] mem = memory(r, ops.get(0));
            r.slots.add(new Insn(STX | ATOMIC | (w32 ? W : DW), mem[0], register(r, ops.get(1)), mem[1], code));
            return;
        }
        if (m.matches("ldxs?(b|h|w|dw)")) {
            boolean signed = m.startsWith("ldxs");
            String size = m.substring(signed ? 4 : 3);
            if (signed && size.equals("dw")) {
                throw r.error(line.column, EbpfFailure.ASM_UNKNOWN_MNEMONIC, m);
            }
            List<String> ops = operands(r, line, 2, "a register and a memory operand");
            int dst = register(r, ops.get(0));
            int[] mem = memory(r, ops.get(1));
            r.slots.add(new Insn(LDX | (signed ? MEMSX : MEM) | SIZES.get(size), dst, mem[0], mem[1], 0));
            return;
        }
        if (m.matches("stx?(b|h|w|dw)")) {
            boolean reg = m.startsWith("stx");
            String size = m.substring(reg ? 3 : 2);
            List<String> ops =
                    operands(r, line, 2, reg ? "a memory operand and a register" : "a memory operand and an immediate");
            int[] mem = memory(r, ops.get(0));
            if (reg) {
                r.slots.add(new Insn(STX | MEM | SIZES.get(size), mem[0], register(r, ops.get(1)), mem[1], 0));
            } else {
                r.slots.add(new Insn(ST | MEM | SIZES.get(size), mem[0], 0, mem[1], imm32(r, ops.get(1))));
            }
            return;
        }
        if (m.matches("ld(abs|ind)(b|h|w)")) {
            boolean ind = m.startsWith("ldind");
            int size = SIZES.get(m.substring(5));
            if (ind) {
                List<String> ops = operands(r, line, 2, "a register and an immediate");
                r.slots.add(new Insn(LD | IND | size, 0, register(r, ops.get(0)), 0, imm32(r, ops.get(1))));
            } else {
                List<String> ops = operands(r, line, 1, "an immediate");
                r.slots.add(new Insn(LD | ABS | size, 0, 0, 0, imm32(r, ops.get(0))));
            }
            return;
        }
        throw r.error(line.column, EbpfFailure.ASM_UNKNOWN_MNEMONIC, m);
    }

    private static int operandColumn(Reader r, String operand) {
        int i = r.current.operands.indexOf(operand);
        return r.current.operandColumn + Math.max(0, i);
    }

    private static int register(Reader r, String s) {
        if (s.length() >= 3 && s.startsWith("%r")) {
            try {
                int n = Integer.parseInt(s.substring(2));
                if (n >= 0 && n <= 10 && !s.substring(2).startsWith("+")) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        throw r.error(operandColumn(r, s), EbpfFailure.ASM_BAD_REGISTER, s);
    }

    private static BigInteger number(Reader r, String s) {
        String t = s.replace(" ", "");
        boolean negative = t.startsWith("-");
        if (negative || t.startsWith("+")) {
            t = t.substring(1);
        }
        try {
            if (t.isEmpty() || t.startsWith("-") || t.startsWith("+")) {
                throw new NumberFormatException();
            }
            BigInteger v = t.startsWith("0x") || t.startsWith("0X")
                    ? new BigInteger(t.substring(2), 16)
                    : new BigInteger(t, 10);
            return negative ? v.negate() : v;
        } catch (NumberFormatException e) {
            throw r.error(operandColumn(r, s), EbpfFailure.ASM_BAD_NUMBER, s);
        }
    }

    private static final BigInteger MIN32 = BigInteger.valueOf(Integer.MIN_VALUE),
            MAX32U = BigInteger.valueOf(0xffffffffL);
    private static final BigInteger MIN64 = BigInteger.valueOf(Long.MIN_VALUE),
            MAX64U = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    /** A 32-bit immediate: -2^31 .. 2^32-1 (hex is an unsigned bit pattern). */
    private static int imm32(Reader r, String s) {
        BigInteger v = number(r, s);
        if (v.compareTo(MIN32) < 0 || v.compareTo(MAX32U) > 0) {
            throw r.error(
                    operandColumn(r, s),
                    EbpfFailure.ASM_NUMBER_RANGE,
                    "immediate",
                    s,
                    "a 32-bit immediate is -2147483648..4294967295");
        }
        return v.intValue();
    }

    private static long imm64(Reader r, String s) {
        BigInteger v = number(r, s);
        if (v.compareTo(MIN64) < 0 || v.compareTo(MAX64U) > 0) {
            throw r.error(
                    operandColumn(r, s), EbpfFailure.ASM_NUMBER_RANGE, "immediate", s, "lddw takes -2^63..2^64-1");
        }
        return v.longValue();
    }

    /** {@code [%rN]}, {@code [%rN+off]} or {@code [%rN-off]}: returns {register, offset}. */
    private static int[] memory(Reader r, String s) {
        if (!s.startsWith("[") || !s.endsWith("]")) {
            throw r.error(
                    operandColumn(r, s),
                    EbpfFailure.ASM_OPERANDS,
                    r.current.mnemonic,
                    "a memory operand [%rN+offset]",
                    s);
        }
        String inner = s.substring(1, s.length() - 1).replace(" ", "");
        int sign = Math.max(inner.indexOf('+'), inner.indexOf('-'));
        String reg = sign < 0 ? inner : inner.substring(0, sign);
        int off = 0;
        if (sign >= 0) {
            BigInteger v = number(r, inner.substring(sign));
            if (v.bitLength() > 15) {
                throw r.error(
                        operandColumn(r, s),
                        EbpfFailure.ASM_NUMBER_RANGE,
                        "offset",
                        inner.substring(sign),
                        "a 16-bit offset is -32768..32767");
            }
            off = v.intValue();
        }
        return new int[] {register(r, reg), off};
    }

    /** A jump target: a label or {@code +N}/{@code -N}; returns the offset relative to the next slot. */
    private static int target(Reader r, String s, int pc) {
        if (s.startsWith("+") || s.startsWith("-")) {
            BigInteger v = number(r, s);
            if (v.bitLength() > 31) {
                throw r.error(operandColumn(r, s), EbpfFailure.ASM_NUMBER_RANGE, "offset", s, "32 bits");
            }
            return v.intValue();
        }
        Integer slot = r.labels.get(s);
        if (slot == null) {
            throw r.error(operandColumn(r, s), EbpfFailure.ASM_UNDEFINED_LABEL, s);
        }
        return slot - (pc + 1);
    }

    private static int offset16(Reader r, String s, int pc) {
        int off = target(r, s, pc);
        if (off != (short) off) {
            throw r.error(operandColumn(r, s), EbpfFailure.ASM_JUMP_TOO_FAR, s, off);
        }
        return off;
    }

    // ------------------------------------------------------------------ writing

    /**
     * Writes a program in the same syntax; jump and call targets become labels {@code L<slot>} (a target outside the
     * program, or in the second slot of an {@code lddw}, where no label line can go, stays a relative
     * {@code +N}/{@code -N}). Reading the text back gives the same slots.
     */
    public static String write(Program p) {
        java.util.BitSet starts = new java.util.BitSet();
        for (int pc = 0; pc < p.length(); pc++) {
            starts.set(pc);
            if (p.get(pc).opcode() == LDDW) {
                pc++;
            }
        }
        TreeSet<Integer> targets = new TreeSet<>();
        for (int pc = starts.nextSetBit(0); pc >= 0; pc = starts.nextSetBit(pc + 1)) {
            int t = targetOf(p, pc);
            if (t >= 0 && t < p.length() && starts.get(t)) {
                targets.add(t);
            }
        }
        StringBuilder out = new StringBuilder();
        for (int pc = 0; pc < p.length(); pc++) {
            if (targets.contains(pc)) {
                out.append('L').append(pc).append(":\n");
            }
            out.append(instruction(p, pc, targets)).append('\n');
            if (p.get(pc).opcode() == LDDW) {
                pc++;
            }
        }
        return out.toString();
    }

    /** The absolute slot a jump or local call at {@code pc} goes to, or -1. */
    public static int targetOf(Program p, int pc) {
        Insn i = p.get(pc);
        if (i.opcode() == (JMP32 | JA)) {
            return pc + 1 + i.imm();
        }
        if (i.opcode() == (JMP | CALL) && i.src() == CALL_LOCAL || i.opcode() == LDDW && i.src() == LDDW_FUNCTION) {
            return pc + 1 + i.imm();
        }
        if (isJump(i.opcode()) && op(i.opcode()) != CALL && op(i.opcode()) != EXIT) {
            return pc + 1 + i.off();
        }
        return -1;
    }

    private static String reg(int n) {
        return "%r" + n;
    }

    private static String mem(Insn i, boolean srcBase) {
        int base = srcBase ? i.src() : i.dst();
        return "[" + reg(base) + (i.off() == 0 ? "" : i.off() > 0 ? "+" + i.off() : String.valueOf(i.off())) + "]";
    }

    private static String imm(int v) {
        return v >= 0 && v < 16 || v < 0 && v > -16 ? String.valueOf(v) : "0x" + Integer.toHexString(v);
    }

    private static String label(Program p, int pc, int target, TreeSet<Integer> targets) {
        if (targets.contains(target)) {
            return "L" + target;
        }
        int rel = target - (pc + 1);
        return rel >= 0 ? "+" + rel : String.valueOf(rel);
    }

    private static String name(Map<String, Integer> table, int value) {
        for (Map.Entry<String, Integer> e : table.entrySet()) {
            if (e.getValue() == value && !e.getKey().startsWith("s")) {
                return e.getKey();
            }
        }
        for (Map.Entry<String, Integer> e : table.entrySet()) {
            if (e.getValue() == value) {
                return e.getKey();
            }
        }
        return null;
    }

    /** One instruction in the assembly syntax (no label); throws for a slot the syntax cannot express. */
    public static String instruction(Program p, int pc, TreeSet<Integer> targets) {
        Insn i = p.get(pc);
        int opcode = i.opcode();
        int cls = cls(opcode);
        String suffix = cls == ALU || cls == JMP32 ? "32" : "";
        switch (cls) {
            case ALU, ALU64 -> {
                int op = op(opcode);
                if (op == NEG) {
                    return "neg" + suffix + " " + reg(i.dst());
                }
                if (op == END) {
                    String kind = cls == ALU64 ? "bswap" : source(opcode) == TO_BE ? "be" : "le";
                    return kind + i.imm() + " " + reg(i.dst());
                }
                if (op == MOV && source(opcode) == X && i.off() != 0) {
                    return "movsx" + i.off() + (cls == ALU ? "32" : "64") + " " + reg(i.dst()) + ", " + reg(i.src());
                }
                String n = (op == DIV || op == MOD) && i.off() == 1 ? (op == DIV ? "sdiv" : "smod") : name(ALU_OPS, op);
                if (n == null) {
                    break;
                }
                return n + suffix + " " + reg(i.dst()) + ", " + (source(opcode) == X ? reg(i.src()) : imm(i.imm()));
            }
            case JMP, JMP32 -> {
                int op = op(opcode);
                if (op == EXIT) {
                    return "exit";
                }
                if (op == CALL) {
                    if (source(opcode) == X) {
                        return "call " + reg(i.dst());
                    }
                    return switch (i.src()) {
                        case CALL_LOCAL -> "call local " + label(p, pc, pc + 1 + i.imm(), targets);
                        case CALL_KFUNC -> "call runtime " + i.imm();
                        default -> "call " + i.imm();
                    };
                }
                if (op == JA) {
                    return cls == JMP32
                            ? "ja32 " + label(p, pc, pc + 1 + i.imm(), targets)
                            : "ja " + label(p, pc, pc + 1 + i.off(), targets);
                }
                String n = name(JUMP_OPS, op);
                if (n == null) {
                    break;
                }
                return n + suffix + " " + reg(i.dst()) + ", " + (source(opcode) == X ? reg(i.src()) : imm(i.imm()))
                        + ", " + label(p, pc, pc + 1 + i.off(), targets);
            }
            case LDX -> {
                String size = sizeName(opcode);
                return (mode(opcode) == MEMSX ? "ldxs" : "ldx") + size + " " + reg(i.dst()) + ", " + mem(i, true);
            }
            case ST -> {
                return "st" + sizeName(opcode) + " " + mem(i, false) + ", " + imm(i.imm());
            }
            case STX -> {
                if (mode(opcode) == ATOMIC) {
                    String w = size(opcode) == W ? "32" : "";
                    int code = i.imm();
                    String n = code == XCHG ? "xchg" : code == CMPXCHG ? "cmpxchg" : name(ATOMIC_OPS, code & ~FETCH);
                    String fetch = (code & FETCH) != 0 && code != XCHG && code != CMPXCHG ? "fetch " : "";
                    return "lock " + fetch + n + w + " " + mem(i, false) + ", " + reg(i.src());
                }
                return "stx" + sizeName(opcode) + " " + mem(i, false) + ", " + reg(i.src());
            }
            case LD -> {
                if (opcode == LDDW && pc + 1 < p.length()) {
                    int next = p.get(pc + 1).imm();
                    String d = "lddw " + reg(i.dst()) + ", ";
                    return switch (i.src()) {
                        case LDDW_IMM64 -> d + "0x" + Long.toHexString((i.imm() & 0xffffffffL) | (long) next << 32);
                        case LDDW_FUNCTION -> d + "func " + label(p, pc, pc + 1 + i.imm(), targets);
                        case LDDW_MAP_VALUE_FD -> d + "map_value_fd " + i.imm() + "+" + next;
                        case LDDW_MAP_VALUE_IDX -> d + "map_value_idx " + i.imm() + "+" + next;
                        case LDDW_MAP_FD -> d + "map_fd " + i.imm();
                        case LDDW_MAP_IDX -> d + "map_idx " + i.imm();
                        default -> d + "variable " + i.imm();
                    };
                }
                if (mode(opcode) == ABS) {
                    return "ldabs" + sizeName(opcode) + " " + imm(i.imm());
                }
                if (mode(opcode) == IND) {
                    return "ldind" + sizeName(opcode) + " " + reg(i.src()) + ", " + imm(i.imm());
                }
            }
            default -> {}
        }
        throw SluiceException.atInsn(pc, EbpfFailure.UNKNOWN_OPCODE, pc, opcode);
    }

    private static String sizeName(int opcode) {
        return switch (size(opcode)) {
            case W -> "w";
            case H -> "h";
            case B -> "b";
            default -> "dw";
        };
    }
}
