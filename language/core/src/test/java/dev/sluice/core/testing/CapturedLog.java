package dev.sluice.core.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;

/** Every message one engine logs, kept for a test to read (compilation and inlining traces). */
public class CapturedLog extends Handler {
    public final List<String> lines = new CopyOnWriteArrayList<>();

    /** Whether some logged line contains every one of {@code parts}. */
    public boolean has(String... parts) {
        return lines.stream().anyMatch(m -> m != null && List.of(parts).stream().allMatch(m::contains));
    }

    @Override
    public void publish(LogRecord r) {
        lines.add(r.getMessage());
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
}
