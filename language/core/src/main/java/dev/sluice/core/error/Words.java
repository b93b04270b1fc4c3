package dev.sluice.core.error;

/** Quoting input in messages: a word from untrusted input is clipped, so that one message stays one short line. */
public final class Words {
    /** The longest quoted word; longer ones keep their start and end in "...". */
    public static final int MAX = 40;

    private Words() {}

    public static String clip(String word) {
        return clip(word, MAX);
    }

    /**
     * At most {@code max} characters of {@code word} (max >= 4), line breaks shown as \n and \r, other control
     * characters (but tab) as \xNN: a message stays one printable line whatever the input holds.
     */
    public static String clip(String word, int max) {
        String w = printable(word, max + 1);
        return w.length() <= max ? w : w.substring(0, max - 3) + "...";
    }

    /** {@code text} with line breaks shown as \n and \r and other control characters (but tab) as \xNN. */
    public static String printable(String text) {
        return printable(text, Integer.MAX_VALUE);
    }

    /** As {@link #printable(String)}, stopping once the result is longer than {@code max} characters. */
    private static String printable(String text, int max) {
        StringBuilder w = new StringBuilder(Math.min(text.length(), 1024));
        for (int i = 0; i < text.length() && w.length() < max; i++) {
            char c = text.charAt(i);
            if (c == '\n') {
                w.append("\\n");
            } else if (c == '\r') {
                w.append("\\r");
            } else if (c < 0x20 && c != '\t' || c == 0x7f) {
                w.append(String.format("\\x%02x", (int) c));
            } else {
                w.append(c);
            }
        }
        return w.toString();
    }
}
