package dev.sluice.bpf.formats;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

final class FormatTestSupport {
    private FormatTestSupport() {}

    /** A test resource under /formats/ as UTF-8 text; fails the test if missing. */
    static String resource(String path) {
        try (InputStream in = FormatTestSupport.class.getResourceAsStream("/formats/" + path)) {
            if (in == null) {
                throw new AssertionError("missing test resource /formats/" + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
