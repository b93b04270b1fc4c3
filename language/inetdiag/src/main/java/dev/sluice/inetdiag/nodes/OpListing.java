package dev.sluice.inetdiag.nodes;

import com.oracle.truffle.api.source.Source;
import com.oracle.truffle.api.source.SourceSection;
import java.util.function.Supplier;

/**
 * Where instruments see each op: a listing of the checked bytecode, one op per line in the interpreter's op order
 * (op i on line i + 1), named after the program's source. A filter's text does not map op by op to its characters
 * (ss's compiler adds jumps and shares conditions), so text and bytecode alike are shown as their ops. Made on first
 * use: only instruments ask for it.
 */
public final class OpListing {
    /** What a listing's name adds to its program's source name. */
    public static final String SUFFIX = ".ops";

    private final Supplier<Source> supplier;
    private volatile Source source;

    public OpListing(Supplier<Source> supplier) {
        this.supplier = supplier;
    }

    Source source() {
        Source s = source;
        if (s == null) {
            synchronized (this) {
                s = source;
                if (s == null) {
                    source = s = supplier.get();
                }
            }
        }
        return s;
    }

    /** Op {@code pc}'s whole line. */
    SourceSection op(int pc) {
        return source().createSection(pc + 1);
    }

    /** The whole listing. */
    SourceSection program() {
        Source s = source();
        return s.createSection(0, s.getLength());
    }
}
