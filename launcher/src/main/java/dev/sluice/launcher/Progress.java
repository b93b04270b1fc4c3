package dev.sluice.launcher;

import java.io.PrintStream;

/**
 * A one-line progress indicator on stderr for long runs, shown only when stderr is a terminal (so logs and pipes
 * stay clean) and the run is large enough to need it.
 */
final class Progress implements AutoCloseable {
    /** Inputs smaller than this finish before a human would look at a progress line. */
    static final long THRESHOLD_BYTES = 64L << 20;

    private final PrintStream err;
    private final String label;
    private final long total;
    private long lastShown = -1;

    private Progress(PrintStream err, String label, long total) {
        this.err = err;
        this.label = label;
        this.total = total;
    }

    static Progress start(String label, long totalBytes) {
        boolean show = totalBytes >= THRESHOLD_BYTES && Native.isatty(2) || Boolean.getBoolean("sluice.progress.force");
        return show ? new Progress(System.err, label, totalBytes) : null;
    }

    void update(long doneBytes) {
        long percent = total == 0 ? 100 : doneBytes * 100 / total;
        if (percent != lastShown) {
            lastShown = percent;
            err.print("\r" + label + ": " + percent + "%");
            err.flush();
        }
    }

    @Override
    public void close() {
        err.print("\r" + " ".repeat(label.length() + 6) + "\r");
        err.flush();
    }
}
