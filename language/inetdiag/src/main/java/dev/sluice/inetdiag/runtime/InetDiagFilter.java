package dev.sluice.inetdiag.runtime;

import com.oracle.truffle.api.CallTarget;
import com.oracle.truffle.api.interop.ArityException;
import com.oracle.truffle.api.interop.InteropLibrary;
import com.oracle.truffle.api.interop.TruffleObject;
import com.oracle.truffle.api.library.ExportLibrary;
import com.oracle.truffle.api.library.ExportMessage;
import dev.sluice.inetdiag.lower.LoweredFilter;

/**
 * A checked INET-DIAG filter as embedders get it: executable with one socket (a record or an object, see
 * {@link SocketRecord}), answering whether the filter selects it.
 */
@ExportLibrary(InteropLibrary.class)
public final class InetDiagFilter implements TruffleObject {
    private final LoweredFilter lowered;
    private final CallTarget target;

    public InetDiagFilter(LoweredFilter lowered, CallTarget target) {
        this.lowered = lowered;
        this.target = target;
    }

    public LoweredFilter lowered() {
        return lowered;
    }

    /** The checked bytecode (a copy). */
    public byte[] bytecode() {
        return lowered.bytecode().clone();
    }

    /** Runs the filter through its call target (compiled once hot). */
    public boolean matches(SocketEntry entry) {
        return (Boolean) target.call(entry);
    }

    @ExportMessage
    boolean isExecutable() {
        return true;
    }

    @ExportMessage
    Object execute(Object[] arguments) throws ArityException {
        if (arguments.length != 1) {
            throw ArityException.create(1, 1, arguments.length);
        }
        return target.call(SocketRecord.fromInterop(arguments[0]));
    }

    @ExportMessage
    Object toDisplayString(@SuppressWarnings("unused") boolean allowSideEffects) {
        return "inetdiag filter (" + lowered.bytecode().length + " bytes, " + lowered.size() + " ops)";
    }
}
