package dev.sluice.ebpf.formats.elf;

/**
 * A malformed or unsupported ELF object: the message names the file, the place (section, symbol, relocation or byte
 * offset) and the rule broken. The only exception {@link ElfObjectReader} throws for any input.
 */
public final class ElfFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Byte offset in the file the error is about, or -1. */
    private final long fileOffset;
    /** Instruction index inside the program section the error is about, or -1. */
    private final int instruction;

    ElfFormatException(String message, long fileOffset, int instruction) {
        this(message, fileOffset, instruction, null);
    }

    ElfFormatException(String message, long fileOffset, int instruction, Throwable cause) {
        super(printable(message), cause, false, false);
        this.fileOffset = fileOffset;
        this.instruction = instruction;
    }

    public long fileOffset() {
        return fileOffset;
    }

    public int instruction() {
        return instruction;
    }

    /** The longest name a message quotes whole; a longer one is clipped with "...". */
    static final int MAX_QUOTED = 64;
    /** A message longer than this (names of several kilobytes, quotes inside names) is cut, keeping its start. */
    static final int MAX_MESSAGE = 380;

    /**
     * Names in the message come from the file: control characters are shown as \xNN, so the message stays one line,
     * and a quoted name longer than {@link #MAX_QUOTED} is clipped, so that it stays short.
     */
    static String printable(String message) {
        StringBuilder sb = new StringBuilder(message.length());
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                sb.append(String.format("\\x%02x", (int) c));
            } else {
                sb.append(c);
            }
        }
        String escaped = clipQuoted(sb.toString());
        return escaped.length() <= MAX_MESSAGE ? escaped : escaped.substring(0, MAX_MESSAGE - 3) + "...";
    }

    private static String clipQuoted(String text) {
        StringBuilder out = new StringBuilder(text.length());
        int at = 0;
        while (at < text.length()) {
            int open = text.indexOf('\'', at);
            int close = open < 0 ? -1 : text.indexOf('\'', open + 1);
            if (close < 0) {
                out.append(text, at, text.length());
                break;
            }
            out.append(text, at, open + 1);
            String quoted = text.substring(open + 1, close);
            out.append(quoted.length() <= MAX_QUOTED ? quoted : quoted.substring(0, MAX_QUOTED - 3) + "...");
            out.append('\'');
            at = close + 1;
        }
        return out.toString();
    }
}
