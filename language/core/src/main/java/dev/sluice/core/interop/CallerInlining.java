package dev.sluice.core.interop;

import com.oracle.truffle.api.CompilerDirectives;

/**
 * Keeps long programs out of their callers' compilations (the host's {@code Value.execute} root). Graal's inliner
 * decides by partially evaluating a callee first, which for a long program costs as much as compiling it (about 1 s of
 * a 4096-instruction filter's compilation), and then refuses it anyway once its graph is over the inlining budget: a
 * long program was compiled twice before its first compiled execution. For a program this long, the call that
 * inlining saves is a few nanoseconds of a run (docs/performance.md, "Cold start").
 */
public final class CallerInlining {
    /** Programs with more instructions than this are compiled on their own, never inlined into a caller. */
    public static final int INSTRUCTION_LIMIT = 1024;

    private CallerInlining() {}

    public static boolean refused(int instructions) {
        return instructions > INSTRUCTION_LIMIT;
    }

    /**
     * Called first in a program root's {@code execute}. When {@code refused}, a caller's compilation that explores the
     * root for inlining stops here, before the program is partially evaluated; compiled as its own root, or
     * interpreted, this does nothing.
     */
    public static void stopExploration(boolean refused) {
        if (refused && CompilerDirectives.inCompiledCode() && !CompilerDirectives.inCompilationRoot()) {
            CompilerDirectives.bailout("a program of more than 1024 instructions is compiled on its own");
        }
    }
}
