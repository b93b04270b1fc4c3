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
        StringBuilder w = new StringBuilder(Math.min(word.length(), max + 8));
        for (int i = 0; i < word.length() && w.length() <= max; i++) {
            char c = word.charAt(i);
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
        return w.length() <= max ? w.toString() : w.substring(0, max - 3) + "...";
    }
}
