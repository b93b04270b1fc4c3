package dev.sluice.bpf.nodes;

import com.oracle.truffle.api.CompilerDirectives;
import com.oracle.truffle.api.CompilerDirectives.CompilationFinal;
import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;
import com.oracle.truffle.api.TruffleLanguage;
import com.oracle.truffle.api.TruffleLanguage.ContextReference;
import com.oracle.truffle.api.TruffleLanguage.Env;
import com.oracle.truffle.api.frame.VirtualFrame;
import com.oracle.truffle.api.nodes.RootNode;
import com.oracle.truffle.api.source.SourceSection;
import dev.sluice.bpf.isa.Profile;
import dev.sluice.bpf.lower.LoweredProgram;
import dev.sluice.bpf.runtime.PacketMeta;
import dev.sluice.core.error.CoreFailure;
import dev.sluice.core.error.SluiceException;
import dev.sluice.core.guard.Budget;
import dev.sluice.core.interop.CallerInlining;
import dev.sluice.core.interop.InputAccess;
import dev.sluice.core.interop.LanguageContext;

/**
 * One run of a filter: {@code filter(input[, meta])}. The input is a 64-byte struct seccomp_data for seccomp
 * filters, or the packet for socket filters. Returns the 32-bit return value as an unsigned long.
 */
public final class FilterRootNode extends RootNode {
    private final boolean seccomp;
    private final String name;
    private final ContextReference<? extends LanguageContext> contexts;
    private final InstructionSource source;

    @Child
    private ProgramBodyNode body;

    /**
     * Whether an input other than a host {@code byte[]} has come (a guest buffer or array, a {@code ByteBuffer}). Until
     * then compiled code takes only the host array and deoptimizes on anything else. Compiling the general path as
     * well costs every call an allocation: it copies the argument out of compiled code ({@code InputAccess}'s
     * {@code TruffleBoundary}), so where that path rejoins the host path Graal must allocate the argument's host-object
     * wrapper on both, 24 bytes per call (docs/performance.md, "Single call: the host-to-guest floor").
     */
    @CompilationFinal
    private boolean otherInputSeen;

    /** Whether callers' compilations must not inline this root ({@link CallerInlining}). */
    private final boolean neverInlined;

    /**
     * @param contexts the language's context reference (for host input access)
     * @param budget the filter's budget (docs/guards.md), or null
     */
    public FilterRootNode(
            TruffleLanguage<?> language,
            ContextReference<? extends LanguageContext> contexts,
            LoweredProgram program,
            String name,
            Budget budget,
            InstructionSource source) {
        super(language, ProgramBodyNode.frameDescriptor());
        this.source = source;
        this.contexts = contexts;
        this.seccomp = program.profile() == Profile.SECCOMP;
        this.body = ProgramBodyNode.create(program, budget, source);
        this.name = name;
        this.neverInlined = CallerInlining.refused(program.ops().length);
    }

    @Override
    public Object execute(VirtualFrame frame) {
        CallerInlining.stopExploration(neverInlined);
        Object[] args = frame.getArguments();
        Env env = contexts.get(this).env();
        if (args.length < 1) {
            CompilerDirectives.transferToInterpreter();
            throw SluiceException.atNode(this, CoreFailure.BAD_INPUT, "a filter takes its input as first argument");
        }
        byte[] data = input(args[0], env);
        if (seccomp) {
            if (data.length != 64) {
                CompilerDirectives.transferToInterpreter();
                throw SluiceException.atNode(this, CoreFailure.SECCOMP_INPUT_SIZE, data.length);
            }
            return body.execute(frame, data, 0, 64, 64, PacketMeta.DEFAULT) & 0xffffffffL;
        }
        PacketMeta meta = args.length > 1 ? MetaArgument.read(args[1], env, this) : PacketMeta.DEFAULT;
        int captured = data.length - meta.dataOffset;
        if (meta.dataOffset < 0 || captured < 0) {
            CompilerDirectives.transferToInterpreter();
            throw SluiceException.atNode(
                    this,
                    CoreFailure.BAD_INPUT,
                    "dataOffset " + meta.dataOffset + " is outside the input of " + data.length + " bytes");
        }
        return body.execute(frame, data, meta.dataOffset, captured, captured, meta) & 0xffffffffL;
    }

    private byte[] input(Object argument, Env env) {
        if (!otherInputSeen) {
            byte[] host = InputAccess.hostBytes(argument, env);
            if (host != null) {
                return host;
            }
            CompilerDirectives.transferToInterpreterAndInvalidate();
            otherInputSeen = true;
        }
        return InputAccess.bytes(argument, env, this);
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
