package dev.sluice.bpf;

import com.oracle.truffle.api.CallTarget;
import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;
import com.oracle.truffle.api.dsl.Cached;
import com.oracle.truffle.api.interop.InteropLibrary;
import com.oracle.truffle.api.interop.TruffleObject;
import com.oracle.truffle.api.interop.UnknownIdentifierException;
import com.oracle.truffle.api.library.ExportLibrary;
import com.oracle.truffle.api.library.ExportMessage;
import com.oracle.truffle.api.nodes.IndirectCallNode;
import dev.sluice.bpf.nodes.HandleRootNode;
import dev.sluice.bpf.runtime.Failure;
import dev.sluice.core.error.SluiceException;
import dev.sluice.core.interop.CallTargetDispatchNode;
import dev.sluice.core.interop.InteropArray;

/**
 * A filter whose program can be replaced while other threads run it (live replacement). Executable like
 * {@link BpfFilter}: {@code handle.execute(input[, meta])}. Members: {@code swap(filter)} installs another filter of the
 * same profile and arch and returns the new version; {@code version} (0 for the first program, +1 per swap) and
 * {@code filter} (the installed filter) are readable; {@code runBatch}, {@code runRecords} and {@code runPcap} run the
 * installed filter's batch entry points, one program for the whole batch.
 *
 * <p>Guarantees (see {@link HandleRootNode}): compiled code that depends on the old program is invalidated by the
 * swap; an evaluation that starts after {@code swap} returned never returns a verdict of an older program; no
 * evaluation sees a mix of two programs.
 */
@ExportLibrary(InteropLibrary.class)
public final class FilterHandle implements TruffleObject {
    static final String SWAP = "swap";
    static final String VERSION = "version";
    static final String FILTER = "filter";

    private final HandleRootNode root;
    final CallTarget target;
    private final String profile;
    private final String arch;

    public FilterHandle(BpfLanguage language, BpfFilter initial) {
        this.profile = initial.lowered().profile().id();
        this.arch = initial.arch().token();
        this.root = new HandleRootNode(language, "bpf-" + profile + "-handle", initial, initial.single);
        this.target = root.getCallTarget();
    }

    /** Installs {@code next}; evaluations that start after this returns run it. Returns the new version. */
    @TruffleBoundary
    public long swap(BpfFilter next) {
        if (!next.lowered().profile().id().equals(profile)
                || !next.arch().token().equals(arch)) {
            throw SluiceException.create(
                    Failure.HANDLE_SWAP,
                    "the handle runs " + profile + " filters for " + arch + ", the new filter is "
                            + next.lowered().profile().id() + " for "
                            + next.arch().token());
        }
        return root.install(next, next.single).version;
    }

    /** The installed filter. */
    public BpfFilter current() {
        return (BpfFilter) root.installed().filter;
    }

    public long version() {
        return root.installed().version;
    }

    @ExportMessage
    boolean isExecutable() {
        return true;
    }

    @ExportMessage
    Object execute(Object[] arguments, @Cached CallTargetDispatchNode dispatch) {
        return dispatch.execute(target, arguments);
    }

    @ExportMessage
    boolean hasMembers() {
        return true;
    }

    @ExportMessage
    Object getMembers(boolean includeInternal) {
        return new InteropArray(
                new String[] {SWAP, VERSION, FILTER, BpfFilter.RUN_BATCH, BpfFilter.RUN_RECORDS, BpfFilter.RUN_PCAP});
    }

    @ExportMessage
    boolean isMemberInvocable(String member) {
        return SWAP.equals(member)
                || BpfFilter.RUN_BATCH.equals(member)
                || BpfFilter.RUN_RECORDS.equals(member)
                || BpfFilter.RUN_PCAP.equals(member);
    }

    @ExportMessage
    boolean isMemberReadable(String member) {
        return VERSION.equals(member) || FILTER.equals(member);
    }

    @ExportMessage
    Object readMember(String member) throws UnknownIdentifierException {
        return switch (member) {
            case VERSION -> version();
            case FILTER -> current();
            default -> throw UnknownIdentifierException.create(member);
        };
    }

    @ExportMessage
    Object invokeMember(String member, Object[] arguments, @Cached IndirectCallNode call)
            throws UnknownIdentifierException {
        if (SWAP.equals(member)) {
            if (arguments.length != 1 || !(arguments[0] instanceof BpfFilter next)) {
                throw SluiceException.create(Failure.HANDLE_SWAP, "swap takes one argument, a bpf filter");
            }
            return swap(next);
        }
        BpfFilter filter = current();
        CallTarget batch = filter.batchTarget(member);
        if (batch == null) {
            throw UnknownIdentifierException.create(member);
        }
        return call.call(batch, arguments);
    }

    @ExportMessage
    @TruffleBoundary
    Object toDisplayString(boolean allowSideEffects) {
        return "bpf filter handle (version " + version() + ", " + profile + ", " + arch + ")";
    }
}
