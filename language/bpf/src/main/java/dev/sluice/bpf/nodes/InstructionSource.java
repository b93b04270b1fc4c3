package dev.sluice.bpf.nodes;

import com.oracle.truffle.api.TruffleLanguage;
import com.oracle.truffle.api.source.Source;
import com.oracle.truffle.api.source.SourceSection;
import java.util.function.Supplier;

/**
 * Where each instruction of a program is written: a text source and the 1-based line of each instruction. For a
 * binary program the language supplies a synthesized listing (one instruction per line), so instruments and debuggers
 * always have a line to show. The source is made on first use: only instruments ask for it, and a load should not pay
 * for a listing nobody reads.
 */
public final class InstructionSource {
    private final Supplier<Source> sourceSupplier;
    private final int[] lines;
    private final Class<? extends TruffleLanguage<?>> language;
    private volatile Source source;

    /**
     * @param source makes the text source (called at most once, when an instrument first asks)
     * @param lines the 1-based line of each instruction in that source
     * @param language the language whose scopes a debugger shows
     */
    public InstructionSource(Supplier<Source> source, int[] lines, Class<? extends TruffleLanguage<?>> language) {
        this.sourceSupplier = source;
        this.lines = lines.clone();
        this.language = language;
    }

    public Class<? extends TruffleLanguage<?>> language() {
        return language;
    }

    public Source source() {
        Source s = source;
        if (s == null) {
            synchronized (this) {
                s = source;
                if (s == null) {
                    source = s = sourceSupplier.get();
                }
            }
        }
        return s;
    }

    /** The 1-based line of instruction {@code pc}. */
    public int line(int pc) {
        return lines[pc];
    }

    /** The whole line of instruction {@code pc}. */
    public SourceSection instruction(int pc) {
        return source().createSection(lines[pc]);
    }

    /** The whole source: the section of the program's root. */
    public SourceSection program() {
        Source s = source();
        return s.createSection(0, s.getLength());
    }
}
