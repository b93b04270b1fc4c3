package dev.sluice.inetdiag.runtime;

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
 * The one guest exception of the INET-DIAG language: a {@link InetDiagFailure}, its message, the byte offset of the
 * op it is about (or -1), and for filter text the line and column. Embedders see a syntax error for input and
 * checker failures and a runtime error for a socket that cannot be read.
 */
@ExportLibrary(InteropLibrary.class)
public final class InetDiagException extends AbstractTruffleException {
    private static final long serialVersionUID = 1L;

    private final InetDiagFailure failure;
    private final String detail;
    private final int offset;
    private final String sourceName;
    private final int line;
    private final int column;
    private final transient SourceSection section;

    private InetDiagException(InetDiagFailure failure, String detail, int offset, String sourceName, int line, int column, SourceSection section, Node location) {
        super(line > 0 ? (sourceName == null ? "<filter>" : sourceName) + ":" + line + ":" + column + ": " + detail : detail, location);
        this.failure = failure;
        this.detail = detail;
        this.offset = offset;
        this.sourceName = sourceName;
        this.line = line;
        this.column = column;
        this.section = section;
    }

    @TruffleBoundary
    public static InetDiagException create(InetDiagFailure failure, Object... args) {
        return new InetDiagException(failure, failure.message(args), -1, null, 0, 0, null, null);
    }

    /** A checker failure about the op at byte {@code offset}; the message's first argument is that offset. */
    @TruffleBoundary
    public static InetDiagException atOp(int offset, InetDiagFailure failure, Object... args) {
        return new InetDiagException(failure, failure.message(args), offset, null, 0, 0, null, null);
    }

    /** A failure at a 1-based line and column of filter text. */
    @TruffleBoundary
    public static InetDiagException atPosition(String sourceName, int line, int column, InetDiagFailure failure, Object... args) {
        return new InetDiagException(failure, failure.message(args), -1, sourceName, line, column, null, null);
    }

    /** The same failure placed at a line and column of a Truffle source. */
    @TruffleBoundary
    public InetDiagException locatedIn(Source source) {
        if (source == null || line <= 0) {
            return this;
        }
        SourceSection s = null;
        if (source.hasCharacters() && source.getLineCount() >= line) {
            int lineLength = source.getLineLength(line);
            s = lineLength == 0 ? source.createSection(line) : source.createSection(line, Math.min(Math.max(1, column), lineLength), 1);
        }
        return new InetDiagException(failure, detail, offset, source.getName(), line, column, s, null);
    }

    public InetDiagFailure failure() {
        return failure;
    }

    /** The message without a position prefix. */
    public String detail() {
        return detail;
    }

    /** The byte offset of the op the failure is about, or -1. */
    public int offset() {
        return offset;
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
        return failure.kind == InetDiagFailure.Kind.RUNTIME ? ExceptionType.RUNTIME_ERROR : ExceptionType.PARSE_ERROR;
    }

    @ExportMessage
    boolean isExceptionIncompleteSource() {
        return false;
    }

    @ExportMessage
    boolean hasSourceLocation() {
        return section != null;
    }

    @ExportMessage(name = "getSourceLocation")
    @TruffleBoundary
    SourceSection sourceLocation() throws UnsupportedMessageException {
        if (section == null) {
            throw UnsupportedMessageException.create();
        }
        return section;
    }
}
