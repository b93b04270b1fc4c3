package dev.sluice.scpl;

import dev.sluice.bpf.formats.RawFormat;
import dev.sluice.bpf.isa.Program;
import dev.sluice.bpf.trace.StepTrace;
import dev.sluice.bpf.trace.StepTraceInstrument;
import dev.sluice.core.seccomp.Arch;
import dev.sluice.core.seccomp.SeccompData;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;

/** Runs a compiled program in the bpf language, independently of the compiler's own validator. */
public final class BpfRunner implements AutoCloseable {
    private final Context context;
    private final Value filter;
    private final Arch arch;
    private StepTrace steps;

    public BpfRunner(Program program, Arch arch) {
        this.arch = arch;
        this.context = Context.newBuilder("bpf")
                .option("bpf.Arch", arch.token())
                .option("engine.WarnInterpreterOnly", "false")
                .build();
        this.filter = context.eval(
                Source.newBuilder("bpf", ByteSequence.create(RawFormat.encode(program, arch.byteOrder())), "test.bpf")
                        .mimeType("application/x-bpf-seccomp")
                        .buildLiteral());
    }

    /**
     * How many instructions the filter executes on a call, counted by the bpf language's step trace instrument on the
     * engine's own run (attached at the first call of this method, so runs before it pay nothing).
     */
    public int steps(byte[] seccompData) {
        if (steps == null) {
            steps = context.getEngine()
                    .getInstruments()
                    .get(StepTraceInstrument.ID)
                    .lookup(StepTrace.class);
            steps.start();
        }
        steps.begin();
        filter.execute((Object) seccompData);
        return steps.end().size();
    }

    public long run(int nr, long... args) {
        return filter.execute(SeccompData.encode(arch, nr, 0L, args)).asLong();
    }

    public long runWithArch(int audit, int nr, long... args) {
        return filter.execute(SeccompData.encodeWithAuditArch(arch, audit, nr, 0L, args))
                .asLong();
    }

    @Override
    public void close() {
        context.close();
    }
}
