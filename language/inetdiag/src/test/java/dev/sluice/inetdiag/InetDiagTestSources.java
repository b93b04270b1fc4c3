package dev.sluice.inetdiag;

import dev.sluice.core.testing.EngineMode;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.HostAccess;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.io.ByteSequence;

/**
 * Filters and contexts for the INET-DIAG tests (the engines and their modes are core's {@link EngineMode}): a socket is
 * a host object, so contexts let the guest read host arrays and buffers.
 */
public final class InetDiagTestSources {
    private InetDiagTestSources() {}

    /** An engine of the inetdiag language in {@code mode}, compiling only its own roots. */
    public static Engine engine(EngineMode mode) {
        return mode.newEngine("inetdiag", "inetdiag-");
    }

    public static Context.Builder contextBuilder(EngineMode mode, Engine engine) {
        return mode.contextBuilder("inetdiag", engine)
                .allowHostAccess(HostAccess.newBuilder(HostAccess.EXPLICIT)
                        .allowArrayAccess(true)
                        .allowBufferAccess(true)
                        .build());
    }

    /** A source of filter text in ss's syntax. */
    public static Source filter(String text) {
        return Source.newBuilder("inetdiag", text, "filter")
                .mimeType("text/x-ss-filter")
                .buildLiteral();
    }

    /** A source of raw bytecode. */
    public static Source bytecode(byte[] code, String name) {
        return Source.newBuilder("inetdiag", ByteSequence.create(code), name).buildLiteral();
    }
}
