package dev.sluice.ebpf.nodes;

import com.oracle.truffle.api.CompilerDirectives;
import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;
import com.oracle.truffle.api.nodes.Node;
import dev.sluice.core.error.SluiceException;
import dev.sluice.ebpf.maps.EbpfMap;
import dev.sluice.ebpf.maps.MapType;
import dev.sluice.ebpf.maps.TailCallTarget;
import dev.sluice.ebpf.runtime.EbpfFailure;
import dev.sluice.ebpf.runtime.Helper;
import dev.sluice.ebpf.runtime.MapAddress;
import dev.sluice.ebpf.runtime.Memory;
import dev.sluice.ebpf.runtime.RunState;
import dev.sluice.ebpf.runtime.TailCall;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The helper functions' implementations, called with r1-r5; each returns r0. Pointer arguments go through the same
 * guard as loads and stores, so a helper never reads or writes outside a region. Argument errors the kernel's
 * verifier would have rejected (a map argument that is not a map) are guest errors naming the call.
 */
final class Helpers {
    private static final int EFAULT = 14;

    private Helpers() {}

    static long call(Helper helper, RunState state, long r1, long r2, long r3, long r4, long r5, int pc, Node node) {
        switch (helper) {
            case MAP_LOOKUP_ELEM: {
                EbpfMap map = dataMap(state, r1, helper, pc, node);
                int entry = map.lookup(
                        MemoryGuard.copyOut(state.memory, r2, map.spec().keySize(), pc, node));
                return entry < 0 ? 0 : Memory.mapValuePointer(MapAddress.map(r1), entry, 0);
            }
            case MAP_UPDATE_ELEM: {
                EbpfMap map = writableDataMap(state, r1, helper, pc, node);
                byte[] key = MemoryGuard.copyOut(state.memory, r2, map.spec().keySize(), pc, node);
                byte[] value = MemoryGuard.copyOut(state.memory, r3, map.spec().valueSize(), pc, node);
                return map.update(key, value, r4);
            }
            case MAP_DELETE_ELEM: {
                EbpfMap map = writableDataMap(state, r1, helper, pc, node);
                return map.delete(
                        MemoryGuard.copyOut(state.memory, r2, map.spec().keySize(), pc, node));
            }
            case KTIME_GET_NS:
                return nanoTime();
            case TRACE_PRINTK: {
                int size = (int) Math.min(Math.max(r2, 0), 4096);
                byte[] format = MemoryGuard.copyOut(state.memory, r1, size, pc, node);
                return tracePrintk(state, format, r3, r4, r5, pc, node);
            }
            case GET_PRANDOM_U32:
                return random() & 0xffffffffL;
            case GET_SMP_PROCESSOR_ID:
                return 0; // one CPU: the per-CPU maps have one slot
            case TAIL_CALL:
                return tailCall(state, r2, r3, helper, pc, node);
            case SKB_LOAD_BYTES:
                return skbLoadBytes(state, r2, r3, r4, pc, node);
            default:
                throw CompilerDirectives.shouldNotReachHere("helper " + helper);
        }
    }

    private static EbpfMap map(RunState state, long address, Helper helper, int pc, Node node) {
        EbpfMap map = MapAddress.is(address) ? state.memory.map(MapAddress.map(address)) : null;
        if (map == null) {
            throw argument(helper, "r1 is not a map of this program", pc, node);
        }
        return map;
    }

    private static EbpfMap dataMap(RunState state, long address, Helper helper, int pc, Node node) {
        EbpfMap map = map(state, address, helper, pc, node);
        if (map.spec().type() == MapType.PROG_ARRAY) {
            throw argument(helper, "map '" + map.name() + "' is a prog_array, which only tail_call uses", pc, node);
        }
        return map;
    }

    private static EbpfMap writableDataMap(RunState state, long address, Helper helper, int pc, Node node) {
        EbpfMap map = dataMap(state, address, helper, pc, node);
        if (map.spec().readOnlyForProgram()) {
            throw argument(helper, "map '" + map.name() + "' is read-only to programs (BPF_F_RDONLY_PROG)", pc, node);
        }
        return map;
    }

    private static SluiceException argument(Helper helper, String problem, int pc, Node node) {
        CompilerDirectives.transferToInterpreter();
        return SluiceException.atNode(node, EbpfFailure.BAD_HELPER_ARGUMENT, pc, helper.linuxName, problem);
    }

    /** bpf_tail_call: on success never returns; on failure (no program, too many tail calls) the program goes on. */
    private static long tailCall(RunState state, long mapAddress, long index, Helper helper, int pc, Node node) {
        EbpfMap map = map(state, mapAddress, helper, pc, node);
        if (map.spec().type() != MapType.PROG_ARRAY) {
            throw argument(helper, "map '" + map.name() + "' is not a prog_array", pc, node);
        }
        Object target = map.program(index & 0xffffffffL);
        if (target == null
                || state.tailCalls >= RunState.MAX_TAIL_CALLS
                || ((TailCallTarget) target).type() != state.type) {
            return -EbpfMap.ENOENT;
        }
        state.tailCalls++;
        throw new TailCall((TailCallTarget) target);
    }

    /** bpf_skb_load_bytes(skb, offset, to, len): 0, or -EFAULT (and {@code to} zeroed) when outside the packet. */
    private static long skbLoadBytes(RunState state, long offset, long to, long length, int pc, Node node) {
        int len = (int) Math.min(Math.max(length, 0), Memory.STACK_SIZE * Memory.MAX_FRAMES);
        byte[] packet = state.memory.array(Memory.PACKET);
        byte[] bytes = new byte[len];
        long result = 0;
        if (packet != null && len > 0 && offset >= 0 && offset <= state.memory.length(Memory.PACKET, packet) - len) {
            System.arraycopy(packet, state.memory.base(Memory.PACKET) + (int) offset, bytes, 0, len);
        } else {
            result = -EFAULT;
        }
        if (len > 0) {
            // Into the __sk_buff only cb[] is writable, as for the program's own stores (the verifier refuses the
            // rest; unverified, this check does): a batch reuses the __sk_buff and resets only what can be written.
            ContextAccess.checkSkbStore(to, len, pc, node);
        }
        MemoryGuard.copyIn(state.memory, to, bytes, pc, node);
        return result;
    }

    /**
     * bpf_trace_printk(fmt, size, a, b, c): the format up to its NUL, with at most three conversions, written to the
     * context's output. Conversions as the kernel's bpf_bprintf_prepare admits them: optional flags {@code 0 + - space}
     * and a width, then {@code d i u x X} with {@code l}/{@code ll}, {@code c}, {@code s} (a NUL-terminated string
     * read from guest memory through the guard; unreadable memory prints nothing, as the kernel's faulting copy
     * does), {@code p}/{@code px}/{@code pK} (the address in hex; the kernel hashes plain {@code %p}),
     * {@code pi4 pI4 pi6 pI6} (an address read from guest memory), and {@code %%}. Returns the number of bytes written,
     * or -EINVAL for a conversion it does not know (as the kernel does).
     */
    @TruffleBoundary
    private static long tracePrintk(RunState state, byte[] format, long a, long b, long c, int pc, Node node) {
        int end = 0;
        while (end < format.length && format[end] != 0) {
            end++;
        }
        String fmt = new String(format, 0, end, StandardCharsets.ISO_8859_1);
        long[] args = {a, b, c};
        int used = 0;
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < fmt.length(); i++) {
            char ch = fmt.charAt(i);
            if (ch != '%') {
                out.append(ch);
                continue;
            }
            int j = i + 1;
            if (j < fmt.length() && fmt.charAt(j) == '%') {
                out.append('%');
                i = j;
                continue;
            }
            String flags = "";
            while (j < fmt.length() && "0+- ".indexOf(fmt.charAt(j)) >= 0) {
                flags += fmt.charAt(j++);
            }
            int width = 0;
            while (j < fmt.length() && Character.isDigit(fmt.charAt(j)) && width < 1000) {
                width = width * 10 + (fmt.charAt(j++) - '0');
            }
            if (j >= fmt.length() || used >= 3) {
                return -EbpfMap.EINVAL;
            }
            long v = args[used++];
            String body;
            boolean numeric = true;
            char conv = fmt.charAt(j);
            if (conv == 'c') {
                body = String.valueOf((char) (v & 0xff));
                numeric = false;
            } else if (conv == 's') {
                body = guestString(state, v);
                numeric = false;
            } else if (conv == 'p') {
                char next = j + 1 < fmt.length() ? fmt.charAt(j + 1) : 0;
                char version = j + 2 < fmt.length() ? fmt.charAt(j + 2) : 0;
                if ((next == 'i' || next == 'I') && (version == '4' || version == '6')) {
                    body = ipAddress(state, v, next == 'I', version == '4');
                    j += 2;
                } else {
                    if (next == 'x' || next == 'K') {
                        j++;
                    }
                    body = String.format(java.util.Locale.ROOT, "%016x", v);
                }
                numeric = false;
            } else {
                int longs = 0;
                while (j < fmt.length() && fmt.charAt(j) == 'l') {
                    longs++;
                    j++;
                }
                if (j >= fmt.length() || longs > 2) {
                    return -EbpfMap.EINVAL;
                }
                boolean wide = longs > 0;
                switch (fmt.charAt(j)) {
                    case 'd', 'i' -> {
                        long n = wide ? v : (long) (int) v;
                        body = (n >= 0 && flags.indexOf('+') >= 0 ? "+" : n >= 0 && flags.indexOf(' ') >= 0 ? " " : "")
                                + n;
                    }
                    case 'u' -> body = wide ? Long.toUnsignedString(v) : Integer.toUnsignedString((int) v);
                    case 'x' -> body = wide ? Long.toHexString(v) : Integer.toHexString((int) v);
                    case 'X' ->
                        body = (wide ? Long.toHexString(v) : Integer.toHexString((int) v))
                                .toUpperCase(java.util.Locale.ROOT);
                    default -> {
                        return -EbpfMap.EINVAL;
                    }
                }
            }
            out.append(pad(body, width, flags.indexOf('-') >= 0, numeric && flags.indexOf('0') >= 0));
            i = j;
        }
        byte[] bytes = out.toString().getBytes(StandardCharsets.ISO_8859_1);
        try {
            state.output.write(bytes);
            state.output.flush();
        } catch (IOException e) {
            throw SluiceException.atNode(
                    node,
                    EbpfFailure.BAD_HELPER_ARGUMENT,
                    pc,
                    "trace_printk",
                    "cannot write the output: " + e.getMessage());
        }
        return bytes.length;
    }

    /** {@code body} widened to {@code width}: on the left with spaces, or zeros after the sign; on the right for '-'. */
    private static String pad(String body, int width, boolean left, boolean zeros) {
        if (body.length() >= width) {
            return body;
        }
        String fill = (zeros && !left ? "0" : " ").repeat(width - body.length());
        if (left) {
            return body + fill;
        }
        if (zeros && !body.isEmpty() && "+- ".indexOf(body.charAt(0)) >= 0) {
            return body.charAt(0) + fill + body.substring(1);
        }
        return fill + body;
    }

    /** The longest string trace_printk copies from memory for %s (the kernel's MAX_BPRINTF_BUF is 512). */
    private static final int MAX_STRING = 511;

    /** A NUL-terminated string at a guest address, cut at the end of its region or MAX_STRING; unreadable: empty. */
    private static String guestString(RunState state, long address) {
        StringBuilder s = new StringBuilder();
        for (int n = 0; n < MAX_STRING; n++) {
            long b = MemoryGuard.peekByte(state.memory, address + n);
            if (b <= 0) {
                break;
            }
            s.append((char) b);
        }
        return s.toString();
    }

    /** %pI4 (dotted), %pi4 (dotted, three digits each), %pI6 (colon-separated words), %pi6 (32 hex digits); unreadable: empty. */
    private static String ipAddress(RunState state, long address, boolean standard, boolean v4) {
        int n = v4 ? 4 : 16;
        int[] bytes = new int[n];
        for (int k = 0; k < n; k++) {
            long b = MemoryGuard.peekByte(state.memory, address + k);
            if (b < 0) {
                return "";
            }
            bytes[k] = (int) b;
        }
        StringBuilder s = new StringBuilder();
        for (int k = 0; k < n; k++) {
            if (v4) {
                s.append(k > 0 ? "." : "")
                        .append(
                                standard
                                        ? Integer.toString(bytes[k])
                                        : String.format(java.util.Locale.ROOT, "%03d", bytes[k]));
            } else {
                if (standard && k > 0 && k % 2 == 0) {
                    s.append(':');
                }
                s.append(String.format(java.util.Locale.ROOT, "%02x", bytes[k]));
            }
        }
        return s.toString();
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
