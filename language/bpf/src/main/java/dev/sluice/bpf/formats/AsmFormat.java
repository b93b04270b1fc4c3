package dev.sluice.bpf.formats;

import static dev.sluice.bpf.isa.Opcodes.A;
import static dev.sluice.bpf.isa.Opcodes.ABS;
import static dev.sluice.bpf.isa.Opcodes.ADD;
import static dev.sluice.bpf.isa.Opcodes.ALU;
import static dev.sluice.bpf.isa.Opcodes.AND;
import static dev.sluice.bpf.isa.Opcodes.B;
import static dev.sluice.bpf.isa.Opcodes.DIV;
import static dev.sluice.bpf.isa.Opcodes.H;
import static dev.sluice.bpf.isa.Opcodes.IMM;
import static dev.sluice.bpf.isa.Opcodes.IND;
import static dev.sluice.bpf.isa.Opcodes.JA;
import static dev.sluice.bpf.isa.Opcodes.JEQ;
import static dev.sluice.bpf.isa.Opcodes.JGE;
import static dev.sluice.bpf.isa.Opcodes.JGT;
import static dev.sluice.bpf.isa.Opcodes.JMP;
import static dev.sluice.bpf.isa.Opcodes.JSET;
import static dev.sluice.bpf.isa.Opcodes.K;
import static dev.sluice.bpf.isa.Opcodes.LD;
import static dev.sluice.bpf.isa.Opcodes.LDX;
import static dev.sluice.bpf.isa.Opcodes.LEN;
import static dev.sluice.bpf.isa.Opcodes.LSH;
import static dev.sluice.bpf.isa.Opcodes.MEM;
import static dev.sluice.bpf.isa.Opcodes.MISC;
import static dev.sluice.bpf.isa.Opcodes.MOD;
import static dev.sluice.bpf.isa.Opcodes.MSH;
import static dev.sluice.bpf.isa.Opcodes.MUL;
import static dev.sluice.bpf.isa.Opcodes.NEG;
import static dev.sluice.bpf.isa.Opcodes.OR;
import static dev.sluice.bpf.isa.Opcodes.RET;
import static dev.sluice.bpf.isa.Opcodes.RSH;
import static dev.sluice.bpf.isa.Opcodes.ST;
import static dev.sluice.bpf.isa.Opcodes.STX;
import static dev.sluice.bpf.isa.Opcodes.SUB;
import static dev.sluice.bpf.isa.Opcodes.TAX;
import static dev.sluice.bpf.isa.Opcodes.TXA;
import static dev.sluice.bpf.isa.Opcodes.W;
import static dev.sluice.bpf.isa.Opcodes.X;
import static dev.sluice.bpf.isa.Opcodes.XOR;

import dev.sluice.bpf.formats.TextScanner.Kind;
import dev.sluice.bpf.formats.TextScanner.Token;
import dev.sluice.bpf.isa.Ancillary;
import dev.sluice.bpf.isa.Insn;
import dev.sluice.bpf.isa.Opcodes;
import dev.sluice.bpf.isa.Program;
import dev.sluice.bpf.runtime.Failure;
import dev.sluice.core.error.SluiceException;
import dev.sluice.core.error.Words;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * The Linux kernel's {@code tools/bpf/bpf_asm} syntax (grammar: {@code tools/bpf/bpf_exp.y} and {@code bpf_exp.l}),
 * read and written.
 *
 * <p>The reader accepts everything bpf_asm accepts and encodes it exactly as bpf_asm does; notably {@code jneq},
 * {@code jlt} and {@code jle} with one target become {@code jeq}, {@code jge} and {@code jgt} with the target in
 * {@code jf} (classic BPF has no such opcodes). Sluice additionally accepts: two targets on {@code jneq/jlt/jle}
 * (swapped into jt/jf the same way), {@code [x+k]} without spaces (bpf_asm's lexer reads {@code +4} as a signed
 * number there), several labels on one instruction, CR line ends, and {@code .insn code, jt, jf, k} for an
 * instruction given as its four fields. Errors are located and name the rule, where bpf_asm prints
 * {@code syntax error} or exits.
 *
 * <p>The writer prints one instruction per line, labels {@code l<index>} on jump targets only, and uses
 * {@code .insn} only where the instruction has no bpf_asm spelling that reassembles to the same bits (an unknown
 * opcode, a nonzero field the opcode ignores, or a jump past the end). Its output is a fixed point:
 * {@code print(parse(t)).equals(t)} for text it printed.
 */
public final class AsmFormat {
    private AsmFormat() {}

    // ------------------------------------------------------------------------------------------------ reading

    public static Program parse(String sourceName, String text) {
        return new Reader(sourceName, text).read();
    }

    private record LabelDef(int insn, int line) {}

    /** An instruction under construction with its unresolved label references. */
    private static final class Pending {
        final int code;
        final int line;
        final int column;
        int jt;
        int jf;
        int rawK;
        Token jtLabel;
        Token jfLabel;
        Token kLabel;

        Pending(int code, int k, Token at) {
            this.code = code;
            this.rawK = k;
            this.line = at.line();
            this.column = at.column();
        }
    }

    private static final class Reader {
        private final String source;
        private final List<Token> tokens;
        private int pos;
        private final List<Pending> insns = new ArrayList<>();
        private final Map<String, LabelDef> labels = new HashMap<>();

        Reader(String source, String text) {
            this.source = source;
            this.tokens = new TextScanner(source, text, true, false, ":,#%[]()+*&").tokenize();
        }

        Program read() {
            List<Token> pendingLabels = new ArrayList<>();
            while (peek().kind() != Kind.EOF) {
                Token t = advance();
                if (t.kind() == Kind.IDENT && peek().is(":")) {
                    advance();
                    LabelDef first = labels.get(t.text());
                    if (first != null) {
                        throw error(t, Failure.ASM_DUPLICATE_LABEL, Words.clip(t.text()), first.line());
                    }
                    labels.put(t.text(), new LabelDef(insns.size(), t.line()));
                    pendingLabels.add(t);
                    continue;
                }
                if (t.kind() != Kind.IDENT) {
                    throw error(t, Failure.TEXT_EXPECTED, "a mnemonic or a label", t.describe());
                }
                instruction(t);
                pendingLabels.clear();
            }
            if (!pendingLabels.isEmpty()) {
                Token last = pendingLabels.get(pendingLabels.size() - 1);
                throw error(last, Failure.ASM_LABEL_WITHOUT_INSTRUCTION, Words.clip(last.text()));
            }
            if (insns.isEmpty()) {
                throw error(peek(), Failure.TEXT_NO_INSTRUCTIONS, "asm");
            }
            return resolve();
        }

        private Program resolve() {
            int n = insns.size();
            Insn[] out = new Insn[n];
            int[] lines = new int[n];
            int[] cols = new int[n];
            for (int i = 0; i < n; i++) {
                Pending p = insns.get(i);
                int k = p.rawK;
                if (p.kLabel != null) {
                    k = target(i, p.kLabel, false);
                }
                int jt = p.jtLabel != null ? target(i, p.jtLabel, true) : p.jt;
                int jf = p.jfLabel != null ? target(i, p.jfLabel, true) : p.jf;
                out[i] = new Insn(p.code, jt, jf, k);
                lines[i] = p.line;
                cols[i] = p.column;
            }
            return new Program(out, lines, cols);
        }

        /** The relative offset from insn i to the label; conditional offsets must fit in 8 bits. */
        private int target(int i, Token label, boolean eightBit) {
            LabelDef def = labels.get(label.text());
            if (def == null) {
                throw error(label, Failure.ASM_UNDEFINED_LABEL, Words.clip(label.text()));
            }
            int delta = def.insn() - i - 1;
            if (delta < 0) {
                throw error(label, Failure.ASM_JUMP_BACKWARD, Words.clip(label.text()), def.line());
            }
            if (eightBit && delta > 255) {
                throw error(label, Failure.ASM_JUMP_TOO_FAR, Words.clip(label.text()), delta, Words.clip(label.text()));
            }
            return delta;
        }

        private void instruction(Token m) {
            String mn = m.text().toLowerCase(Locale.ROOT);
            switch (mn) {
                case "ld" -> ld(m, W);
                case "ldh" -> ld(m, H);
                case "ldb" -> ld(m, B);
                case "ldi" -> emit(m, LD | IMM, immediate(m));
                case "ldx" -> ldx(m, false);
                case "ldxb" -> ldx(m, true);
                case "ldxi" -> emit(m, LDX | IMM, immediate(m));
                case "st" -> emit(m, ST, memIndex(m));
                case "stx" -> emit(m, STX, memIndex(m));
                case "jmp", "ja" -> {
                    Pending p = emit(m, JMP | JA, 0);
                    p.kLabel = label(m);
                }
                case "jeq" -> jump(m, JEQ, false);
                case "jgt" -> jump(m, JGT, false);
                case "jge" -> jump(m, JGE, false);
                case "jset" -> jump(m, JSET, false);
                case "jneq", "jne" -> jump(m, JEQ, true);
                case "jlt" -> jump(m, JGE, true);
                case "jle" -> jump(m, JGT, true);
                case "add" -> alu(m, ADD);
                case "sub" -> alu(m, SUB);
                case "mul" -> alu(m, MUL);
                case "div" -> alu(m, DIV);
                case "mod" -> alu(m, MOD);
                case "and" -> alu(m, AND);
                case "or" -> alu(m, OR);
                case "xor" -> alu(m, XOR);
                case "lsh" -> alu(m, LSH);
                case "rsh" -> alu(m, RSH);
                case "neg" -> emit(m, ALU | NEG, 0);
                case "tax" -> emit(m, MISC | TAX, 0);
                case "txa" -> emit(m, MISC | TXA, 0);
                case "ret" -> ret(m);
                case ".insn" -> rawInsn(m);
                default -> throw error(m, Failure.ASM_UNKNOWN_MNEMONIC, Words.clip(m.text()));
            }
        }

        private void ld(Token m, int size) {
            Token t = peek();
            if (t.is("[")) {
                advance();
                if (peek().isWord("x") || peek().is("%")) {
                    registerX();
                    int k = offsetAfterPlus();
                    expect("]");
                    emit(m, LD | size | IND, k);
                } else {
                    int k = (int) number("an offset", Range.K);
                    expect("]");
                    emit(m, LD | size | ABS, k);
                }
                return;
            }
            boolean hash = false;
            if (t.is("#")) {
                advance();
                hash = true;
                t = peek();
            }
            if (t.kind() == Kind.IDENT) {
                String w = t.text().toLowerCase(Locale.ROOT);
                Ancillary anc = Ancillary.fromAsmName("vlan_pr".equals(w) ? "vlan_avail" : w);
                if (anc != null) {
                    advance();
                    emit(m, LD | size | ABS, anc.k());
                    return;
                }
                if (size == W && w.equals("len")) {
                    advance();
                    emit(m, LD | W | LEN, 0);
                    return;
                }
                if (size == W && !hash && w.equals("m")) {
                    emit(m, LD | MEM, memIndex(m));
                    return;
                }
            }
            if (size == W && (hash || t.kind() == Kind.NUMBER)) {
                if (!hash) {
                    // bpf_asm needs '#' here; ldi takes a bare number, ld does not.
                    throw error(
                            t,
                            Failure.ASM_BAD_OPERAND,
                            Words.clip(m.text()),
                            t.describe(),
                            "#k, len, M[k], [k], [x + k] or an ancillary name");
                }
                emit(m, LD | IMM, (int) number("a constant", Range.K));
                return;
            }
            String expected = size == W
                    ? "#k, len, M[k], [k], [x + k] or an ancillary name"
                    : "[k], [x + k] or an ancillary name";
            throw error(t, Failure.ASM_BAD_OPERAND, Words.clip(m.text()), t.describe(), expected);
        }

        private void ldx(Token m, boolean byteForm) {
            Token t = peek();
            if (t.kind() == Kind.NUMBER || t.is("+")) {
                long four = number("4", Range.K);
                expect("*");
                expect("(");
                expect("[");
                int k = (int) number("an offset", Range.K);
                expect("]");
                expect("&");
                long mask = number("0xf", Range.K);
                expect(")");
                if (four != 4 || mask != 0xf) {
                    throw error(
                            t, Failure.ASM_MSH_FORM, Long.toString(four), "0x" + Long.toHexString(mask & 0xffffffffL));
                }
                emit(m, LDX | B | MSH, k);
                return;
            }
            if (!byteForm) {
                if (t.is("#")) {
                    advance();
                    if (peek().isWord("len")) {
                        advance();
                        emit(m, LDX | W | LEN, 0);
                    } else {
                        emit(m, LDX | IMM, (int) number("a constant", Range.K));
                    }
                    return;
                }
                if (t.isWord("len")) {
                    advance();
                    emit(m, LDX | W | LEN, 0);
                    return;
                }
                if (t.isWord("m")) {
                    emit(m, LDX | MEM, memIndex(m));
                    return;
                }
            }
            throw error(
                    t,
                    Failure.ASM_BAD_OPERAND,
                    Words.clip(m.text()),
                    t.describe(),
                    byteForm ? "4*([k]&0xf)" : "#k, len, M[k] or 4*([k]&0xf)");
        }

        private void jump(Token m, int op, boolean inverted) {
            Token t = peek();
            int src;
            int k = 0;
            if (t.is("#")) {
                advance();
                src = K;
                k = (int) number("a constant", Range.K);
            } else if (t.isWord("x") || t.is("%")) {
                registerX();
                src = X;
            } else {
                throw error(t, Failure.ASM_BAD_OPERAND, Words.clip(m.text()), t.describe(), "#k or x");
            }
            Pending p = emit(m, JMP | op | src, k);
            expect(",");
            Token first = label(m);
            Token second = null;
            if (peek().is(",")) {
                advance();
                second = label(m);
            }
            if (inverted) {
                p.jfLabel = first;
                p.jtLabel = second;
            } else {
                p.jtLabel = first;
                p.jfLabel = second;
            }
        }

        private void alu(Token m, int op) {
            Token t = peek();
            if (t.is("#")) {
                advance();
                emit(m, ALU | op | K, (int) number("a constant", Range.K));
            } else if (t.isWord("x") || t.is("%")) {
                registerX();
                emit(m, ALU | op | X, 0);
            } else {
                throw error(t, Failure.ASM_BAD_OPERAND, Words.clip(m.text()), t.describe(), "#k or x");
            }
        }

        private void ret(Token m) {
            Token t = peek();
            if (t.is("#")) {
                advance();
                emit(m, RET | K, (int) number("a constant", Range.K));
                return;
            }
            if (t.is("%")) {
                advance();
                t = peek();
            }
            if (t.isWord("a")) {
                advance();
                emit(m, RET | A, 0);
            } else if (t.isWord("x")) {
                // bpf_asm emits BPF_RET|BPF_X (0x0e); the kernel's verifier rejects it, and so does Sluice's.
                advance();
                emit(m, RET | X, 0);
            } else {
                throw error(t, Failure.ASM_BAD_OPERAND, Words.clip(m.text()), t.describe(), "#k, a or x");
            }
        }

        private void rawInsn(Token m) {
            int code = (int) number("the code", Range.CODE);
            expect(",");
            int jt = (int) number("jt", Range.JUMP);
            expect(",");
            int jf = (int) number("jf", Range.JUMP);
            expect(",");
            int k = (int) number("k", Range.K);
            Pending p = emit(m, code, k);
            p.jt = jt;
            p.jf = jf;
        }

        private int immediate(Token m) {
            if (peek().is("#")) {
                advance();
            }
            return (int) number("a constant", Range.K);
        }

        private int memIndex(Token m) {
            Token t = peek();
            if (!t.isWord("m")) {
                throw error(t, Failure.ASM_BAD_OPERAND, Words.clip(m.text()), t.describe(), "M[k]");
            }
            advance();
            expect("[");
            int k = (int) number("a scratch index", Range.K);
            expect("]");
            return k;
        }

        /** x or %x. */
        private void registerX() {
            if (peek().is("%")) {
                advance();
            }
            Token t = advance();
            if (!t.isWord("x")) {
                throw error(t, Failure.TEXT_EXPECTED, "x", t.describe());
            }
        }

        /** The "+ k" of [x + k]. */
        private int offsetAfterPlus() {
            expect("+");
            return (int) number("an offset", Range.K);
        }

        private Token label(Token m) {
            Token t = advance();
            if (t.kind() != Kind.IDENT) {
                throw error(t, Failure.TEXT_EXPECTED, "a label", t.describe());
            }
            return t;
        }

        private long number(String what, Range range) {
            Token t = advance();
            if (t.is("+") && peek().kind() == Kind.NUMBER && !peek().text().startsWith("-")) {
                t = advance();
            }
            if (t.kind() != Kind.NUMBER) {
                throw error(t, Failure.TEXT_EXPECTED, what, t.describe());
            }
            return range.check(source, t, what);
        }

        private Pending emit(Token m, int code, int k) {
            Pending p = new Pending(code, k, m);
            insns.add(p);
            return p;
        }

        private void expect(String punct) {
            Token t = advance();
            if (!t.is(punct)) {
                throw error(t, Failure.TEXT_EXPECTED, "'" + punct + "'", t.describe());
            }
        }

        private Token peek() {
            return tokens.get(pos);
        }

        private Token advance() {
            Token t = tokens.get(pos);
            if (t.kind() != Kind.EOF) {
                pos++;
            }
            return t;
        }

        private SluiceException error(Token t, Failure failure, Object... args) {
            return SluiceException.atPosition(source, t.line(), t.column(), failure, args);
        }
    }

    /** The ranges of the four fields; k takes a signed or an unsigned 32-bit value. */
    enum Range {
        CODE(0, 0xffff, "the code must be 0 to 65535"),
        JUMP(0, 0xff, "jt and jf must be 0 to 255"),
        K(Integer.MIN_VALUE, 0xffffffffL, "k must fit in 32 bits: -2147483648 to 4294967295");

        final long min;
        final long max;
        final String rule;

        Range(long min, long max, String rule) {
            this.min = min;
            this.max = max;
            this.rule = rule;
        }

        long check(String source, Token t, String what) {
            long v = t.value();
            if (v < min || v > max) {
                throw SluiceException.atPosition(
                        source,
                        t.line(),
                        t.column(),
                        Failure.TEXT_NUMBER_OUT_OF_RANGE,
                        what,
                        Words.clip(t.text()),
                        rule);
            }
            return v;
        }
    }

    // ------------------------------------------------------------------------------------------------ writing

    public static String print(Program p) {
        int n = p.length();
        boolean[] canonical = new boolean[n];
        TreeSet<Integer> targets = new TreeSet<>();
        for (int i = 0; i < n; i++) {
            Insn in = p.get(i);
            canonical[i] = hasSpelling(in, i, n);
            if (canonical[i] && Opcodes.isJump(in.code())) {
                if (in.code() == (JMP | JA)) {
                    targets.add((int) (i + 1 + in.unsignedK()));
                } else {
                    // Only the targets the spelling names (see spell: jf 0 drops jf, jt 0 may use the inverse jump).
                    if (in.jf() == 0 || in.jt() != 0 || inverse(in.code()) == null) {
                        targets.add(i + 1 + in.jt());
                    }
                    if (in.jf() != 0) {
                        targets.add(i + 1 + in.jf());
                    }
                }
            }
        }
        int width = 0;
        for (int t : targets) {
            width = Math.max(width, label(t).length() + 2);
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            String prefix = targets.contains(i) ? label(i) + ":" : "";
            sb.append(prefix).append(" ".repeat(Math.max(width - prefix.length(), prefix.isEmpty() ? width : 1)));
            sb.append(canonical[i] ? spell(p.get(i), i) : raw(p.get(i)) + "  ; " + whyRaw(p.get(i), i, n))
                    .append('\n');
        }
        return sb.toString();
    }

    private static String label(int insn) {
        return "l" + insn;
    }

    private static String raw(Insn in) {
        return String.format(Locale.ROOT, ".insn 0x%02x, %d, %d, 0x%08x", in.code(), in.jt(), in.jf(), in.k());
    }

    /** The comment on a .insn line: what the instruction is and why bpf_asm syntax cannot spell it. */
    private static String whyRaw(Insn in, int pc, int n) {
        int c = in.code();
        if (!Opcodes.isKnown(c) && c != (RET | X)) {
            return "unknown opcode";
        }
        String mn = Opcodes.mnemonic(c);
        if (Opcodes.isJump(c)) {
            boolean past = c == (JMP | JA) ? pc + 1 + in.unsignedK() >= n : pc + 1 + Math.max(in.jt(), in.jf()) >= n;
            if (past) {
                return mn + " past the end of the program";
            }
        }
        return mn + " with fields the opcode ignores set (kept bit for bit)";
    }

    /** True when bpf_asm syntax spells exactly this instruction (all fields, including ones the opcode ignores). */
    private static boolean hasSpelling(Insn in, int pc, int n) {
        int c = in.code();
        boolean retX = c == (RET | X);
        if (!Opcodes.isKnown(c) && !retX) {
            return false;
        }
        if (Opcodes.isConditionalJump(c)) {
            boolean kUnused = Opcodes.src(c) == X;
            return (!kUnused || in.k() == 0) && pc + 1 + in.jt() < n && pc + 1 + in.jf() < n;
        }
        if (in.jt() != 0 || in.jf() != 0) {
            return false;
        }
        if (c == (JMP | JA)) {
            return pc + 1 + in.unsignedK() < n;
        }
        boolean kUnused = c == (MISC | TAX)
                || c == (MISC | TXA)
                || c == (ALU | NEG)
                || c == (RET | A)
                || retX
                || c == (LD | W | LEN)
                || c == (LDX | W | LEN)
                || Opcodes.cls(c) == ALU && Opcodes.src(c) == X;
        return !kUnused || in.k() == 0;
    }

    private static String spell(Insn in, int pc) {
        int c = in.code();
        int k = in.k();
        switch (Opcodes.cls(c)) {
            case LD -> {
                String mn = Opcodes.mnemonic(c);
                return switch (Opcodes.mode(c)) {
                    case ABS -> {
                        Ancillary anc = Ancillary.fromK(k);
                        yield mn + " " + (anc != null && anc.asmName() != null ? anc.asmName() : "[" + offset(k) + "]");
                    }
                    case IND -> mn + " [x + " + offset(k) + "]";
                    case LEN -> "ld len";
                    case MEM -> "ld M[" + in.unsignedK() + "]";
                    default -> "ld #" + constant(k);
                };
            }
            case LDX -> {
                return switch (Opcodes.mode(c)) {
                    case MSH -> "ldxb 4*([" + offset(k) + "]&0xf)";
                    case LEN -> "ldx len";
                    case MEM -> "ldx M[" + in.unsignedK() + "]";
                    default -> "ldx #" + constant(k);
                };
            }
            case ST -> {
                return "st M[" + in.unsignedK() + "]";
            }
            case STX -> {
                return "stx M[" + in.unsignedK() + "]";
            }
            case ALU -> {
                String mn = Opcodes.mnemonic(c);
                if (Opcodes.op(c) == NEG) {
                    return mn;
                }
                return mn + (Opcodes.src(c) == X ? " x" : " #" + constant(k));
            }
            case JMP -> {
                if (Opcodes.op(c) == JA) {
                    return "ja " + label((int) (pc + 1 + in.unsignedK()));
                }
                String operand = Opcodes.src(c) == X ? "x" : "#" + constant(k);
                String t = label(pc + 1 + in.jt());
                String f = label(pc + 1 + in.jf());
                if (in.jf() == 0) {
                    return Opcodes.mnemonic(c) + " " + operand + ", " + t;
                }
                if (in.jt() == 0) {
                    String inverse = inverse(c);
                    if (inverse != null) {
                        return inverse + " " + operand + ", " + f;
                    }
                }
                return Opcodes.mnemonic(c) + " " + operand + ", " + t + ", " + f;
            }
            case Opcodes.RET -> {
                if (c == (RET | A)) {
                    return "ret a";
                }
                return c == (RET | X) ? "ret x" : "ret #" + constant(k);
            }
            default -> {
                return c == (MISC | TAX) ? "tax" : "txa";
            }
        }
    }

    /** bpf_asm's mnemonic that encodes as this jump with the target in jf, or null (jset has none). */
    private static String inverse(int code) {
        return switch (Opcodes.op(code)) {
            case JEQ -> "jne";
            case JGE -> "jlt";
            case JGT -> "jle";
            default -> null;
        };
    }

    /** Constants: decimal up to 255, hex above (reads better for masks, ethertypes and seccomp actions). */
    private static String constant(int k) {
        long u = k & 0xffffffffL;
        return u <= 255 ? Long.toString(u) : "0x" + Long.toHexString(u);
    }

    /** Packet offsets: decimal, negative from 2^31 on (so SKF_NET_OFF and friends read as -1048576...). */
    private static String offset(int k) {
        return Integer.toString(k);
    }
}
