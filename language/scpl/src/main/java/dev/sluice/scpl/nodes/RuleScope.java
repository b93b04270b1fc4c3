package dev.sluice.scpl.nodes;

import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;
import com.oracle.truffle.api.TruffleLanguage;
import com.oracle.truffle.api.interop.InteropLibrary;
import com.oracle.truffle.api.interop.TruffleObject;
import com.oracle.truffle.api.interop.UnknownIdentifierException;
import com.oracle.truffle.api.library.ExportLibrary;
import com.oracle.truffle.api.library.ExportMessage;
import com.oracle.truffle.api.memory.ByteArraySupport;
import dev.sluice.core.interop.InteropArray;
import dev.sluice.scpl.policy.Rule;
import java.util.ArrayList;
import java.util.List;

/**
 * The variables a debugger shows at a rule: the fields of struct seccomp_data as the policy reads them ({@code nr},
 * {@code arch} as an unsigned 32-bit value, {@code instruction_pointer}, {@code arg0} to {@code arg5} as 64-bit
 * values) and the rule's resolved {@code condition} ({@code always} for a rule without one) and {@code action}. A
 * snapshot: the call's bytes are copied when the scope is taken. Without a frame (a static view) only the rule's
 * members are there.
 */
@ExportLibrary(InteropLibrary.class)
final class RuleScope implements TruffleObject {
    static final String NR = "nr";
    static final String ARCH = "arch";
    static final String INSTRUCTION_POINTER = "instruction_pointer";
    static final String CONDITION = "condition";
    static final String ACTION = "action";

    private final byte[] data;
    private final boolean bigEndian;
    private final Rule rule;
    private final Class<? extends TruffleLanguage<?>> language;

    RuleScope(byte[] data, boolean bigEndian, Rule rule, Class<? extends TruffleLanguage<?>> language) {
        this.data = data;
        this.bigEndian = bigEndian;
        this.rule = rule;
        this.language = language;
    }

    @TruffleBoundary
    private String[] members() {
        List<String> names = new ArrayList<>();
        if (data != null) {
            names.addAll(List.of(NR, ARCH, INSTRUCTION_POINTER));
            for (int i = 0; i < 6; i++) {
                names.add("arg" + i);
            }
        }
        names.add(CONDITION);
        names.add(ACTION);
        return names.toArray(new String[0]);
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
        return new InteropArray(members());
    }

    @ExportMessage
    @TruffleBoundary
    boolean isMemberReadable(String member) {
        return List.of(members()).contains(member);
    }

    @ExportMessage
    @TruffleBoundary
    Object readMember(String member) throws UnknownIdentifierException {
        if (CONDITION.equals(member)) {
            return rule.condition() == null ? "always" : rule.condition().toString();
        }
        if (ACTION.equals(member)) {
            return rule.action().toString();
        }
        if (data != null) {
            ByteArraySupport access = bigEndian ? ByteArraySupport.bigEndian() : ByteArraySupport.littleEndian();
            switch (member) {
                case NR:
                    return access.getInt(data, 0);
                case ARCH:
                    return Integer.toUnsignedLong(access.getInt(data, 4));
                case INSTRUCTION_POINTER:
                    return access.getLong(data, 8);
                default:
                    if (member.length() == 4
                            && member.startsWith("arg")
                            && member.charAt(3) >= '0'
                            && member.charAt(3) <= '5') {
                        return access.getLong(data, 16 + 8 * (member.charAt(3) - '0'));
                    }
            }
        }
        throw UnknownIdentifierException.create(member);
    }

    @ExportMessage
    @TruffleBoundary
    Object toDisplayString(@SuppressWarnings("unused") boolean allowSideEffects) {
        return "the call at the rule at " + rule.where();
    }
}
