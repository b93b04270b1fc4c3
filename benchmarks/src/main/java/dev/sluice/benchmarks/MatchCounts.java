package dev.sluice.benchmarks;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Value;

/**
 * Prints what each workload accepts, so compare.sh can check that Sluice and libpcap agree on every filter before it
 * compares their speed: {@code socket NAME ACCEPTED} per packet filter and {@code seccomp NAME action=count ...} per
 * policy. Arguments: the packet filter names.
 */
public final class MatchCounts {
    private MatchCounts() {}

    public static void main(String[] args) throws Exception {
        // compare.sh names no filter (only the policies): then no packet set need exist (`--sets linkmix` on a fresh
        // checkout has no generated set).
        List<byte[]> frames = args.length > 0 ? PacketSet.load() : List.of();
        try (Context ctx = Sluice.context("socket", Tier.INTERPRETER)) {
            for (String name : args) {
                Value f = Sluice.load(ctx, "socket", name, Sluice.packetFilter(name));
                long accepted = 0;
                for (byte[] p : frames) {
                    if (f.execute(p).asLong() != 0) {
                        accepted++;
                    }
                }
                System.out.println("socket " + name + " " + accepted);
            }
        }
        byte[] records = SyscallMix.records(SeccompBenchmark.RECORDS, SyscallMix.DEFAULT_SEED);
        try (Context ctx = Sluice.context("seccomp", Tier.INTERPRETER)) {
            for (String policy : new String[] {"large", "jitk"}) {
                Value f = Sluice.load(ctx, "seccomp", policy, SeccompBenchmark.program(policy));
                int[] verdicts = new int[SeccompBenchmark.RECORDS];
                f.invokeMember("runRecords", records, SyscallMix.RECORD_SIZE, verdicts);
                Map<String, Integer> byAction = new TreeMap<>();
                for (int v : verdicts) {
                    byAction.merge(action(v), 1, Integer::sum);
                }
                StringBuilder line = new StringBuilder("seccomp " + policy + " (" + f.getMember("length") + " insns)");
                byAction.forEach(
                        (k, n) -> line.append(' ').append(k).append('=').append(n));
                System.out.println(line);
            }
        }
    }

    private static String action(int v) {
        return switch (v & 0xffff0000) {
            case SeccompPolicies.RET_ALLOW -> "allow";
            case SeccompPolicies.RET_ERRNO -> "errno" + (v & 0xffff);
            case SeccompPolicies.RET_KILL_PROCESS -> "kill_process";
            case 0 -> "kill_thread";
            default -> String.format("0x%08x", v);
        };
    }
}
