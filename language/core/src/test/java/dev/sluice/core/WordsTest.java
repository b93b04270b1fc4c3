package dev.sluice.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sluice.core.error.Words;
import org.junit.jupiter.api.Test;

/** Words quoted from untrusted input: one short printable line whatever the input holds. */
class WordsTest {
    @Test
    void controlCharactersAreShownEscaped() {
        assertEquals("a\\rb\\nc\\x00d\\x1be\tf\\x7f", Words.clip("a\rb\nc\u0000d\u001be\tf\u007f"));
    }

    @Test
    void longWordsKeepTheirStart() {
        assertEquals("abcdefg...", Words.clip("abcdefghijklmnop", 10));
        assertEquals("abcdefghij", Words.clip("abcdefghij", 10));
        assertEquals("x".repeat(37) + "...", Words.clip("x".repeat(100_000)));
        assertEquals("\\r\\r\\r\\r...", Words.clip("\r".repeat(50), 11));
    }
}
