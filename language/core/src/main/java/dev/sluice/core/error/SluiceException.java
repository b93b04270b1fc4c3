package dev.sluice.core.error;

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
 * The one guest exception of Sluice, for every language. It carries a {@link FailureKind} (each language declares its
 * own kinds), the formatted message and, when known, the
 * instruction index and the source position. Embedders see it as a {@code PolyglotException}: a syntax error for
 * parse and verification failures, a guest runtime error otherwise.
 */
@ExportLibrary(InteropLibrary.class)
public final class SluiceException extends AbstractTruffleException {
    private static final long serialVersionUID = 1L;

    private final FailureKind failure;
    private final String detail;
    private final int insn;
    private final String sourceName;
    private final int line;
    private final int column;
    private final transient SourceSection section;

    private SluiceException(
            FailureKind failure,
            String detail,
            int insn,
            String sourceName,
            int line,
            int column,
            SourceSection section,
            Node location) {
        super(render(detail, sourceName, line, column), location);
        this.failure = failure;
        this.detail = detail;
        this.insn = insn;
        this.sourceName = sourceName;
        this.line = line;
        this.column = column;
        this.section = section;
    }

    private static String render(String detail, String sourceName, int line, int column) {
        if (line > 0) {
            return (sourceName == null ? "<program>" : sourceName) + ":" + line + ":" + column + ": " + detail;
        }
        return detail;
    }

    /** A failure with no position. */
    @TruffleBoundary
    public static SluiceException create(FailureKind failure, Object... args) {
        return new SluiceException(failure, failure.message(args), -1, null, 0, 0, null, null);
    }

    /** A runtime failure raised by a node. */
    @TruffleBoundary
    public static SluiceException atNode(Node node, FailureKind failure, Object... args) {
        return new SluiceException(failure, failure.message(args), -1, null, 0, 0, null, node);
    }

    /** A failure about one instruction; the message already names it. */
    @TruffleBoundary
    public static SluiceException atInsn(int insn, FailureKind failure, Object... args) {
        return new SluiceException(failure, failure.message(args), insn, null, 0, 0, null, null);
    }

    /** A failure at a 1-based line and column of a named source. */
    @TruffleBoundary
    public static SluiceException atPosition(
            String sourceName, int line, int column, FailureKind failure, Object... args) {
        return new SluiceException(failure, failure.message(args), -1, sourceName, line, column, null, null);
    }

    /** The same failure, placed at a position of a Truffle source (column 0 means the whole line). */
    @TruffleBoundary
    public SluiceException locatedIn(Source source, int atLine, int atColumn) {
        // A text program given as bytes has lines too, but Truffle counts them only in character sources.
        if (source == null || atLine <= 0 || source.hasCharacters() && atLine > Math.max(1, source.getLineCount())) {
            return this;
        }
        SourceSection s = null;
        int col = Math.max(1, atColumn);
        if (source.hasCharacters() && source.getLineCount() >= atLine) {
            int lineLength = source.getLineLength(atLine);
            s = lineLength == 0
                    ? source.createSection(atLine)
                    : source.createSection(atLine, Math.min(col, lineLength), 1);
        }
        return new SluiceException(failure, detail, insn, source.getName(), atLine, col, s, null);
    }

    public FailureKind failure() {
        return failure;
    }

    /** The message without the position prefix. */
    public String detail() {
        return detail;
    }

    /** The instruction index the failure is about, or -1. */
    public int insn() {
        return insn;
    }

    public String sourceName() {
        return sourceName;
    }

    /** 1-based line, or 0 when there is no source position. */
    public int line() {
        return line;
    }

    public int column() {
        return column;
    }

    @ExportMessage
    ExceptionType getExceptionType() {
        return failure.category() == FailureKind.Category.RUNTIME
                ? ExceptionType.RUNTIME_ERROR
                : ExceptionType.PARSE_ERROR;
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
