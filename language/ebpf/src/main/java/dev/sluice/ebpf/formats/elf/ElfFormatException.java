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

    /** Names in the message come from the file: control characters are shown as \xNN, so the message stays one line. */
    private static String printable(String message) {
        StringBuilder sb = new StringBuilder(message.length());
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                sb.append(String.format("\\x%02x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
