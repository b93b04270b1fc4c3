package dev.sluice.inetdiag;

import com.oracle.truffle.api.TruffleLanguage;
import com.oracle.truffle.api.nodes.Node;

/** Per-context state: the language options. */
public final class InetDiagContext {
    private static final TruffleLanguage.ContextReference<InetDiagContext> REFERENCE =
            TruffleLanguage.ContextReference.create(InetDiagLanguage.class);

    private final boolean netAdmin;

    InetDiagContext(TruffleLanguage.Env env) {
        this.netAdmin = env.getOptions().get(InetDiagLanguage.NetAdmin);
    }

    public static InetDiagContext get(Node node) {
        return REFERENCE.get(node);
    }

    public boolean netAdmin() {
        return netAdmin;
    }
}
