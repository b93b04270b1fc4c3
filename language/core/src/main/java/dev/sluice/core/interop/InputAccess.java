package dev.sluice.core.interop;

import com.oracle.truffle.api.CompilerDirectives;
import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;
import com.oracle.truffle.api.TruffleLanguage.Env;
import com.oracle.truffle.api.interop.InteropException;
import com.oracle.truffle.api.interop.InteropLibrary;
import com.oracle.truffle.api.nodes.Node;
import dev.sluice.core.error.CoreFailure;
import dev.sluice.core.error.SluiceException;
import java.nio.ByteBuffer;

/**
 * Turns guest-call arguments into Java arrays. A host {@code byte[]} / {@code int[]} is used in place (the fast
 * path); other interop buffers and arrays are copied once per call. {@link #copy} is for languages whose programs
 * write their input (eBPF): it never hands out the caller's array.
 */
public final class InputAccess {
    private InputAccess() {}

    public static byte[] bytes(Object o, Env env, Node node) {
        byte[] host = hostBytes(o, env);
        return host != null ? host : copyBytes(o, env, node);
    }

    /** A fresh byte[] with the argument's bytes; null (the guest's or the host's) is the empty input. */
    public static byte[] copy(Object o, Env env, Node node) {
        byte[] host = hostBytes(o, env);
        if (host != null) {
            return host.clone();
        }
        return copyOrEmpty(o, env, node);
    }

    @TruffleBoundary
    private static byte[] copyOrEmpty(Object o, Env env, Node node) {
        if (o == null || InteropLibrary.getUncached(o).isNull(o)) {
            return new byte[0];
        }
        return copyBytes(o, env, node);
    }

    /** The host byte[] itself (no copy), or null when {@code o} is not one. */
    public static byte[] hostBytes(Object o, Env env) {
        if (o instanceof byte[] b) {
            return b;
        }
        return env.isHostObject(o) && env.asHostObject(o) instanceof byte[] b ? b : null;
    }

    /** The host int[] itself, or null when {@code o} is not one. */
    public static int[] hostInts(Object o, Env env) {
        if (o instanceof int[] a) {
            return a;
        }
        return env.isHostObject(o) && env.asHostObject(o) instanceof int[] a ? a : null;
    }

    /** The host long[] itself, or null when {@code o} is not one. */
    public static long[] hostLongs(Object o, Env env) {
        if (o instanceof long[] a) {
            return a;
        }
        return env.isHostObject(o) && env.asHostObject(o) instanceof long[] a ? a : null;
    }

    @TruffleBoundary
    private static byte[] copyBytes(Object o, Env env, Node node) {
        if (env.isHostObject(o) && env.asHostObject(o) instanceof ByteBuffer bb) {
            ByteBuffer dup = bb.duplicate();
            byte[] out = new byte[dup.remaining()];
            dup.get(out);
            return out;
        }
        InteropLibrary lib = InteropLibrary.getUncached(o);
        try {
            if (lib.hasBufferElements(o)) {
                long size = lib.getBufferSize(o);
                if (size > Integer.MAX_VALUE - 8) {
                    throw SluiceException.atNode(
                            node, CoreFailure.BAD_INPUT, "input buffer is too large: " + size + " bytes");
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
                    throw SluiceException.atNode(
                            node, CoreFailure.BAD_INPUT, "input array is too large: " + size + " elements");
                }
                byte[] out = new byte[(int) size];
                for (int i = 0; i < out.length; i++) {
                    Object e = lib.readArrayElement(o, i);
                    InteropLibrary el = InteropLibrary.getUncached(e);
                    // signed or unsigned byte values both read as the byte: -1 and 255 are 0xff
                    if (!el.fitsInInt(e) || el.asInt(e) < -128 || el.asInt(e) > 255) {
                        throw SluiceException.atNode(
                                node, CoreFailure.BAD_INPUT, "input element " + i + " is not a byte value");
                    }
                    out[i] = (byte) el.asInt(e);
                }
                return out;
            }
        } catch (InteropException e) {
            throw SluiceException.atNode(node, CoreFailure.BAD_INPUT, "cannot read input: " + e.getMessage());
        }
        throw SluiceException.atNode(
                node, CoreFailure.BAD_INPUT, "expected a byte array or buffer as input, got " + describe(o));
    }

    /** An int[] argument (offsets, lengths, verdicts out), or null when the argument is null / absent. */
    public static int[] intsOrNull(Object o, Env env, Node node, String what) {
        if (o == null) {
            return null;
        }
        if (o instanceof int[] a) {
            return a;
        }
        if (env.isHostObject(o)) {
            Object host = env.asHostObject(o);
            if (host instanceof int[] a) {
                return a;
            }
            if (host == null) {
                return null;
            }
        }
        if (InteropLibrary.getUncached().isNull(o)) {
            return null;
        }
        CompilerDirectives.transferToInterpreter();
        throw SluiceException.atNode(node, CoreFailure.BAD_INPUT, what + " must be an int[], got " + describe(o));
    }

    public static int intArg(Object o, Node node, String what) {
        if (o instanceof Integer i) {
            return i;
        }
        InteropLibrary lib = InteropLibrary.getUncached(o);
        if (lib.fitsInInt(o)) {
            try {
                return lib.asInt(o);
            } catch (InteropException e) {
                // fall through to the error
            }
        }
        CompilerDirectives.transferToInterpreter();
        throw SluiceException.atNode(node, CoreFailure.BAD_INPUT, what + " must be an int, got " + describe(o));
    }

    @TruffleBoundary
    static String describe(Object o) {
        if (o == null) {
            return "null";
        }
        InteropLibrary lib = InteropLibrary.getUncached(o);
        return String.valueOf(lib.toDisplayString(o, false));
    }
}
