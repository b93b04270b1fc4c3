package dev.sluice.ebpf.nodes;

import java.util.concurrent.ThreadLocalRandom;

import com.oracle.truffle.api.CompilerDirectives;
import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;

import dev.sluice.ebpf.runtime.Helper;
import dev.sluice.ebpf.runtime.RunState;

/** The helper functions' implementations, called with r1-r5; each returns r0. */
final class Helpers {
    private Helpers() {
    }

    static long call(Helper helper, RunState state, long r1, long r2, long r3, long r4, long r5) {
        switch (helper) {
            case KTIME_GET_NS:
                return nanoTime();
            case GET_PRANDOM_U32:
                return random() & 0xffffffffL;
            case GET_SMP_PROCESSOR_ID:
                return 0; // one CPU: the per-CPU maps have one slot
            default:
                throw CompilerDirectives.shouldNotReachHere("helper " + helper);
        }
    }

    @TruffleBoundary
    private static long nanoTime() {
        return System.nanoTime();
    }

    @TruffleBoundary
    private static int random() {
        return ThreadLocalRandom.current().nextInt();
    }
}
