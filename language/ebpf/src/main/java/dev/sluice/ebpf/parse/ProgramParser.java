package dev.sluice.ebpf.parse;

import com.oracle.truffle.api.source.Source;
import dev.sluice.core.error.SluiceException;
import dev.sluice.ebpf.formats.AsmFormat;
import dev.sluice.ebpf.formats.RawFormat;
import dev.sluice.ebpf.isa.Program;
import dev.sluice.ebpf.runtime.EbpfFailure;

/** A Truffle source to a {@link Program}: bytes are raw instruction slots, characters the assembly syntax. */
public final class ProgramParser {
    private ProgramParser() {}

    /** @param format {@code auto} (bytes: raw, text: asm), {@code raw} or {@code asm} */
    public static Program parse(Source source, String format) {
        boolean text = source.hasCharacters();
        switch (format) {
            case "raw" -> {
                if (text) {
                    throw SluiceException.create(
                            EbpfFailure.ASM_SYNTAX, "the raw format is binary (8-byte instruction slots), not text");
                }
                return RawFormat.decode(source.getBytes().toByteArray());
            }
            case "asm" -> {
                String chars = text
                        ? source.getCharacters().toString()
                        : new String(source.getBytes().toByteArray(), java.nio.charset.StandardCharsets.UTF_8);
                return AsmFormat.read(chars, source.getName(), 1);
            }
            default -> {
                return text
                        ? AsmFormat.read(source.getCharacters().toString(), source.getName(), 1)
                        : RawFormat.decode(source.getBytes().toByteArray());
            }
        }
    }
}
