package dev.sluice.scpl;

import com.oracle.truffle.api.TruffleLanguage.ContextReference;
import com.oracle.truffle.api.TruffleLanguage.Env;
import com.oracle.truffle.api.nodes.Node;
import dev.sluice.core.error.CoreFailure;
import dev.sluice.core.error.SluiceException;
import dev.sluice.core.interop.LanguageContext;
import dev.sluice.core.seccomp.Arch;
import dev.sluice.scpl.syscalls.SyscallTable;

/** Per-context state: the environment and the {@code scpl.Arch} option. */
public final class ScplContext implements LanguageContext {
    static final ContextReference<ScplContext> REFERENCE = ContextReference.create(ScplLanguage.class);

    private final Env env;
    private final Arch arch;

    ScplContext(Env env) {
        this.env = env;
        this.arch = env.getOptions().get(ScplLanguage.Arch);
        // A value given is checked when the context is built; the default (the host's arch) is not converted.
        if (!SyscallTable.SUPPORTED.contains(arch)) {
            throw SluiceException.create(
                    CoreFailure.BAD_OPTION, "scpl.Arch: SCPL has no syscall table for " + arch.token());
        }
    }

    public static ScplContext get(Node node) {
        return REFERENCE.get(node);
    }

    @Override
    public Env env() {
        return env;
    }

    public Arch arch() {
        return arch;
    }
}
