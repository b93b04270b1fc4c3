package dev.sluice.bpf.formats;

import dev.sluice.bpf.formats.TextScanner.Kind;
import dev.sluice.bpf.formats.TextScanner.Token;
import dev.sluice.bpf.isa.Insn;
import dev.sluice.bpf.isa.Program;
import dev.sluice.bpf.runtime.Failure;
import dev.sluice.core.error.SluiceException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * C initializer rows {@code { 0x28, 0, 0, 0x0000000c },} as {@code tcpdump -dd} prints them. The reader takes every
 * brace group that starts with a number as one instruction and skips the C around it (declarations, designated
 * initializers such as {@code { .len = 4, .filter = f }}, comments and preprocessor lines), so it also reads back
 * what {@link CFormat} writes. {@code BPF_STMT}/{@code BPF_JUMP} macros are rejected with a clear error rather than
 * skipped, so a filter is never read with instructions silently missing.
 */
public final class DdFormat {
    private DdFormat() {}

    private static final String C_PUNCTUATION = "{}[]()<>,;:=+-*/%&|^!~?#\"'\\@$`.";

    public static Program parse(String sourceName, String text) {
        List<Token> tokens = new TextScanner(sourceName, text, true, true, C_PUNCTUATION).tokenize();
        List<Insn> insns = new ArrayList<>();
        List<int[]> positions = new ArrayList<>();
        for (int i = 0; i < tokens.size(); i++) {
            Token t = tokens.get(i);
            if (t.kind() == Kind.IDENT) {
                String w = t.text().toUpperCase(Locale.ROOT);
                if (w.equals("BPF_STMT") || w.equals("BPF_JUMP")) {
                    throw SluiceException.atPosition(sourceName, t.line(), t.column(), Failure.DD_MACRO, t.text());
                }
            }
            if (!t.is("{") || tokens.get(i + 1).kind() != Kind.NUMBER) {
                continue;
            }
            long[] fields = new long[4];
            AsmFormat.Range[] ranges = {
                AsmFormat.Range.CODE, AsmFormat.Range.JUMP, AsmFormat.Range.JUMP, AsmFormat.Range.K
            };
            String[] names = {"code", "jt", "jf", "k"};
            int j = i + 1;
            int count = 0;
            while (true) {
                Token f = tokens.get(j);
                if (f.kind() != Kind.NUMBER) {
                    throw SluiceException.atPosition(
                            sourceName, f.line(), f.column(), Failure.TEXT_EXPECTED, "a number", f.describe());
                }
                if (count == 4) {
                    throw SluiceException.atPosition(sourceName, t.line(), t.column(), Failure.DD_ROW, 5);
                }
                fields[count] = ranges[count].check(sourceName, f, names[count]);
                count++;
                j++;
                Token sep = tokens.get(j);
                if (sep.is(",")) {
                    j++;
                    if (tokens.get(j).is("}")) {
                        break;
                    }
                } else if (sep.is("}")) {
                    break;
                } else {
                    throw SluiceException.atPosition(
                            sourceName, sep.line(), sep.column(), Failure.TEXT_EXPECTED, "',' or '}'", sep.describe());
                }
            }
            if (count != 4) {
                throw SluiceException.atPosition(sourceName, t.line(), t.column(), Failure.DD_ROW, count);
            }
            insns.add(new Insn((int) fields[0], (int) fields[1], (int) fields[2], (int) fields[3]));
            positions.add(new int[] {t.line(), t.column()});
            i = j;
        }
        if (insns.isEmpty()) {
            Token end = tokens.get(tokens.size() - 1);
            throw SluiceException.atPosition(
                    sourceName, Math.max(1, end.line()), Math.max(1, end.column()), Failure.TEXT_NO_INSTRUCTIONS, "dd");
        }
        int[] lines = new int[insns.size()];
        int[] cols = new int[insns.size()];
        for (int i = 0; i < lines.length; i++) {
            lines[i] = positions.get(i)[0];
            cols[i] = positions.get(i)[1];
        }
        return new Program(insns.toArray(new Insn[0]), lines, cols);
    }

    /** One row the way tcpdump -dd prints it (libpcap's bpf_dump). */
    static String row(Insn in) {
        return String.format(Locale.ROOT, "{ 0x%x, %d, %d, 0x%08x },", in.code(), in.jt(), in.jf(), in.k());
    }

    /** tcpdump -dd: one row per line. */
    public static String print(Program p) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < p.length(); i++) {
            sb.append(row(p.get(i))).append('\n');
        }
        return sb.toString();
    }
}
