package dev.sluice.core.interop;

import com.oracle.truffle.api.TruffleLanguage.Env;

/**
 * A language's per-context state as shared nodes see it. Root nodes are given a {@code ContextReference} to it by the
 * language that creates them, so node packages need not depend on the language class (no package cycle).
 */
public interface LanguageContext {
    /** The context's Truffle environment (host object access, files, options). */
    Env env();
}
