package dev.sluice.ebpf.runtime;

import java.nio.ByteBuffer;

import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;
import com.oracle.truffle.api.TruffleLanguage.Env;
import com.oracle.truffle.api.interop.InteropException;
import com.oracle.truffle.api.interop.InteropLibrary;
import com.oracle.truffle.api.nodes.Node;

/** Copies a guest-call argument (host byte[], ByteBuffer, interop buffer or array of numbers) into a fresh byte[]. */
public final class InputBytes {
    private InputBytes() {
    }

    public static byte[] copy(Object o, Env env, Node node) {
        if (env.isHostObject(o) && env.asHostObject(o) instanceof byte[] b) {
            return b.clone();
        }
        return copySlow(o, env, node);
    }

    /** The host byte[] itself (no copy), or null when {@code o} is not one. */
    public static byte[] hostBytes(Object o, Env env) {
        return env.isHostObject(o) && env.asHostObject(o) instanceof byte[] b ? b : null;
    }

    public static int[] hostInts(Object o, Env env) {
        return env.isHostObject(o) && env.asHostObject(o) instanceof int[] b ? b : null;
    }

    public static long[] hostLongs(Object o, Env env) {
        return env.isHostObject(o) && env.asHostObject(o) instanceof long[] b ? b : null;
    }

    @TruffleBoundary
    private static byte[] copySlow(Object o, Env env, Node node) {
        if (env.isHostObject(o) && env.asHostObject(o) instanceof ByteBuffer bb) {
            ByteBuffer dup = bb.duplicate();
            byte[] out = new byte[dup.remaining()];
            dup.get(out);
            return out;
        }
        InteropLibrary lib = InteropLibrary.getUncached(o);
        try {
            if (lib.isNull(o)) {
                return new byte[0];
            }
            if (lib.hasBufferElements(o)) {
                long size = lib.getBufferSize(o);
                if (size > Integer.MAX_VALUE - 8) {
                    throw EbpfException.atNode(node, -1, EbpfFailure.BAD_INPUT, "input buffer is too large: " + size + " bytes");
                }
                byte[] out = new byte[(int) size];
                for (int i = 0; i < out.length; i++) {
                    out[i] = lib.readBufferByte(o, i);
                }
                return out;
            }
            if (lib.hasArrayElements(o)) {
                long size = lib.getArraySize(o);
                if (size > Integer.MAX_VALUE - 8) {
                    throw EbpfException.atNode(node, -1, EbpfFailure.BAD_INPUT, "input array is too large: " + size + " elements");
                }
                byte[] out = new byte[(int) size];
                for (int i = 0; i < out.length; i++) {
                    Object e = lib.readArrayElement(o, i);
                    InteropLibrary el = InteropLibrary.getUncached(e);
                    if (!el.fitsInInt(e) || el.asInt(e) < -128 || el.asInt(e) > 255) {
                        throw EbpfException.atNode(node, -1, EbpfFailure.BAD_INPUT, "input element " + i + " is not a byte value");
                    }
                    out[i] = (byte) el.asInt(e);
                }
                return out;
            }
        } catch (InteropException e) {
            throw EbpfException.atNode(node, -1, EbpfFailure.BAD_INPUT, "cannot read input: " + e.getMessage());
        }
        throw EbpfException.atNode(node, -1, EbpfFailure.BAD_INPUT, "expected a byte array or buffer as input");
    }
}
