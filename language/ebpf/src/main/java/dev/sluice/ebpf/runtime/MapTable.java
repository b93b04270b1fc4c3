package dev.sluice.ebpf.runtime;

import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;
import com.oracle.truffle.api.interop.InteropLibrary;
import com.oracle.truffle.api.interop.InvalidArrayIndexException;
import com.oracle.truffle.api.interop.TruffleObject;
import com.oracle.truffle.api.interop.UnknownIdentifierException;
import com.oracle.truffle.api.library.ExportLibrary;
import com.oracle.truffle.api.library.ExportMessage;
import dev.sluice.core.interop.InteropArray;
import dev.sluice.ebpf.maps.EbpfMap;

/** A program's maps: members by name, and array elements by index (the fd a program's lddw uses). */
@ExportLibrary(InteropLibrary.class)
public final class MapTable implements TruffleObject {
    private final EbpfMap[] maps;

    public MapTable(EbpfMap[] maps) {
        this.maps = maps;
    }

    @ExportMessage
    boolean hasMembers() {
        return true;
    }

    @ExportMessage
    @TruffleBoundary
    Object getMembers(@SuppressWarnings("unused") boolean includeInternal) {
        Object[] names = new Object[maps.length];
        for (int i = 0; i < maps.length; i++) {
            names[i] = maps[i].name();
        }
        return new InteropArray(names);
    }

    @ExportMessage
    @TruffleBoundary
    boolean isMemberReadable(String member) {
        return find(member) != null;
    }

    @ExportMessage
    @TruffleBoundary
    Object readMember(String member) throws UnknownIdentifierException {
        EbpfMap m = find(member);
        if (m == null) {
            throw UnknownIdentifierException.create(member);
        }
        return m;
    }

    private EbpfMap find(String name) {
        for (EbpfMap m : maps) {
            if (m.name().equals(name)) {
                return m;
            }
        }
        return null;
    }

    @ExportMessage
    boolean hasArrayElements() {
        return true;
    }

    @ExportMessage
    long getArraySize() {
        return maps.length;
    }

    @ExportMessage
    boolean isArrayElementReadable(long i) {
        return i >= 0 && i < maps.length;
    }

    @ExportMessage
    Object readArrayElement(long i) throws InvalidArrayIndexException {
        if (i < 0 || i >= maps.length) {
            throw InvalidArrayIndexException.create(i);
        }
        return maps[(int) i];
    }
}
