package dev.sluice.ebpf;

import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;
import com.oracle.truffle.api.interop.InteropLibrary;
import com.oracle.truffle.api.interop.TruffleObject;
import com.oracle.truffle.api.interop.UnknownIdentifierException;
import com.oracle.truffle.api.library.ExportLibrary;
import com.oracle.truffle.api.library.ExportMessage;
import dev.sluice.core.interop.InteropArray;
import dev.sluice.ebpf.maps.EbpfMap;
import dev.sluice.ebpf.runtime.MapTable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What evaluating an ELF object gives: {@code programs} (by section name, and by {@code section/function} and
 * function name), {@code maps} (by name; all programs of the object share them) and {@code license}.
 */
@ExportLibrary(InteropLibrary.class)
public final class EbpfObjectValue implements TruffleObject {
    private final Map<String, EbpfProgram> programs;
    private final EbpfMap[] maps;
    private final String license;

    public EbpfObjectValue(Map<String, EbpfProgram> programs, EbpfMap[] maps, String license) {
        this.programs = new LinkedHashMap<>(programs);
        this.maps = maps;
        this.license = license == null ? "" : license;
    }

    @ExportMessage
    boolean hasMembers() {
        return true;
    }

    @ExportMessage
    Object getMembers(@SuppressWarnings("unused") boolean includeInternal) {
        return new InteropArray("programs", "maps", "license");
    }

    @ExportMessage
    boolean isMemberReadable(String member) {
        return member.equals("programs") || member.equals("maps") || member.equals("license");
    }

    @ExportMessage
    @TruffleBoundary
    Object readMember(String member) throws UnknownIdentifierException {
        return switch (member) {
            case "programs" -> new Programs(programs);
            case "maps" -> new MapTable(maps);
            case "license" -> license;
            default -> throw UnknownIdentifierException.create(member);
        };
    }

    /** The programs by name. */
    @ExportLibrary(InteropLibrary.class)
    static final class Programs implements TruffleObject {
        private final Map<String, EbpfProgram> byName;

        Programs(Map<String, EbpfProgram> byName) {
            this.byName = byName;
        }

        @ExportMessage
        boolean hasMembers() {
            return true;
        }

        @ExportMessage
        @TruffleBoundary
        Object getMembers(@SuppressWarnings("unused") boolean includeInternal) {
            return new InteropArray(byName.keySet().toArray());
        }

        @ExportMessage
        @TruffleBoundary
        boolean isMemberReadable(String member) {
            return byName.containsKey(member);
        }

        @ExportMessage
        @TruffleBoundary
        Object readMember(String member) throws UnknownIdentifierException {
            EbpfProgram p = byName.get(member);
            if (p == null) {
                throw UnknownIdentifierException.create(member);
            }
            return p;
        }
    }
}
