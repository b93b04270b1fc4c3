package dev.sluice.bpf.formats;

import dev.sluice.bpf.isa.Insn;
import dev.sluice.bpf.isa.Program;
import dev.sluice.bpf.runtime.Failure;
import dev.sluice.core.error.SluiceException;
import dev.sluice.core.error.Words;
import java.util.ArrayList;
import java.util.List;

/**
 * Decimal rows {@code code jt jf k}, read in both forms tools print them:
 * <ul>
 * <li>{@code tcpdump -ddd}: a line with the instruction count, then one line per instruction;</li>
 * <li>the kernel's {@code bpf_asm} (and {@code iptables -m bpf --bytecode}): one line, comma separated, count
 * first, e.g. {@code 4,40 0 0 12,21 0 1 2048,6 0 0 262144,6 0 0 0,}.</li>
 * </ul>
 * Written in tcpdump's form; {@link #printCommaForm} writes bpf_asm's. The count must match the rows.
 */
public final class DddFormat {
    private DddFormat() {}

    /** One whitespace-separated decimal number with its position. */
    private record Num(String text, int line, int column) {}

    /** One row of numbers: the count row or an instruction row. */
    private record Row(List<Num> nums, int line, int column) {}

    public static Program parse(String sourceName, String text) {
        List<Row> rows = text.indexOf(',') >= 0 ? commaRows(text) : lineRows(text);
        if (rows.isEmpty()) {
            throw SluiceException.atPosition(sourceName, 1, 1, Failure.TEXT_NO_INSTRUCTIONS, "ddd");
        }
        Row countRow = rows.get(0);
        if (countRow.nums().size() != 1) {
            throw SluiceException.atPosition(
                    sourceName,
                    countRow.line(),
                    countRow.column(),
                    Failure.TEXT_EXPECTED,
                    "the instruction count alone",
                    countRow.nums().size() + " numbers");
        }
        long count =
                value(sourceName, countRow.nums().get(0), "the count", 0, Integer.MAX_VALUE, "must be 0 to 2147483647");
        int n = rows.size() - 1;
        if (count != n) {
            throw SluiceException.atPosition(
                    sourceName, countRow.line(), countRow.column(), Failure.DDD_COUNT_MISMATCH, count, n);
        }
        if (n == 0) {
            throw SluiceException.atPosition(
                    sourceName, countRow.line(), countRow.column(), Failure.TEXT_NO_INSTRUCTIONS, "ddd");
        }
        Insn[] insns = new Insn[n];
        int[] lines = new int[n];
        int[] cols = new int[n];
        for (int i = 0; i < n; i++) {
            Row r = rows.get(i + 1);
            if (r.nums().size() != 4) {
                throw SluiceException.atPosition(
                        sourceName,
                        r.line(),
                        r.column(),
                        Failure.DDD_ROW,
                        r.nums().size());
            }
            int code = (int) value(sourceName, r.nums().get(0), "code", 0, 0xffff, "the code must be 0 to 65535");
            int jt = (int) value(sourceName, r.nums().get(1), "jt", 0, 0xff, "jt and jf must be 0 to 255");
            int jf = (int) value(sourceName, r.nums().get(2), "jf", 0, 0xff, "jt and jf must be 0 to 255");
            int k = (int) value(
                    sourceName,
                    r.nums().get(3),
                    "k",
                    Integer.MIN_VALUE,
                    0xffffffffL,
                    "k must fit in 32 bits: -2147483648 to 4294967295");
            insns[i] = new Insn(code, jt, jf, k);
            lines[i] = r.line();
            cols[i] = r.column();
        }
        return new Program(insns, lines, cols);
    }

    private static long value(String sourceName, Num num, String what, long min, long max, String rule) {
        String s = num.text();
        boolean decimal = !s.isEmpty()
                && s.chars().skip(s.startsWith("-") ? 1 : 0).allMatch(c -> c >= '0' && c <= '9')
                && s.length() > (s.startsWith("-") ? 1 : 0);
        if (!decimal) {
            throw SluiceException.atPosition(
                    sourceName, num.line(), num.column(), Failure.TEXT_MALFORMED_NUMBER, Words.clip(s));
        }
        Long v = TextScanner.numberValue(withoutLeadingZeros(s));
        if (v == null || v < min || v > max) {
            throw SluiceException.atPosition(
                    sourceName, num.line(), num.column(), Failure.TEXT_NUMBER_OUT_OF_RANGE, what, Words.clip(s), rule);
        }
        return v;
    }

    /** "-007" -> "-7", "000" -> "0": decimal digits only (checked by the caller), in one linear pass. */
    private static String withoutLeadingZeros(String s) {
        int sign = s.startsWith("-") ? 1 : 0;
        int i = sign;
        while (i < s.length() - 1 && s.charAt(i) == '0') {
            i++;
        }
        return i == sign ? s : s.substring(0, sign) + s.substring(i);
    }

    /** tcpdump's form: each nonblank line is a row. */
    private static List<Row> lineRows(String text) {
        Positions at = new Positions(text);
        List<Row> rows = new ArrayList<>();
        int start = 0;
        while (start <= text.length()) {
            int end = text.indexOf('\n', start);
            if (end < 0) {
                end = text.length();
            }
            addRow(rows, numbers(text, start, end, at));
            start = end + 1;
        }
        return rows;
    }

    /** bpf_asm's form: rows separated by commas, possibly across lines; the last field may be empty. */
    private static List<Row> commaRows(String text) {
        Positions at = new Positions(text);
        List<Row> rows = new ArrayList<>();
        int start = 0;
        while (start <= text.length()) {
            int end = text.indexOf(',', start);
            if (end < 0) {
                end = text.length();
            }
            addRow(rows, numbers(text, start, end, at));
            start = end + 1;
        }
        return rows;
    }

    private static void addRow(List<Row> rows, List<Num> nums) {
        if (!nums.isEmpty()) {
            rows.add(new Row(nums, nums.get(0).line(), nums.get(0).column()));
        }
    }

    /** The whitespace-separated words of text[from, to), with positions. */
    private static List<Num> numbers(String text, int from, int to, Positions at) {
        List<Num> out = new ArrayList<>();
        int i = from;
        while (i < to) {
            if (Character.isWhitespace(text.charAt(i))) {
                i++;
            } else {
                int s = i;
                while (i < to && !Character.isWhitespace(text.charAt(i))) {
                    i++;
                }
                out.add(new Num(text.substring(s, i), at.line(s), at.column(s)));
            }
        }
        return out;
    }

    /** tcpdump -ddd: the count, then {@code code jt jf k} per line, all unsigned decimal. */
    public static String print(Program p) {
        StringBuilder sb = new StringBuilder();
        sb.append(p.length()).append('\n');
        for (int i = 0; i < p.length(); i++) {
            Insn in = p.get(i);
            sb.append(in.code())
                    .append(' ')
                    .append(in.jt())
                    .append(' ')
                    .append(in.jf())
                    .append(' ')
                    .append(in.unsignedK())
                    .append('\n');
        }
        return sb.toString();
    }

    /** bpf_asm's form: {@code count,code jt jf k,...,} on one line. */
    public static String printCommaForm(Program p) {
        StringBuilder sb = new StringBuilder();
        sb.append(p.length()).append(',');
        for (int i = 0; i < p.length(); i++) {
            Insn in = p.get(i);
            sb.append(in.code())
                    .append(' ')
                    .append(in.jt())
                    .append(' ')
                    .append(in.jf())
                    .append(' ')
                    .append(in.unsignedK())
                    .append(',');
        }
        return sb.append('\n').toString();
    }
}
