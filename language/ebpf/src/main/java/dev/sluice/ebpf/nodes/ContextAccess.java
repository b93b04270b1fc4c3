package dev.sluice.ebpf.nodes;

import com.oracle.truffle.api.CompilerDirectives;
import com.oracle.truffle.api.nodes.Node;
import dev.sluice.core.error.SluiceException;
import dev.sluice.ebpf.runtime.EbpfFailure;
import dev.sluice.ebpf.runtime.Memory;

/**
 * The context structures whose layout differs from plain bytes, as the kernel's convert_ctx_access rewrites them:
 * {@code struct xdp_md}'s data, data_end and data_meta are 32-bit fields that load as packet pointers, and a socket
 * filter may store only into {@code __sk_buff.cb[]}.
 */
final class ContextAccess {
    /** Offsets in struct xdp_md (include/uapi/linux/bpf.h). */
    static final int XDP_DATA = 0,
            XDP_DATA_END = 4,
            XDP_DATA_META = 8,
            XDP_INGRESS_IFINDEX = 12,
            XDP_RX_QUEUE_INDEX = 16;
    /** Offsets in struct __sk_buff. */
    static final int SKB_LEN = 0,
            SKB_PROTOCOL = dev.sluice.ebpf.lower.LoweredProgram.SKB_PROTOCOL,
            SKB_CB = 48,
            SKB_CB_END = 68;

    private ContextAccess() {}

    static long xdpLoad(Memory memory, long address, int size, boolean signed, int pc, Node node) {
        int off = (int) address;
        if (off == XDP_DATA || off == XDP_DATA_END || off == XDP_DATA_META) {
            if (size != 4 || signed) {
                CompilerDirectives.transferToInterpreter();
                throw SluiceException.atNode(
                        node,
                        EbpfFailure.BAD_CONTEXT_ACCESS,
                        pc,
                        signed ? "sign-extending load" : "load",
                        size,
                        "xdp_md+" + off,
                        "xdp");
            }
            return Memory.pointer(Memory.PACKET, off == XDP_DATA_END ? memory.length(Memory.PACKET, null) : 0);
        }
        return signed
                ? MemoryGuard.loadSigned(memory, address, size, 0, pc, node)
                : MemoryGuard.load(memory, address, size, pc, node);
    }

    static void checkSkbStore(long address, int size, int pc, Node node) {
        if ((address >>> 32) != Memory.CONTEXT) {
            return;
        }
        int off = (int) address;
        if (off < SKB_CB || off > SKB_CB_END - size) {
            CompilerDirectives.transferToInterpreter();
            throw SluiceException.atNode(
                    node,
                    EbpfFailure.BAD_CONTEXT_ACCESS,
                    pc,
                    "store",
                    size,
                    "__sk_buff+" + off + " (only cb[] is writable)",
                    "socket_filter");
        }
    }
}
