package dev.sluice.bpf.nodes;

import com.oracle.truffle.api.CompilerDirectives;
import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;
import com.oracle.truffle.api.TruffleLanguage;
import com.oracle.truffle.api.TruffleLanguage.ContextReference;
import com.oracle.truffle.api.TruffleLanguage.Env;
import com.oracle.truffle.api.frame.VirtualFrame;
import com.oracle.truffle.api.nodes.LoopNode;
import com.oracle.truffle.api.nodes.RootNode;
import com.oracle.truffle.api.source.SourceSection;
import dev.sluice.bpf.isa.Profile;
import dev.sluice.bpf.lower.LoweredProgram;
import dev.sluice.bpf.runtime.PacketMeta;
import dev.sluice.core.error.CoreFailure;
import dev.sluice.core.error.SluiceException;
import dev.sluice.core.guard.Budget;
import dev.sluice.core.interop.InputAccess;
import dev.sluice.core.interop.LanguageContext;
import dev.sluice.core.interop.UncheckedArrays;
import dev.sluice.core.pcap.Pcap;

/**
 * Runs a filter over many inputs inside the guest, so a hot loop pays the host-to-guest call once per batch instead of
 * once per input. The filter body is a separate node instance inlined into this root's compilation.
 * <ul>
 * <li>{@link Kind#SPANS}: {@code (byte[] data, int[] offsets, int[] lengths, int[] verdicts?)}</li>
 * <li>{@link Kind#RECORDS}: {@code (byte[] data, int recordSize, int[] verdicts?)}, e.g. seccomp_data records</li>
 * <li>{@link Kind#PCAP}: {@code (byte[] pcapFile, int[] verdicts?)}, a whole libpcap capture</li>
 * </ul>
 * Each returns the number of nonzero results (accepted packets); verdicts, when given, receive every result.
 */
public final class BatchRootNode extends RootNode {
    public enum Kind {
        SPANS,
        RECORDS,
        PCAP
    }

    private final Kind kind;
    private final boolean seccomp;
    private final String name;
    private final ContextReference<? extends LanguageContext> contexts;
    private final InstructionSource source;

    @Child
    private ProgramBodyNode body;

    /**
     * The body itself, for what is not an execution: its key, its batch accounting and whether it counts. While
     * instruments are attached, {@link #body} is their generated wrapper, which only forwards the execute methods and
     * would answer the others with the defaults (no tally, no count).
     */
    private final ProgramBodyNode bodyItself;

    /**
     * @param contexts the language's context reference (for host input access)
     * @param budget the filter's budget (docs/guards.md), or null; it applies to each input
     */
    public BatchRootNode(
            TruffleLanguage<?> language,
            ContextReference<? extends LanguageContext> contexts,
            LoweredProgram program,
            Kind kind,
            String name,
            Budget budget,
            InstructionSource source) {
        super(language, ProgramBodyNode.frameDescriptor());
        this.source = source;
        this.contexts = contexts;
        this.kind = kind;
        this.seccomp = program.profile() == Profile.SECCOMP;
        this.body = ProgramBodyNode.create(program, budget, source, true);
        this.bodyItself = body;
        this.name = name;
    }

    @Override
    public Object execute(VirtualFrame frame) {
        Object[] args = frame.getArguments();
        Env env = contexts.get(this).env();
        int min = kind == Kind.SPANS ? 3 : kind == Kind.RECORDS ? 2 : 1;
        if (args.length < min) {
            CompilerDirectives.transferToInterpreter();
            throw SluiceException.atNode(
                    this, CoreFailure.BAD_INPUT, name + " takes at least " + min + " arguments, got " + args.length);
        }
        byte[] data = InputAccess.bytes(args[0], env, this);
        return switch (kind) {
            case SPANS ->
                runSpans(
                        frame,
                        data,
                        InputAccess.intsOrNull(args[1], env, this, "offsets"),
                        InputAccess.intsOrNull(args[2], env, this, "lengths"),
                        args.length > 3 ? InputAccess.intsOrNull(args[3], env, this, "verdicts") : null);
            case RECORDS ->
                runRecords(
                        frame,
                        data,
                        InputAccess.intArg(args[1], this, "recordSize"),
                        args.length > 2 ? InputAccess.intsOrNull(args[2], env, this, "verdicts") : null);
            case PCAP ->
                runPcap(frame, data, args.length > 1 ? InputAccess.intsOrNull(args[1], env, this, "verdicts") : null);
        };
    }

    private long runSpans(VirtualFrame frame, byte[] data, int[] offsets, int[] lengths, int[] verdicts) {
        if (offsets == null
                || lengths == null
                || offsets.length != lengths.length
                || verdicts != null && verdicts.length < offsets.length) {
            CompilerDirectives.transferToInterpreter();
            throw SluiceException.atNode(
                    this,
                    CoreFailure.BAD_INPUT,
                    "offsets and lengths must be int[] of equal length, verdicts at least as long");
        }
        int n = offsets.length;
        int key = bodyItself.blindingKey(); // once per batch (ProgramBodyNode.blindingKey)
        long accepted = 0;
        boolean counting = startBatchFrame(frame);
        BatchTally tally = bodyItself.startBatch();
        int i = 0;
        boolean done = false;
        boolean refused = false;
        try {
            // Every index below n lies in offsets, lengths (equal lengths) and verdicts (at least as long), checked
            // above, so the loop reads and stores them without Java's per-element checks, which Graal keeps here (the
            // loop is not recognised as counted). An unsigned loop condition is the same as i < n, since i counts up
            // from 0.
            for (; Integer.compareUnsigned(i, n) < 0; i++) {
                int off = UncheckedArrays.intAt(offsets, i);
                int len = UncheckedArrays.intAt(lengths, i);
                // One compare for the span: an offset or length negative as an int is at least 2^31 unsigned.
                if (Integer.toUnsignedLong(off) + Integer.toUnsignedLong(len) > data.length || seccomp && len != 64) {
                    CompilerDirectives.transferToInterpreter();
                    refused = true;
                    throw SluiceException.atNode(
                            this,
                            CoreFailure.BAD_INPUT,
                            "span " + i + " (offset " + off + ", length " + len + ") is not a valid input");
                }
                int v = body.runInBatch(frame, data, off, len, len, PacketMeta.DEFAULT, key, tally);
                if (verdicts != null) {
                    UncheckedArrays.putInt(verdicts, i, v);
                }
                if (!counting) {
                    accepted += UncheckedArrays.nonzero(v);
                }
            }
            done = true;
        } finally {
            bodyItself.endBatch(tally, runs(i, done, refused));
        }
        if (counting) {
            accepted = frame.getLong(ProgramBodyNode.ACCEPTED_SLOT);
        }
        LoopNode.reportLoopCount(this, n);
        return accepted;
    }

    /**
     * Prepares the frame for a batch and says whether the body counts its nonzero results in it ({@link
     * ProgramBodyNode#countsAccepted}); if so, clears the count. It also clears the register slots, the state each run
     * leaves them in in compiled code (FilterBodyNode.dropRegisters), so that the loop's header sees one state on entry
     * and on every back edge: with the slots' initial state on entry, their 18 values and tags were phis at the header,
     * kept live by the frame state of the windowed budget's call before each run (6 ns per record instead of 3).
     */
    private boolean startBatchFrame(VirtualFrame frame) {
        ProgramBodyNode.clearRegisters(frame);
        boolean counting = bodyItself.countsAccepted();
        if (counting) {
            frame.setLong(ProgramBodyNode.ACCEPTED_SLOT, 0);
        }
        return counting;
    }

    /**
     * How many inputs a batch ran, for the body's accounting: all {@code i} when it finished, else also the input it
     * was at, unless that one was refused before its run. Exceptions leave compiled code first, so in compiled code
     * this is the loop's count, with no value of its own carried through the loop.
     */
    private static long runs(int i, boolean done, boolean refused) {
        return done || refused ? i : i + 1L;
    }

    private long runRecords(VirtualFrame frame, byte[] data, int recordSize, int[] verdicts) {
        if (recordSize <= 0 || data.length % recordSize != 0 || seccomp && recordSize != 64) {
            CompilerDirectives.transferToInterpreter();
            throw SluiceException.atNode(
                    this,
                    CoreFailure.BAD_INPUT,
                    "records: " + data.length + " bytes do not split into records of " + recordSize + " bytes"
                            + (seccomp ? " (seccomp needs 64)" : ""));
        }
        int n = data.length / recordSize;
        if (verdicts != null && verdicts.length < n) {
            CompilerDirectives.transferToInterpreter();
            throw SluiceException.atNode(
                    this, CoreFailure.BAD_INPUT, "verdicts has room for " + verdicts.length + " of " + n + " records");
        }
        int key = bodyItself.blindingKey();
        long accepted = 0;
        boolean counting = startBatchFrame(frame);
        BatchTally tally = bodyItself.startBatch();
        int i = 0;
        boolean done = false;
        try {
            for (; i < n; i++) {
                int v = body.runInBatch(
                        frame, data, i * recordSize, recordSize, recordSize, PacketMeta.DEFAULT, key, tally);
                if (verdicts != null) {
                    UncheckedArrays.putInt(verdicts, i, v); // i < n <= verdicts.length, checked above
                }
                if (!counting) {
                    accepted += UncheckedArrays.nonzero(v);
                }
            }
            done = true;
        } finally {
            bodyItself.endBatch(tally, runs(i, done, false));
        }
        if (counting) {
            accepted = frame.getLong(ProgramBodyNode.ACCEPTED_SLOT);
        }
        LoopNode.reportLoopCount(this, n);
        return accepted;
    }

    private long runPcap(VirtualFrame frame, byte[] file, int[] verdicts) {
        Pcap.Header header = Pcap.header(file, this);
        PacketMeta meta = PacketMeta.forLinkType(header.linkType());
        boolean swapped = header.swapped();
        int pos = Pcap.GLOBAL_HEADER_SIZE;
        int i = 0;
        int key = bodyItself.blindingKey();
        long accepted = 0;
        boolean counting = startBatchFrame(frame);
        BatchTally tally = bodyItself.startBatch();
        boolean done = false;
        boolean refused = false;
        try {
            while (pos < file.length) {
                if (file.length - pos < Pcap.RECORD_HEADER_SIZE) {
                    CompilerDirectives.transferToInterpreter();
                    refused = true;
                    throw SluiceException.atNode(this, CoreFailure.BAD_PCAP, "truncated record header at byte " + pos);
                }
                int caplen = Pcap.u32(file, pos + 8, swapped);
                int wirelen = Pcap.u32(file, pos + 12, swapped);
                pos += Pcap.RECORD_HEADER_SIZE;
                if (caplen < 0 || caplen > file.length - pos) {
                    CompilerDirectives.transferToInterpreter();
                    refused = true;
                    throw SluiceException.atNode(
                            this,
                            CoreFailure.BAD_PCAP,
                            "packet " + (i + 1) + " claims " + caplen + " bytes but the file ends first");
                }
                int v = body.runInBatch(frame, file, pos, caplen, wirelen, meta, key, tally);
                if (verdicts != null) {
                    if (i >= verdicts.length) {
                        CompilerDirectives.transferToInterpreter();
                        throw SluiceException.atNode(
                                this,
                                CoreFailure.BAD_INPUT,
                                "verdicts has room for only " + verdicts.length + " packets");
                    }
                    verdicts[i] = v;
                }
                if (!counting) {
                    accepted += UncheckedArrays.nonzero(v);
                }
                pos += caplen;
                i++;
            }
            done = true;
        } finally {
            bodyItself.endBatch(tally, runs(i, done, refused));
        }
        if (counting) {
            accepted = frame.getLong(ProgramBodyNode.ACCEPTED_SLOT);
        }
        LoopNode.reportLoopCount(this, i);
        return accepted;
    }

    @Override
    public SourceSection getSourceSection() {
        return source == null ? null : programSection();
    }

    @TruffleBoundary
    private SourceSection programSection() {
        return source.program();
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
