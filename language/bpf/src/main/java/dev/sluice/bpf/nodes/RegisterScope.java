package dev.sluice.bpf.nodes;

import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;
import com.oracle.truffle.api.TruffleLanguage;
import com.oracle.truffle.api.interop.InteropLibrary;
import com.oracle.truffle.api.interop.InvalidArrayIndexException;
import com.oracle.truffle.api.interop.TruffleObject;
import com.oracle.truffle.api.interop.UnknownIdentifierException;
import com.oracle.truffle.api.library.ExportLibrary;
import com.oracle.truffle.api.library.ExportMessage;
import dev.sluice.bpf.isa.Opcodes;
import dev.sluice.core.interop.InteropArray;

/**
 * The variables a debugger shows at an instruction: {@code A}, {@code X} and {@code M} (the scratch memory, an array
 * of 16 words), unsigned 32-bit values as the kernel's u32 registers. Without a frame (a static view) it has no
 * members. A snapshot: the registers are copied when the scope is taken.
 */
@ExportLibrary(InteropLibrary.class)
final class RegisterScope implements TruffleObject {
    static final String A = "A";
    static final String X = "X";
    static final String M = "M";
    /** Register file layout, as {@link FilterBodyNode} keeps it: A, X, then M[0..15]. */
    private static final int A_INDEX = 0, X_INDEX = 1, M_INDEX = 2;

    private final int[] registers;
    private final int pc;
    private final Class<? extends TruffleLanguage<?>> language;

    RegisterScope(int[] registers, int pc, Class<? extends TruffleLanguage<?>> language) {
        this.registers = registers;
        this.pc = pc;
        this.language = language;
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
        return language;
    }

    @ExportMessage
    boolean hasMembers() {
        return true;
    }

    @ExportMessage
    Object getMembers(@SuppressWarnings("unused") boolean includeInternal) {
        return new InteropArray(registers == null ? new String[0] : new String[] {A, X, M});
    }

    @ExportMessage
    boolean isMemberReadable(String member) {
        return registers != null && (A.equals(member) || X.equals(member) || M.equals(member));
    }

    @ExportMessage
    @TruffleBoundary
    Object readMember(String member) throws UnknownIdentifierException {
        if (registers != null) {
            switch (member) {
                case A:
                    return Integer.toUnsignedLong(registers[A_INDEX]);
                case X:
                    return Integer.toUnsignedLong(registers[X_INDEX]);
                case M:
                    return new ScratchMemory(registers);
                default:
                    break;
            }
        }
        throw UnknownIdentifierException.create(member);
    }

    @ExportMessage
    @TruffleBoundary
    Object toDisplayString(@SuppressWarnings("unused") boolean allowSideEffects) {
        return "registers at instruction " + pc;
    }

    /** M[0..15] as an interop array of unsigned 32-bit values. */
    @ExportLibrary(InteropLibrary.class)
    static final class ScratchMemory implements TruffleObject {
        private final int[] registers;

        ScratchMemory(int[] registers) {
            this.registers = registers;
        }

        @ExportMessage
        boolean hasArrayElements() {
            return true;
        }

        @ExportMessage
        long getArraySize() {
            return Opcodes.MEMWORDS;
        }

        @ExportMessage
        boolean isArrayElementReadable(long index) {
            return index >= 0 && index < Opcodes.MEMWORDS;
        }

        @ExportMessage
        Object readArrayElement(long index) throws InvalidArrayIndexException {
            if (index < 0 || index >= Opcodes.MEMWORDS) {
                throw InvalidArrayIndexException.create(index);
            }
            return Integer.toUnsignedLong(registers[M_INDEX + (int) index]);
        }

        @ExportMessage
        @TruffleBoundary
        Object toDisplayString(@SuppressWarnings("unused") boolean allowSideEffects) {
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < Opcodes.MEMWORDS; i++) {
                sb.append(i == 0 ? "" : ", ").append(Integer.toUnsignedLong(registers[M_INDEX + i]));
            }
            return sb.append(']').toString();
        }
    }
}
