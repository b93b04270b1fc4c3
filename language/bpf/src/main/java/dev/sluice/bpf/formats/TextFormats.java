package dev.sluice.bpf.formats;

import dev.sluice.bpf.isa.Program;
import dev.sluice.bpf.runtime.Failure;
import dev.sluice.bpf.runtime.SluiceException;

/** Entry point for the text formats: detection and dispatch to the format's reader. */
public final class TextFormats {
    private TextFormats() {
    }

    /**
     * True when bytes read as a text program: no NUL bytes and only printable ASCII or whitespace in the first 4 KiB.
     * A raw program almost always holds a NUL byte (codes are 16-bit and below 0x100), so this separates the two.
     */
    public static boolean looksLikeText(byte[] bytes) {
        if (bytes.length == 0) {
            return false;
        }
        int n = Math.min(bytes.length, 4096);
        for (int i = 0; i < n; i++) {
            int b = bytes[i] & 0xff;
            if (b == 0 || b < 0x20 && b != '\n' && b != '\r' && b != '\t' && b != '\f' || b == 0x7f) {
                return false;
            }
        }
        return true;
    }

    public static Program parse(String sourceName, String text, InputFormat format) {
        throw SluiceException.create(Failure.UNKNOWN_FORMAT, "text programs (asm, ddd, dd) are not supported yet; give raw sock_filter bytes");
    }
}
