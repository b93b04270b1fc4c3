package dev.sluice.core.trust;

import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;
import com.oracle.truffle.api.interop.InteropLibrary;
import com.oracle.truffle.api.interop.InvalidArrayIndexException;
import com.oracle.truffle.api.interop.TruffleObject;
import com.oracle.truffle.api.interop.UnknownIdentifierException;
import com.oracle.truffle.api.library.ExportLibrary;
import com.oracle.truffle.api.library.ExportMessage;
import dev.sluice.core.interop.InteropArray;
import java.util.List;

/** Interop views of the measured-load log: an entry (members) and a snapshot of all entries (an array). */
public final class MeasurementObjects {
    private MeasurementObjects() {}

    static final String[] ENTRY_MEMBERS = {"index", "name", "digest", "profile", "options", "chain"};

    @ExportLibrary(InteropLibrary.class)
    public static final class EntryObject implements TruffleObject {
        final MeasuredLoadLog.Entry entry;

        public EntryObject(MeasuredLoadLog.Entry entry) {
            this.entry = entry;
        }

        @ExportMessage
        boolean hasMembers() {
            return true;
        }

        @ExportMessage
        Object getMembers(boolean includeInternal) {
            return new InteropArray(ENTRY_MEMBERS);
        }

        @ExportMessage
        @TruffleBoundary
        boolean isMemberReadable(String member) {
            return List.of(ENTRY_MEMBERS).contains(member);
        }

        @ExportMessage
        @TruffleBoundary
        Object readMember(String member) throws UnknownIdentifierException {
            return switch (member) {
                case "index" -> entry.index();
                case "name" -> entry.name();
                case "digest" -> entry.digest();
                case "profile" -> entry.profile();
                case "options" -> entry.options();
                case "chain" -> entry.chain();
                default -> throw UnknownIdentifierException.create(member);
            };
        }

        @ExportMessage
        @TruffleBoundary
        Object toDisplayString(boolean allowSideEffects) {
            return entry.toString();
        }
    }

    @ExportLibrary(InteropLibrary.class)
    public static final class EntriesObject implements TruffleObject {
        final List<MeasuredLoadLog.Entry> entries;

        public EntriesObject(List<MeasuredLoadLog.Entry> entries) {
            this.entries = entries;
        }

        @ExportMessage
        boolean hasArrayElements() {
            return true;
        }

        @ExportMessage
        long getArraySize() {
            return entries.size();
        }

        @ExportMessage
        boolean isArrayElementReadable(long index) {
            return index >= 0 && index < entries.size();
        }

        @ExportMessage
        @TruffleBoundary
        Object readArrayElement(long index) throws InvalidArrayIndexException {
            if (!isArrayElementReadable(index)) {
                throw InvalidArrayIndexException.create(index);
            }
            return new EntryObject(entries.get((int) index));
        }
    }
}
