package dev.sluice.bpf.parse;

import com.oracle.truffle.api.source.Source;
import dev.sluice.bpf.formats.InputFormat;
import dev.sluice.bpf.formats.RawFormat;
import dev.sluice.bpf.formats.TextFormats;
import dev.sluice.bpf.isa.Program;
import java.nio.ByteOrder;

/**
 * Reads a Truffle source into a {@link Program}: binary sources as raw {@code sock_filter} arrays, character sources
 * in one of the text formats. With {@link InputFormat#AUTO} the content decides (see {@link TextFormats#looksLikeText}).
 */
public final class ProgramParser {
    private ProgramParser() {}

    public static Program parse(Source source, InputFormat format, ByteOrder rawOrder) {
        if (source.hasBytes()) {
            return parse(source.getName(), source.getBytes().toByteArray(), format, rawOrder);
        }
        String text = source.getCharacters().toString();
        if (format == InputFormat.RAW) {
            return RawFormat.decode(text.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), rawOrder);
        }
        return TextFormats.parse(source.getName(), text, format);
    }

    /** Reads a program from a file's bytes: raw, or text when the format says so or the content looks like text. */
    public static Program parse(String name, byte[] bytes, InputFormat format, ByteOrder rawOrder) {
        if (format == InputFormat.RAW || format == InputFormat.AUTO && !TextFormats.looksLikeText(bytes)) {
            return RawFormat.decode(bytes, rawOrder);
        }
        return TextFormats.parse(name, new String(bytes, java.nio.charset.StandardCharsets.UTF_8), format);
    }
}
