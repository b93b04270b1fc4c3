package dev.sluice.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.proxy.ProxyObject;
import org.junit.jupiter.api.Test;

/**
 * A socket filter's packet metadata may place skb->data inside the input ({@code dataOffset}, the link-layer header
 * before it). Packet loads count from there; an offset outside the input is the caller's error, refused with a clear
 * message before any load runs (the loads rely on the packet lying inside the input).
 */
class DataOffsetTest {
    private static final String FIRST_WORD = "ld [0]\nret a\n";

    private static Value filter(Context ctx) {
        return ctx.eval(Source.newBuilder("bpf", FIRST_WORD, "first-word.asm")
                .mimeType("text/x-bpf")
                .buildLiteral());
    }

    private static Context context() {
        return Context.newBuilder("bpf").option("bpf.Profile", "socket").build();
    }

    @Test
    void loadsCountFromTheDataOffset() {
        byte[] input = new byte[20];
        for (int i = 0; i < input.length; i++) {
            input[i] = (byte) i;
        }
        try (Context ctx = context()) {
            Value f = filter(ctx);
            assertEquals(0x00010203L, f.execute(input).asLong());
            assertEquals(
                    0x0e0f1011L,
                    f.execute(input, ProxyObject.fromMap(Map.of("dataOffset", 14)))
                            .asLong());
            // Four bytes from offset 17 run past the input's end: the load fails and the filter returns 0.
            assertEquals(
                    0L,
                    f.execute(input, ProxyObject.fromMap(Map.of("dataOffset", 17)))
                            .asLong());
            assertEquals(
                    0L,
                    f.execute(input, ProxyObject.fromMap(Map.of("dataOffset", 20)))
                            .asLong());
        }
    }

    @Test
    void anOffsetOutsideTheInputIsRefused() {
        byte[] input = new byte[20];
        try (Context ctx = context()) {
            Value f = filter(ctx);
            for (int offset : new int[] {-1, -14, 21, Integer.MIN_VALUE}) {
                PolyglotException e = assertThrows(
                        PolyglotException.class,
                        () -> f.execute(input, ProxyObject.fromMap(Map.of("dataOffset", offset))));
                assertTrue(e.isGuestException(), offset + ": " + e);
                assertFalse(e.isInternalError(), offset + ": " + e);
                assertTrue(
                        e.getMessage().contains("dataOffset " + offset + " is outside the input of 20 bytes"),
                        e.getMessage());
            }
        }
    }
}
