package dev.sluice.inetdiag.parse;

import com.oracle.truffle.api.source.Source;

import dev.sluice.inetdiag.runtime.InetDiagException;

/** A source to bytecode: bytes are the bytecode itself, text is a filter in ss's syntax ({@link FilterCompiler}). */
public final class ProgramParser {
    private ProgramParser() {
    }

    public static byte[] bytecode(Source source) {
        if (source.hasBytes()) {
            return source.getBytes().toByteArray();
        }
        try {
            return FilterCompiler.compile(source.getCharacters().toString(), source.getName());
        } catch (InetDiagException e) {
            throw e.locatedIn(source);
        }
    }
}
