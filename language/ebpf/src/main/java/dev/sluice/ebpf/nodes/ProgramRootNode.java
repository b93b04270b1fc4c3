package dev.sluice.ebpf.nodes;

import com.oracle.truffle.api.CompilerDirectives;
import com.oracle.truffle.api.TruffleLanguage;
import com.oracle.truffle.api.TruffleLanguage.ContextReference;
import com.oracle.truffle.api.TruffleLanguage.Env;
import com.oracle.truffle.api.frame.VirtualFrame;
import com.oracle.truffle.api.memory.ByteArraySupport;
import com.oracle.truffle.api.nodes.IndirectCallNode;
import com.oracle.truffle.api.nodes.LoopNode;
import com.oracle.truffle.api.nodes.RootNode;
import dev.sluice.core.error.SluiceException;
import dev.sluice.core.interop.CallerInlining;
import dev.sluice.core.interop.InputAccess;
import dev.sluice.core.interop.LanguageContext;
import dev.sluice.core.interop.UncheckedArrays;
import dev.sluice.ebpf.isa.ProgramType;
import dev.sluice.ebpf.maps.EbpfMap;
import dev.sluice.ebpf.runtime.EbpfFailure;
import dev.sluice.ebpf.runtime.Memory;
import dev.sluice.ebpf.runtime.RunState;
import dev.sluice.ebpf.runtime.TailCall;
import java.io.OutputStream;

/**
 * Runs a program: sets up the context of its type, runs the entry function, follows tail calls (at most 33) and
 * returns r0.
 * <ul>
 * <li>{@link Kind#SINGLE}: {@code program(input?)}. The input (bytes; empty when absent) is copied: for {@code raw}
 * it is the memory r1 points to (r2 = its length); for {@code xdp} and {@code socket_filter} it is the packet.</li>
 * <li>{@link Kind#IN_PLACE}: {@code runInPlace(byte[] packet)}: the same on the host array itself, so the caller
 * sees what the program wrote (XDP programs rewrite packets).</li>
 * <li>{@link Kind#BATCH}: {@code runBatch(byte[] data, int[] offsets, int[] lengths, long[] results?)}: one run per
 * span inside one guest call, on the span in place (an XDP program's writes land in {@code data}); returns the number
 * of runs with a nonzero r0, and fills {@code results}.</li>
 * </ul>
 */
public final class ProgramRootNode extends RootNode implements ProgramNamed {
    public enum Kind {
        SINGLE,
        IN_PLACE,
        BATCH
    }

    private final ContextReference<? extends LanguageContext> contexts;

    @Child
    private FunctionBodyNode body;

    @Child
    private IndirectCallNode tailCallNode = IndirectCallNode.create();

    private final Kind kind;
    private final ProgramType type;
    private final boolean networkStart;
    private final String name;
    private final long maxInstructions;
    private final int bodyLength;
    private final boolean verdictOverLimit;
    /** Whether a run may read __sk_buff.protocol (LoweredProgram#readsSkbProtocol): else it is not computed. */
    private final boolean setsSkbProtocol;
    /** Whether a run may write __sk_buff.cb[] (LoweredProgram#writesSkbCb): else a batch's runs leave it zero. */
    private final boolean zeroesSkbCb;

    private final long limitVerdict;

    @CompilerDirectives.CompilationFinal(dimensions = 1)
    private final EbpfMap[] maps;

    /** @param limitVerdict the result of a run over its instruction limit, or null for an error (ebpf.OverBudgetAction) */
    /**
     * @param networkStart for socket_filter: the data starts after the input frame's Ethernet header (ebpf.SocketData
     *            network, as BPF_PROG_TEST_RUN runs it), not at it (link, as on an AF_PACKET socket)
     */
    /** Whether callers' compilations must not inline this root ({@link CallerInlining}). */
    private final boolean neverInlined;

    public ProgramRootNode(
            TruffleLanguage<?> language,
            ContextReference<? extends LanguageContext> contexts,
            FunctionBodyNode body,
            Kind kind,
            ProgramType type,
            boolean networkStart,
            EbpfMap[] maps,
            String name,
            long maxInstructions,
            Long limitVerdict) {
        super(language, FunctionBodyNode.frameDescriptor());
        this.contexts = contexts;
        this.networkStart = networkStart;
        this.verdictOverLimit = limitVerdict != null;
        this.limitVerdict = limitVerdict == null ? 0 : limitVerdict;
        this.body = body;
        this.kind = kind;
        this.type = type;
        this.maps = maps;
        this.name = name;
        this.maxInstructions = maxInstructions == 0 ? Long.MAX_VALUE : maxInstructions;
        this.bodyLength = Math.max(1, body.length());
        this.setsSkbProtocol = body.loweredProgram().readsSkbProtocol();
        this.zeroesSkbCb = body.loweredProgram().writesSkbCb();
        this.neverInlined = CallerInlining.refused(body.functionLength());
    }

    @Override
    public Object execute(VirtualFrame frame) {
        CallerInlining.stopExploration(neverInlined);
        Object[] args = frame.getArguments();
        Env env = contexts.get(this).env();
        OutputStream out = env.out();
        switch (kind) {
            case SINGLE: {
                byte[] input = args.length == 0 ? new byte[0] : InputAccess.copy(args[0], env, this);
                return runOne(frame, newState(out), input, 0, input.length, null, body.blindingKey());
            }
            case IN_PLACE: {
                byte[] packet = args.length == 0 ? null : InputAccess.hostBytes(args[0], env);
                if (packet == null) {
                    CompilerDirectives.transferToInterpreter();
                    throw SluiceException.atNode(
                            this,
                            EbpfFailure.BAD_INPUT,
                            "runInPlace takes a host byte[] (the packet, changed in place)");
                }
                return runOne(frame, newState(out), packet, 0, packet.length, null, body.blindingKey());
            }
            default:
                return runBatch(frame, args, env, out);
        }
    }

    private long runBatch(VirtualFrame frame, Object[] args, Env env, OutputStream out) {
        if (args.length < 3) {
            CompilerDirectives.transferToInterpreter();
            throw SluiceException.atNode(
                    this,
                    EbpfFailure.BAD_INPUT,
                    "runBatch takes (byte[] data, int[] offsets, int[] lengths[, long[] results])");
        }
        byte[] data = InputAccess.hostBytes(args[0], env);
        int[] offsets = InputAccess.hostInts(args[1], env);
        int[] lengths = InputAccess.hostInts(args[2], env);
        long[] results = args.length > 3 ? InputAccess.hostLongs(args[3], env) : null;
        if (data == null
                || offsets == null
                || lengths == null
                || offsets.length != lengths.length
                || args.length > 3 && (results == null || results.length < offsets.length)) {
            CompilerDirectives.transferToInterpreter();
            throw SluiceException.atNode(
                    this,
                    EbpfFailure.BAD_INPUT,
                    "runBatch takes a byte[], two int[] of equal length and optionally a long[] at least as long");
        }
        long nonzero = 0;
        // One __sk_buff for the whole batch, its fields set afresh for each run (skBuff): allocating and filling one
        // per run cost a socket filter's batch about 22 ns per packet in compiled code (a program returning a
        // constant: 24 ns per packet against 3 now; docs/performance.md "eBPF against the kernel's JIT").
        byte[] skb = type == ProgramType.SOCKET_FILTER ? new byte[ProgramType.SOCKET_FILTER.contextSize] : null;
        // offsets, lengths and results are the embedder's arrays, checked above to hold n elements each (results:
        // at least n), so the loop reads and writes them without Java's per-element checks (UncheckedArrays); the spans
        // they give are still checked, each before its run, and the runs' memory accesses keep all their checks.
        int n = offsets.length;
        long key = body.blindingKey(); // once per batch (FunctionBodyNode.blindingKey)
        // The register slots as each compiled run leaves them, so the loop's header has one state for them.
        FunctionBodyNode.clearRegisters(frame);
        for (int i = 0; i < n; i++) {
            int off = UncheckedArrays.intAt(offsets, i);
            int len = UncheckedArrays.intAt(lengths, i);
            // One compare for the whole span: an offset or length negative as an int is at least 2^31 unsigned, more
            // than any array's length (off < 0 || len < 0 || off > data.length - len took three).
            if (Integer.toUnsignedLong(off) + Integer.toUnsignedLong(len) > data.length) {
                CompilerDirectives.transferToInterpreter();
                throw SluiceException.atNode(
                        this,
                        EbpfFailure.BAD_INPUT,
                        "span " + i + " (offset " + off + ", length " + len + ") is outside the data");
            }
            RunState state = newState(out);
            long r0 = runOne(frame, state, data, off, len, skb, key);
            if (results != null) {
                UncheckedArrays.putLong(results, i, r0);
            }
            // No branch on the verdict; a blinded exit's verdict is counted by its flag, a constant at that exit.
            nonzero += state.verdictNonzero ? 1 : UncheckedArrays.nonzero(r0);
        }
        // A batch is one call of this root: the runs it made count towards its compilation as loop iterations.
        LoopNode.reportLoopCount(this, n);
        return nonzero;
    }

    private RunState newState(OutputStream out) {
        return new RunState(maxInstructions, out, type, verdictOverLimit, limitVerdict);
    }

    /**
     * One run, with the fresh {@code state}, on {@code input[base, base + length)}, in place; a socket filter's
     * __sk_buff is {@code skb} (reset here), or a new one when it is null; {@code key} is the body's blinding key, read
     * by the caller.
     */
    private long runOne(VirtualFrame frame, RunState state, byte[] input, int base, int length, byte[] skb, long key) {
        Memory memory = state.memory;
        memory.useMaps(maps);
        long r1 = Memory.pointer(Memory.CONTEXT, 0);
        long r2 = 0;
        switch (type) {
            case RAW:
                memory.setContext(input, base, length, true);
                r2 = length;
                break;
            case XDP:
                memory.setPacket(input, base, length, true);
                memory.setContext(XDP_MD, 0, XDP_MD.length, false);
                break;
            default: {
                // The input is an Ethernet frame. At the network header (BPF_PROG_TEST_RUN's way) the frame's
                // Ethernet header lies before the data, where SKF_LL_OFF + k reaches it; at the link-layer header the
                // network header is 14 bytes in, where SKF_NET_OFF + k reaches it.
                if (networkStart) {
                    if (length < ETH_HLEN) {
                        CompilerDirectives.transferToInterpreter();
                        throw SluiceException.atNode(
                                this,
                                EbpfFailure.BAD_INPUT,
                                "a socket_filter input is an Ethernet frame (ebpf.SocketData=network): at least "
                                        + ETH_HLEN + " bytes, not " + length);
                    }
                    memory.setPacket(input, base + ETH_HLEN, length - ETH_HLEN, false, ETH_HLEN, 0);
                } else {
                    memory.setPacket(input, base, length, false, 0, ETH_HLEN);
                }
                byte[] context = skb != null ? skb : new byte[ProgramType.SOCKET_FILTER.contextSize];
                skBuff(
                        context,
                        input,
                        base,
                        length,
                        networkStart ? length - ETH_HLEN : length,
                        setsSkbProtocol,
                        zeroesSkbCb);
                memory.setContext(context, 0, context.length, true);
                break;
            }
        }
        try {
            long r0 = body.execute(frame, state, 0, r1, r2, 0, 0, 0, key);
            reportExecuted(state);
            return r0;
        } catch (TailCall call) {
            return followTailCalls(state, call, r1, r2);
        } catch (dev.sluice.ebpf.runtime.LimitReached limit) {
            state.verdictNonzero = false;
            return limitVerdict;
        }
    }

    /**
     * A run that looped (executed more instructions than the program has) reports its backward jumps' work as loop
     * iterations, so that a program spending its time in a loop gets compiled as soon as one called often.
     */
    private void reportExecuted(RunState state) {
        if (maxInstructions != Long.MAX_VALUE) {
            long executed = maxInstructions - state.fuel;
            if (executed > bodyLength) {
                LoopNode.reportLoopCount(this, (int) Math.min(executed / bodyLength, Integer.MAX_VALUE));
            }
        }
    }

    /** Runs tail-call targets until one returns: each replaces the program, with the same context and run state. */
    private long followTailCalls(RunState state, TailCall first, long r1, long r2) {
        TailCall call = first;
        while (true) {
            state.memory.useMaps(call.target.maps());
            state.verdictNonzero = false; // what an earlier program's exits said; a blinded target's exits say again
            try {
                return (long) tailCallNode.call(call.target.entryFunction(), state, 0, r1, r2, 0L, 0L, 0L);
            } catch (TailCall next) {
                call = next;
            } catch (dev.sluice.ebpf.runtime.LimitReached limit) {
                state.verdictNonzero = false;
                return limitVerdict;
            }
        }
    }

    /**
     * struct xdp_md with what BPF_PROG_TEST_RUN gives: ingress_ifindex 1 (lo), rx_queue_index 0; the data fields are
     * read as pointers (ContextAccess). Read-only, so every run shares it.
     */
    private static final byte[] XDP_MD = new byte[ProgramType.XDP.contextSize];

    static {
        XDP_MD[12] = 1;
    }

    private static final ByteArraySupport SKB_BYTES = ByteArraySupport.littleEndian();

    /** ETH_HLEN (include/uapi/linux/if_ether.h). */
    private static final int ETH_HLEN = 14;

    /**
     * Sets struct __sk_buff {@code skb} (zeroed when new, or used by an earlier run of the batch): len, protocol and
     * cb[] zeroed, so that runs share nothing; the other fields stay 0, since a program can write only cb[]
     * (ContextAccess.checkSkbStore, the verifier, and Helpers for skb_load_bytes). Whole-field stores: the program
     * loads len as 4 bytes, and a load of 4 bytes written by 4 byte stores waits for them (no store forwarding),
     * which cost about 4 ns per run; zeroing the whole structure each run cost 4-9 ns. The protocol is what the
     * kernel's eth_type_trans makes of the frame (net/ethernet/eth.c): the Ethernet type when it is one (at least
     * 0x600), else ETH_P_802_3 (1) for Novell's raw 802.3 (the payload starts with 0xffff), else ETH_P_802_2 (4);
     * stored in network order, as the kernel does. Only when {@code protocol} is set (a run may read it): a verified
     * program that never loads it (and makes no tail call) does not pay its two byte loads and branches per run,
     * and its protocol field stays 0, which nothing reads. Likewise cb[] is zeroed only when {@code cb} is set (a run
     * may write it): a verified program that stores nothing into the context leaves the zeroes of the allocation.
     */
    private static void skBuff(
            byte[] skb, byte[] frame, int base, int frameLength, int len, boolean protocol, boolean cb) {
        SKB_BYTES.putInt(skb, ContextAccess.SKB_LEN, len);
        if (cb) {
            SKB_BYTES.putLong(skb, ContextAccess.SKB_CB, 0);
            SKB_BYTES.putLong(skb, ContextAccess.SKB_CB + 8, 0);
            SKB_BYTES.putInt(skb, ContextAccess.SKB_CB + 16, 0);
        }
        if (protocol) {
            SKB_BYTES.putInt(skb, ContextAccess.SKB_PROTOCOL, skbProtocol(frame, base, frameLength));
        }
    }

    /** eth_type_trans's protocol of the frame at {@code base}, in network order as __sk_buff holds it. */
    private static int skbProtocol(byte[] frame, int base, int frameLength) {
        int protocol = 0;
        if (frameLength >= ETH_HLEN) {
            int etherType = (frame[base + 12] & 0xff) << 8 | (frame[base + 13] & 0xff);
            if (etherType >= 0x600) {
                protocol = etherType;
            } else if (frameLength >= ETH_HLEN + 2
                    && frame[base + ETH_HLEN] == (byte) 0xff
                    && frame[base + ETH_HLEN + 1] == (byte) 0xff) {
                protocol = 0x0001;
            } else {
                protocol = 0x0004;
            }
        }
        return Integer.reverseBytes(protocol << 16); // network order
    }

    /** The program's name: the batch and in-place roots' names are the program's with a suffix. */
    @Override
    public String programName() {
        int dash = name.lastIndexOf('-');
        return kind == Kind.SINGLE || dash < 0 ? name : name.substring(0, dash);
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public String toString() {
        return name;
    }
}
