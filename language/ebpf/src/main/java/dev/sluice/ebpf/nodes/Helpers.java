package dev.sluice.ebpf.nodes;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

import com.oracle.truffle.api.CompilerDirectives;
import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;
import com.oracle.truffle.api.nodes.Node;

import dev.sluice.ebpf.maps.EbpfMap;
import dev.sluice.ebpf.maps.MapType;
import dev.sluice.core.error.SluiceException;
import dev.sluice.ebpf.runtime.EbpfFailure;
import dev.sluice.ebpf.maps.TailCallTarget;
import dev.sluice.ebpf.runtime.Helper;
import dev.sluice.ebpf.runtime.MapAddress;
import dev.sluice.ebpf.runtime.Memory;
import dev.sluice.ebpf.runtime.RunState;
import dev.sluice.ebpf.runtime.TailCall;

/**
 * The helper functions' implementations, called with r1-r5; each returns r0. Pointer arguments go through the same
 * guard as loads and stores, so a helper never reads or writes outside a region. Argument errors the kernel's
 * verifier would have rejected (a map argument that is not a map) are guest errors naming the call.
 */
final class Helpers {
    private static final int EFAULT = 14;

    private Helpers() {
    }

    static long call(Helper helper, RunState state, long r1, long r2, long r3, long r4, long r5, int pc, Node node) {
        switch (helper) {
            case MAP_LOOKUP_ELEM: {
                EbpfMap map = dataMap(state, r1, helper, pc, node);
                int entry = map.lookup(MemoryGuard.copyOut(state.memory, r2, map.spec().keySize(), pc, node));
                return entry < 0 ? 0 : Memory.mapValuePointer(MapAddress.map(r1), entry, 0);
            }
            case MAP_UPDATE_ELEM: {
                EbpfMap map = dataMap(state, r1, helper, pc, node);
                byte[] key = MemoryGuard.copyOut(state.memory, r2, map.spec().keySize(), pc, node);
                byte[] value = MemoryGuard.copyOut(state.memory, r3, map.spec().valueSize(), pc, node);
                return map.update(key, value, r4);
            }
            case MAP_DELETE_ELEM: {
                EbpfMap map = dataMap(state, r1, helper, pc, node);
                return map.delete(MemoryGuard.copyOut(state.memory, r2, map.spec().keySize(), pc, node));
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
        if (target == null || state.tailCalls >= RunState.MAX_TAIL_CALLS || ((TailCallTarget) target).type() != state.type) {
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
        MemoryGuard.copyIn(state.memory, to, bytes, pc, node);
        return result;
    }

    /**
     * bpf_trace_printk(fmt, size, a, b, c): the format up to its NUL, with at most three conversions of
     * {@code %d %i %u %x %X %ld %lu %lx %lld %llu %llx %c %%}, written to the context's output. Returns the number of
     * bytes written, or -EINVAL for a conversion it does not know (as the kernel does).
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
            int longs = 0;
            while (j < fmt.length() && fmt.charAt(j) == 'l') {
                longs++;
                j++;
            }
            if (j >= fmt.length() || longs > 2 || used >= 3) {
                return -EbpfMap.EINVAL;
            }
            long v = args[used++];
            boolean wide = longs > 0;
            switch (fmt.charAt(j)) {
                case 'd', 'i' -> out.append(wide ? v : (long) (int) v);
                case 'u' -> out.append(wide ? Long.toUnsignedString(v) : Integer.toUnsignedString((int) v));
                case 'x' -> out.append(wide ? Long.toHexString(v) : Integer.toHexString((int) v));
                case 'X' -> out.append((wide ? Long.toHexString(v) : Integer.toHexString((int) v)).toUpperCase(java.util.Locale.ROOT));
                case 'c' -> out.append((char) (v & 0xff));
                default -> {
                    return -EbpfMap.EINVAL;
                }
            }
            i = j;
        }
        byte[] bytes = out.toString().getBytes(StandardCharsets.ISO_8859_1);
        try {
            state.output.write(bytes);
            state.output.flush();
        } catch (IOException e) {
            throw SluiceException.atNode(node, EbpfFailure.BAD_HELPER_ARGUMENT, pc, "trace_printk", "cannot write the output: " + e.getMessage());
        }
        return bytes.length;
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
