package dev.sluice.scpl.text;

import java.util.List;

/**
 * How generated SCPL source is laid out (by {@code import-oci} and {@code learn}): lines wrapped at 110 columns, so
 * a policy a tool wrote reads like one a person wrote.
 */
public final class ScplLayout {
    public static final int WIDTH = 110;

    private ScplLayout() {}

    /** A {@code #} comment wrapped at {@link #WIDTH} columns; continuation lines are indented two more. No final newline. */
    public static String comment(String prefix, String text) {
        // A line break inside the text (a name from an imported file) would end the comment and make the rest code.
        text = dev.sluice.core.error.Words.printable(text);
        StringBuilder out = new StringBuilder();
        StringBuilder line = new StringBuilder();
        String lead = prefix;
        for (String word : text.split(" ")) {
            if (line.length() > 0 && lead.length() + line.length() + 1 + word.length() > WIDTH) {
                out.append(lead).append(line).append('\n');
                lead = prefix + "  ";
                line.setLength(0);
            }
            if (line.length() > 0) {
                line.append(' ');
            }
            line.append(word);
        }
        return out.append(lead).append(line).toString();
    }

    /**
     * {@code head NAME} or {@code head [a, b, ...]} wrapped at {@link #WIDTH} columns under the first name, then
     * {@code tail} and {@code ;}. No final newline.
     */
    public static String list(String head, List<String> names, String tail) {
        StringBuilder sb = new StringBuilder(head).append(' ');
        if (names.size() == 1) {
            sb.append(names.get(0));
        } else {
            sb.append('[');
            int indent = sb.length();
            int col = indent;
            for (int i = 0; i < names.size(); i++) {
                String n = names.get(i) + (i + 1 < names.size() ? "," : "");
                if (i > 0 && col + 1 + n.length() > WIDTH) {
                    sb.append('\n').append(" ".repeat(indent));
                    col = indent;
                } else if (i > 0) {
                    sb.append(' ');
                    col++;
                }
                sb.append(n);
                col += n.length();
            }
            sb.append(']');
        }
        return sb.append(tail).append(';').toString();
    }
}
