package dev.sluice.bpf.nodes;

import com.oracle.truffle.api.Assumption;
import com.oracle.truffle.api.CallTarget;
import com.oracle.truffle.api.CompilerDirectives;
import com.oracle.truffle.api.CompilerDirectives.CompilationFinal;
import com.oracle.truffle.api.TruffleLanguage;
import com.oracle.truffle.api.frame.VirtualFrame;
import com.oracle.truffle.api.nodes.DirectCallNode;
import com.oracle.truffle.api.nodes.RootNode;
import java.util.concurrent.locks.Lock;

/**
 * The root of a swappable filter handle. It caches the installed program in a compilation-final field, guarded by
 * that installation's {@link Assumption}: compiled code treats the program as a constant (the filter's own root is
 * inlined through a {@link DirectCallNode}) and registers a dependency on the assumption instead of checking
 * anything per call. {@link #install} is the only writer: it publishes the new installation and then invalidates the
 * old one's assumption, which throws away every compiled code that depends on the old program.
 *
 * <p>Each evaluation reads the installation once and runs that one program from start to end, so no evaluation mixes
 * two programs. An evaluation that starts after {@code install} returns sees the invalidated assumption (in the
 * interpreter) or can no longer enter the invalidated code (compiled), and re-reads the current installation.
 */
public final class HandleRootNode extends RootNode {
    /** One installed program: its version, the call into it, and the assumption that it is still current. */
    public static final class Installed {
        public final Object filter;
        public final long version;
        final DirectCallNode call;
        final Assumption current;

        Installed(Object filter, long version, DirectCallNode call) {
            this.filter = filter;
            this.version = version;
            this.call = call;
            this.current = Assumption.create("bpf filter handle: version " + version + " is installed");
        }
    }

    private final String name;
    /** Written by {@link #install}; read once per evaluation. */
    private volatile Installed installed;
    /** What compiled code sees as a constant; valid while {@code cached.current} is. */
    @CompilationFinal
    private Installed cached;

    public HandleRootNode(TruffleLanguage<?> language, String name, Object filter, CallTarget target) {
        super(language);
        this.name = name;
        Installed first = new Installed(filter, 0, insert(DirectCallNode.create(target)));
        this.installed = first;
        this.cached = first;
    }

    @Override
    public Object execute(VirtualFrame frame) {
        Installed inst = cached;
        if (!inst.current.isValid()) {
            CompilerDirectives.transferToInterpreterAndInvalidate();
            inst = installed;
            cached = inst;
        }
        return inst.call.call(frame.getArguments());
    }

    /** The installation evaluations that start now use. */
    public Installed installed() {
        return installed;
    }

    /** Installs {@code filter} (whose single-input root is {@code target}) as the next version and returns it. */
    public Installed install(Object filter, CallTarget target) {
        Lock lock = getLock();
        lock.lock();
        try {
            Installed old = installed;
            Installed next = new Installed(filter, old.version + 1, insert(DirectCallNode.create(target)));
            installed = next;
            old.current.invalidate("bpf filter handle: swapped to version " + next.version);
            return next;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public String toString() {
        return name;
    }
}
