package dev.sluice.benchmarks;

import java.util.concurrent.TimeUnit;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Value;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Seccomp policies ({@link SeccompPolicies}) over syscall records from {@link SyscallMix} (the mix, or the kernel
 * harness's probe call repeated), in ns per record:
 * {@code singleCall} = one {@code Value.execute(byte[64])} per record, {@code batch} = one {@code runRecords} over all.
 * A policy from another source (an SCPL file compiled by the SCPL language, say) is one more name in {@link #policy}
 * and one more case in {@link #program}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
public class SeccompBenchmark {
    public static final int RECORDS = 10_000;

    @Param({"large", "jitk"})
    public String policy;

    @Param({"compiled", "interpreter"})
    public String tier;
    /** mix: the realistic syscall mix; getppid / personality: the kernel harness's probe call, repeated. */
    @Param({"mix", "getppid", "personality"})
    public String records;

    private Context context;
    private Value program;
    private byte[] input;
    private byte[][] singles;
    private int[] verdicts;

    /** The policy's raw program: both current policies are generated BPF files under benchmarks/data. */
    static byte[] program(String policy) throws Exception {
        return switch (policy) {
            case "large", "jitk" -> Sluice.seccompPolicy(policy);
            default -> throw new IllegalArgumentException("unknown policy " + policy);
        };
    }

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) throws Exception {
        input = records.equals("mix")
                ? SyscallMix.records(RECORDS, SyscallMix.DEFAULT_SEED)
                : SyscallMix.probe(records, RECORDS);
        singles = new byte[RECORDS][];
        for (int i = 0; i < RECORDS; i++) {
            singles[i] =
                    java.util.Arrays.copyOfRange(input, i * SyscallMix.RECORD_SIZE, (i + 1) * SyscallMix.RECORD_SIZE);
        }
        verdicts = new int[RECORDS];
        CompileWatch watch = new CompileWatch();
        context = Sluice.context("seccomp", Tier.of(tier), watch);
        program = Sluice.load(context, "seccomp", "seccomp-" + policy, program(policy));
        long single = singleCall();
        long batched = batch();
        if (single != batched) {
            throw new IllegalStateException(
                    policy + ": single calls gave " + single + " nonzero verdicts, the batch " + batched);
        }
        if (Tier.of(tier).compiles()) {
            // Warm only what this trial measures: JMH runs each benchmark method in its own fork.
            if (params.getBenchmark().endsWith(".batch")) {
                watch.warmUntilCompiled(
                        this::batch, CompileWatch.WARM_SECONDS, CompileWatch.HOST_INVOKE, "bpf-seccomp-runRecords");
            } else {
                watch.warmUntilCompiled(this::singleCall, CompileWatch.WARM_SECONDS, CompileWatch.HOST_EXECUTE);
                watch.settle(this::singleCall, CompileWatch.SETTLE_SECONDS);
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        context.close();
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public long singleCall() {
        long nonzero = 0;
        for (byte[] r : singles) {
            if (program.execute(r).asLong() != 0) {
                nonzero++;
            }
        }
        return nonzero;
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public long batch() {
        return program.invokeMember("runRecords", input, SyscallMix.RECORD_SIZE, verdicts)
                .asLong();
    }
}
