package dev.sluice.bpf.formats;

import dev.sluice.bpf.isa.Program;
import dev.sluice.bpf.runtime.Failure;
import dev.sluice.core.error.SluiceException;
import java.util.regex.Pattern;

/**
 * Entry point for the text formats: detection and dispatch to the format's reader.
 *
 * <p>AUTO detection looks at the content only (never a file name), in this order:
 * <ol>
 * <li>binary vs text: {@link #looksLikeText} on the bytes (done by the caller for byte sources);</li>
 * <li>ddd: the first nonblank line is a lone decimal count (tcpdump -ddd), or the text starts with a decimal count
 * followed by a comma (bpf_asm's one-line form);</li>
 * <li>dd: a '{' followed by a number anywhere ({@code { 0x28, ...}), which also covers Sluice's C output;</li>
 * <li>otherwise asm.</li>
 * </ol>
 * No asm program matches 2 or 3: an asm line cannot be a lone number or start with one, and asm has no braces.
 */
public final class TextFormats {
    private TextFormats() {}

    private static final Pattern DDD_LINE_FORM = Pattern.compile("\\A\\s*\\d+[ \\t\\r]*(\\n|\\z)");
    private static final Pattern DDD_COMMA_FORM = Pattern.compile("\\A\\s*\\d+\\s*,");
    private static final Pattern DD_ROW = Pattern.compile("\\{\\s*-?\\d");

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

    /** The text format of a program by the rules above; never RAW or AUTO. */
    public static InputFormat detect(String text) {
        if (DDD_LINE_FORM.matcher(text).find() || DDD_COMMA_FORM.matcher(text).find()) {
            return InputFormat.DDD;
        }
        if (DD_ROW.matcher(text).find()) {
            return InputFormat.DD;
        }
        return InputFormat.ASM;
    }

    /**
     * Reads a text program. Instructions carry their 1-based source line and column; every syntax error is a
     * {@link SluiceException} located at {@code sourceName:line:col}.
     */
    public static Program parse(String sourceName, String text, InputFormat format) {
        InputFormat f = format == InputFormat.AUTO ? detect(text) : format;
        return switch (f) {
            case ASM -> AsmFormat.parse(sourceName, text);
            case DDD -> DddFormat.parse(sourceName, text);
            case DD -> DdFormat.parse(sourceName, text);
            case RAW -> throw SluiceException.create(Failure.TEXT_RAW_NOT_TEXT);
            case AUTO -> throw new AssertionError("detect never answers AUTO");
        };
    }
}
