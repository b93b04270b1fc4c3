package dev.sluice.bpf;

import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;
import com.oracle.truffle.api.TruffleLanguage;
import com.oracle.truffle.api.interop.InteropLibrary;
import com.oracle.truffle.api.interop.TruffleObject;
import com.oracle.truffle.api.interop.UnknownIdentifierException;
import com.oracle.truffle.api.library.ExportLibrary;
import com.oracle.truffle.api.library.ExportMessage;
import dev.sluice.core.interop.InteropArray;
import dev.sluice.core.trust.MeasurementObjects;

/**
 * The language's top scope, what {@code context.getBindings("bpf")} shows: {@code measurements} (a snapshot array of
 * the measured-load log's entries) and {@code measurement} (the current chain value, 64 hex digits).
 */
@ExportLibrary(InteropLibrary.class)
final class BpfScope implements TruffleObject {
    static final String MEASUREMENTS = "measurements";
    static final String MEASUREMENT = "measurement";

    private final BpfContext context;

    BpfScope(BpfContext context) {
        this.context = context;
    }

    @ExportMessage
    boolean isScope() {
        return true;
    }

    @ExportMessage
    boolean hasLanguage() {
        return true;
    }

    @ExportMessage
    Class<? extends TruffleLanguage<?>> getLanguage() {
        return BpfLanguage.class;
    }

    @ExportMessage
    boolean hasMembers() {
        return true;
    }

    @ExportMessage
    Object getMembers(boolean includeInternal) {
        return new InteropArray(new String[] {MEASUREMENTS, MEASUREMENT});
    }

    @ExportMessage
    boolean isMemberReadable(String member) {
        return MEASUREMENTS.equals(member) || MEASUREMENT.equals(member);
    }

    @ExportMessage
    @TruffleBoundary
    Object readMember(String member) throws UnknownIdentifierException {
        return switch (member) {
            case MEASUREMENTS ->
                new MeasurementObjects.EntriesObject(context.loadLog().entries());
            case MEASUREMENT -> context.loadLog().chain();
            default -> throw UnknownIdentifierException.create(member);
        };
    }

    @ExportMessage
    Object toDisplayString(boolean allowSideEffects) {
        return "bpf";
    }
}
