package dev.sluice.ebpf.runtime;

import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;
import com.oracle.truffle.api.exception.AbstractTruffleException;
import com.oracle.truffle.api.interop.ExceptionType;
import com.oracle.truffle.api.interop.InteropLibrary;
import com.oracle.truffle.api.interop.UnsupportedMessageException;
import com.oracle.truffle.api.library.ExportLibrary;
import com.oracle.truffle.api.library.ExportMessage;
import com.oracle.truffle.api.nodes.Node;
import com.oracle.truffle.api.source.Source;
import com.oracle.truffle.api.source.SourceSection;

/**
 * The one guest exception of the eBPF language: a {@link EbpfFailure}, its message, the instruction index when the
 * failure is about one, and the source position when the program came from text. Embedders see a syntax error for
 * format and structural failures and a runtime error for guards.
 */
@ExportLibrary(InteropLibrary.class)
public final class EbpfException extends AbstractTruffleException {
    private static final long serialVersionUID = 1L;

    private final EbpfFailure failure;
    private final String detail;
    private final int insn;
    private final String sourceName;
    private final int line;
    private final int column;
    private final transient SourceSection section;

    private EbpfException(EbpfFailure failure, String detail, int insn, String sourceName, int line, int column, SourceSection section, Node location) {
        super(line > 0 ? (sourceName == null ? "<program>" : sourceName) + ":" + line + ":" + column + ": " + detail : detail, location);
        this.failure = failure;
        this.detail = detail;
        this.insn = insn;
        this.sourceName = sourceName;
        this.line = line;
        this.column = column;
        this.section = section;
    }

    @TruffleBoundary
    public static EbpfException create(EbpfFailure failure, Object... args) {
        return new EbpfException(failure, failure.message(args), -1, null, 0, 0, null, null);
    }

    /** A failure about instruction {@code insn}; the format's first argument is the index. */
    @TruffleBoundary
    public static EbpfException atInsn(int insn, EbpfFailure failure, Object... args) {
        return new EbpfException(failure, failure.message(args), insn, null, 0, 0, null, null);
    }

    /** A run-time failure raised by a node, about instruction {@code insn} (or -1). */
    @TruffleBoundary
    public static EbpfException atNode(Node node, int insn, EbpfFailure failure, Object... args) {
        return new EbpfException(failure, failure.message(args), insn, null, 0, 0, null, node);
    }

    /** A failure at a 1-based line and column of a named text. */
    @TruffleBoundary
    public static EbpfException atPosition(String sourceName, int line, int column, EbpfFailure failure, Object... args) {
        return new EbpfException(failure, failure.message(args), -1, sourceName, line, column, null, null);
    }

    /** The same failure placed at a line and column of a Truffle source. */
    @TruffleBoundary
    public EbpfException locatedIn(Source source, int atLine, int atColumn) {
        if (source == null || atLine <= 0) {
            return this;
        }
        SourceSection s = null;
        int col = Math.max(1, atColumn);
        if (source.hasCharacters() && source.getLineCount() >= atLine) {
            int lineLength = source.getLineLength(atLine);
            s = lineLength == 0 ? source.createSection(atLine) : source.createSection(atLine, Math.min(col, lineLength), 1);
        }
        return new EbpfException(failure, detail, insn, source.getName(), atLine, col, s, null);
    }

    public EbpfFailure failure() {
        return failure;
    }

    /** The message without a position prefix. */
    public String detail() {
        return detail;
    }

    /** The instruction slot the failure is about, or -1. */
    public int insn() {
        return insn;
    }

    public String sourceName() {
        return sourceName;
    }

    public int line() {
        return line;
    }

    public int column() {
        return column;
    }

    @ExportMessage
    ExceptionType getExceptionType() {
        return failure.kind == EbpfFailure.Kind.RUNTIME ? ExceptionType.RUNTIME_ERROR : ExceptionType.PARSE_ERROR;
    }

    @ExportMessage
    boolean isExceptionIncompleteSource() {
        return false;
    }

    @ExportMessage
    boolean hasSourceLocation() {
        return section != null || getLocation() != null && getLocation().getEncapsulatingSourceSection() != null;
    }

    @ExportMessage(name = "getSourceLocation")
    @TruffleBoundary
    SourceSection sourceLocation() throws UnsupportedMessageException {
        if (section != null) {
            return section;
        }
        Node node = getLocation();
        SourceSection s = node == null ? null : node.getEncapsulatingSourceSection();
        if (s == null) {
            throw UnsupportedMessageException.create();
        }
        return s;
    }
}
