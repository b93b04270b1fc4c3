package dev.sluice.scpl.parse;

import dev.sluice.core.error.Words;
import dev.sluice.scpl.error.ScplFailure;
import dev.sluice.scpl.parse.Ast.Pos;
import java.util.ArrayList;
import java.util.List;

/** Splits SCPL text into tokens. Comments: {@code #...}, {@code //...} and {@code /* ... *}{@code /}. */
public final class Lexer {
    public enum Kind {
        IDENT,
        NUMBER,
        STRING,
        GROUP,
        PUNCT,
        EOF
    }

    public record Token(Kind kind, String text, long number, Pos pos) {
        boolean is(String punct) {
            return (kind == Kind.PUNCT || kind == Kind.IDENT) && text.equals(punct);
        }

        /** How many characters the token takes in the source (quotes and '@' included). */
        int sourceLength() {
            return switch (kind) {
                case EOF -> 0;
                case STRING -> text.length() + 2;
                case GROUP -> text.length() + 1;
                default -> text.length();
            };
        }

        /** The position of the token's last character (tokens do not span lines). */
        Pos last() {
            return new Pos(pos.file(), pos.line(), pos.col() + Math.max(0, sourceLength() - 1));
        }

        String describe() {
            return switch (kind) {
                case EOF -> "end of file";
                case STRING -> "string \"" + Words.clip(text, 60) + "\"";
                case GROUP -> "group @" + text;
                default -> "'" + Words.clip(text) + "'";
            };
        }
    }

    private static final String[] PUNCTS = {
        "==", "!=", "<=", ">=", "&&", "||", "{", "}", "[", "]", "(", ")", ";", ",", "=", "<", ">", "&", "|", "!", "-",
        "~"
    };

    private final String file;
    private final String text;
    private int i;
    private int line = 1;
    private int lineStart;

    private Lexer(String file, String text) {
        this.file = file;
        this.text = text;
    }

    public static List<Token> tokenize(String file, String text) {
        return new Lexer(file, text).run();
    }

    private Pos pos() {
        return new Pos(file, line, i - lineStart + 1);
    }

    private List<Token> run() {
        List<Token> out = new ArrayList<>();
        while (true) {
            skipSpaceAndComments();
            if (i >= text.length()) {
                out.add(new Token(Kind.EOF, "", 0, pos()));
                return out;
            }
            Pos p = pos();
            char c = text.charAt(i);
            if (Character.isLetter(c) || c == '_') {
                int s = i;
                while (i < text.length() && (Character.isLetterOrDigit(text.charAt(i)) || text.charAt(i) == '_')) {
                    i++;
                }
                out.add(new Token(Kind.IDENT, text.substring(s, i), 0, p));
            } else if (Character.isDigit(c)) {
                out.add(number(p));
            } else if (c == '@') {
                int s = ++i;
                while (i < text.length()
                        && (Character.isLetterOrDigit(text.charAt(i))
                                || text.charAt(i) == '_'
                                || text.charAt(i) == '-')) {
                    i++;
                }
                if (s == i) {
                    throw Diagnostics.error(p, text, ScplFailure.SCPL_SYNTAX, "'@' must be followed by a group name");
                }
                out.add(new Token(Kind.GROUP, text.substring(s, i), 0, p));
            } else if (c == '"') {
                int s = ++i;
                while (i < text.length() && text.charAt(i) != '"' && text.charAt(i) != '\n') {
                    i++;
                }
                if (i >= text.length() || text.charAt(i) != '"') {
                    throw Diagnostics.error(p, text, ScplFailure.SCPL_SYNTAX, "unterminated string");
                }
                out.add(new Token(Kind.STRING, text.substring(s, i), 0, p));
                i++;
            } else {
                String punct = null;
                for (String candidate : PUNCTS) {
                    if (text.startsWith(candidate, i)) {
                        punct = candidate;
                        break;
                    }
                }
                if (punct == null) {
                    throw Diagnostics.error(p, text, ScplFailure.SCPL_SYNTAX, "unexpected character '" + c + "'");
                }
                i += punct.length();
                out.add(new Token(Kind.PUNCT, punct, 0, p));
            }
        }
    }

    private Token number(Pos p) {
        int s = i;
        int radix = 10;
        if (text.startsWith("0x", i) || text.startsWith("0X", i)) {
            radix = 16;
            i += 2;
        } else if (text.startsWith("0b", i) || text.startsWith("0B", i)) {
            radix = 2;
            i += 2;
        } else if (text.startsWith("0o", i) || text.startsWith("0O", i)) {
            radix = 8;
            i += 2;
        }
        int digits = i;
        while (i < text.length() && (Character.isLetterOrDigit(text.charAt(i)) || text.charAt(i) == '_')) {
            i++;
        }
        String body = text.substring(digits, i).replace("_", "");
        try {
            if (body.isEmpty()) {
                throw new NumberFormatException();
            }
            long v = Long.parseUnsignedLong(body, radix);
            return new Token(Kind.NUMBER, text.substring(s, i), v, p);
        } catch (NumberFormatException e) {
            throw Diagnostics.error(
                    p,
                    text,
                    ScplFailure.SCPL_SYNTAX,
                    "bad number '" + Words.clip(text.substring(s, i))
                            + "' (numbers are 64-bit: decimal, 0x hex, 0o octal or 0b binary)");
        }
    }

    private void skipSpaceAndComments() {
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '\n') {
                i++;
                line++;
                lineStart = i;
            } else if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '#' || text.startsWith("//", i)) {
                while (i < text.length() && text.charAt(i) != '\n') {
                    i++;
                }
            } else if (text.startsWith("/*", i)) {
                Pos p = pos();
                int end = text.indexOf("*/", i + 2);
                if (end < 0) {
                    throw Diagnostics.error(p, text, ScplFailure.SCPL_SYNTAX, "unterminated comment");
                }
                for (int k = i; k < end; k++) {
                    if (text.charAt(k) == '\n') {
                        line++;
                        lineStart = k + 1;
                    }
                }
                i = end + 2;
            } else {
                return;
            }
        }
    }
}
