package dev.sluice.inetdiag.parse;

import com.oracle.truffle.api.source.Source;
import dev.sluice.core.error.SluiceException;

/** A source to bytecode: bytes are the bytecode itself, text is a filter in ss's syntax ({@link FilterCompiler}). */
public final class ProgramParser {
    private ProgramParser() {}

    public static byte[] bytecode(Source source) {
        if (source.hasBytes()) {
            return source.getBytes().toByteArray();
        }
        try {
            return FilterCompiler.compile(source.getCharacters().toString(), source.getName());
        } catch (SluiceException e) {
            throw e.locatedIn(source, e.line(), e.column());
        }
    }
}
