package dev.sluice.core.error;

/** Quoting input in messages: a word from untrusted input is clipped, so that one message stays one short line. */
public final class Words {
    /** The longest quoted word; longer ones keep their start and end in "...". */
    public static final int MAX = 40;

    private Words() {}

    public static String clip(String word) {
        return clip(word, MAX);
    }

    /** At most {@code max} characters of {@code word} (max >= 4), line breaks shown as \n. */
    public static String clip(String word, int max) {
        String w = word.replace("\r", "\\r").replace("\n", "\\n");
        return w.length() <= max ? w : w.substring(0, max - 3) + "...";
    }
}
