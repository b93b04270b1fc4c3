package dev.sluice.bpf.formats;

import dev.sluice.bpf.runtime.Failure;
import dev.sluice.core.error.SluiceException;
import dev.sluice.core.error.Words;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits program text into tokens with 1-based line and column. Shared by the asm and dd readers, which differ only
 * in which comments they skip. Every loop advances at least one character, so any input ends.
 */
final class TextScanner {
    enum Kind {
        IDENT,
        NUMBER,
        PUNCT,
        EOF
    }

    /** One token; {@code value} holds a NUMBER's value (already range-checked to fit a signed 64-bit long). */
    record Token(Kind kind, String text, long value, int line, int column) {
        boolean is(String punct) {
            return kind == Kind.PUNCT && text.equals(punct);
        }

        boolean isWord(String word) {
            return kind == Kind.IDENT && text.equalsIgnoreCase(word);
        }

        /** How an error message names this token. */
        String describe() {
            return switch (kind) {
                case EOF -> "end of input";
                case NUMBER -> "number " + Words.clip(text);
                default -> "'" + Words.clip(text) + "'";
            };
        }
    }

    private final String source;
    private final String text;
    private final boolean hashLineComments;
    private final boolean slashSlashComments;
    private final String punctuation;
    private int pos;
    private int line = 1;
    private int lineStart;

    /**
     * @param hashLineComments skip lines whose first character is '#' (bpf_asm's {@code ^#.*}, C preprocessor lines)
     * @param slashSlashComments skip {@code //} comments (C)
     * @param punctuation the single characters that are tokens of their own
     */
    TextScanner(String source, String text, boolean hashLineComments, boolean slashSlashComments, String punctuation) {
        this.source = source;
        this.text = text;
        this.hashLineComments = hashLineComments;
        this.slashSlashComments = slashSlashComments;
        this.punctuation = punctuation;
    }

    List<Token> tokenize() {
        List<Token> tokens = new ArrayList<>();
        while (true) {
            Token t = next();
            tokens.add(t);
            if (t.kind == Kind.EOF) {
                return tokens;
            }
        }
    }

    private int column() {
        return pos - lineStart + 1;
    }

    private void newline() {
        line++;
        lineStart = pos;
    }

    private Token next() {
        skipBlanksAndComments();
        int n = text.length();
        if (pos >= n) {
            return new Token(Kind.EOF, "", 0, line, column());
        }
        char c = text.charAt(pos);
        int startCol = column();
        if (Character.isLetter(c) && c < 0x80
                || c == '_'
                || c == '.' && pos + 1 < n && isIdentStart(text.charAt(pos + 1))) {
            int start = pos++;
            while (pos < n && isIdentPart(text.charAt(pos))) {
                pos++;
            }
            return new Token(Kind.IDENT, text.substring(start, pos), 0, line, startCol);
        }
        if (isDigit(c) || c == '-' && pos + 1 < n && isDigit(text.charAt(pos + 1))) {
            int start = pos++;
            while (pos < n && isIdentPart(text.charAt(pos))) {
                pos++;
            }
            String word = text.substring(start, pos);
            return new Token(Kind.NUMBER, word, parseNumber(word, line, startCol), line, startCol);
        }
        if (punctuation.indexOf(c) >= 0) {
            pos++;
            return new Token(Kind.PUNCT, String.valueOf(c), 0, line, startCol);
        }
        throw error(line, startCol, Failure.TEXT_UNEXPECTED_CHARACTER, printable(c));
    }

    private void skipBlanksAndComments() {
        int n = text.length();
        while (pos < n) {
            char c = text.charAt(pos);
            if (c == '\n') {
                pos++;
                newline();
            } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f') {
                pos++;
            } else if (c == ';' && punctuation.indexOf(';') < 0
                    || hashLineComments && c == '#' && pos == lineStart
                    || slashSlashComments && c == '/' && pos + 1 < n && text.charAt(pos + 1) == '/') {
                while (pos < n && text.charAt(pos) != '\n') {
                    pos++;
                }
            } else if (c == '/' && pos + 1 < n && text.charAt(pos + 1) == '*') {
                int startLine = line;
                int startCol = column();
                pos += 2;
                while (pos < n && !(text.charAt(pos) == '*' && pos + 1 < n && text.charAt(pos + 1) == '/')) {
                    if (text.charAt(pos) == '\n') {
                        pos++;
                        newline();
                    } else {
                        pos++;
                    }
                }
                if (pos >= n) {
                    throw error(startLine, startCol, Failure.TEXT_UNTERMINATED_COMMENT);
                }
                pos += 2;
            } else {
                return;
            }
        }
    }

    private SluiceException error(int atLine, int atColumn, Failure failure, Object... args) {
        return SluiceException.atPosition(source, atLine, atColumn, failure, args);
    }

    private long parseNumber(String word, int atLine, int atColumn) {
        Long v = TextScanner.numberValue(word);
        if (v == null) {
            throw error(atLine, atColumn, Failure.TEXT_MALFORMED_NUMBER, Words.clip(word));
        }
        return v;
    }

    /**
     * The value of a C-style integer literal: decimal, 0x hex, 0b binary or 0-prefixed octal, with an optional
     * leading '-'. Null if malformed; values beyond 64 bits are clamped to Long.MIN/MAX so range checks reject them.
     */
    static Long numberValue(String word) {
        boolean negative = word.startsWith("-");
        String s = negative ? word.substring(1) : word;
        int radix = 10;
        String digits = s;
        if (s.length() > 2 && (s.startsWith("0x") || s.startsWith("0X"))) {
            radix = 16;
            digits = s.substring(2);
        } else if (s.length() > 2 && (s.startsWith("0b") || s.startsWith("0B"))) {
            radix = 2;
            digits = s.substring(2);
        } else if (s.length() > 1 && s.charAt(0) == '0') {
            radix = 8;
            digits = s.substring(1);
        }
        if (digits.isEmpty()) {
            return null;
        }
        long value = 0;
        boolean overflow = false;
        for (int i = 0; i < digits.length(); i++) {
            int d = Character.digit(digits.charAt(i), radix);
            if (d < 0) {
                return null;
            }
            if (!overflow) {
                value = value * radix + d;
                if (value > (1L << 40)) {
                    overflow = true;
                }
            }
        }
        if (overflow) {
            return negative ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
        return negative ? -value : value;
    }

    static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isIdentStart(char c) {
        return c < 0x80 && Character.isLetter(c) || c == '_';
    }

    private static boolean isIdentPart(char c) {
        return c < 0x80 && Character.isLetterOrDigit(c) || c == '_';
    }

    static String printable(char c) {
        return c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\u%04x", (int) c);
    }
}
