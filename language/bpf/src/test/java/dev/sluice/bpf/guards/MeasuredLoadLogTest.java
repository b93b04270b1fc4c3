package dev.sluice.bpf.guards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.sluice.core.trust.MeasuredLoadLog;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;
import org.junit.jupiter.api.Test;

/** The measured-load log: every load extends the chain; replaying the entries gives the chain; order matters. */
class MeasuredLoadLogTest {
    static List<MeasuredLoadLog.Entry> entries(Value array) {
        List<MeasuredLoadLog.Entry> out = new ArrayList<>();
        for (long i = 0; i < array.getArraySize(); i++) {
            Value e = array.getArrayElement(i);
            out.add(new MeasuredLoadLog.Entry(
                    e.getMember("index").asInt(),
                    e.getMember("name").asString(),
                    e.getMember("digest").asString(),
                    e.getMember("profile").asString(),
                    e.getMember("options").asString(),
                    e.getMember("chain").asString()));
        }
        return out;
    }

    @Test
    void everyLoadExtendsTheChainAndReplayReproducesIt() throws Exception {
        byte[][] programs = {
            GuardPrograms.raw(GuardPrograms.tagged(1, 0)),
            GuardPrograms.raw(GuardPrograms.tagged(2, 0)),
            GuardPrograms.raw(GuardPrograms.tagged(3, 0))
        };
        try (Context c = Context.newBuilder("bpf").build()) {
            Value bindings = c.getBindings("bpf");
            assertEquals("0".repeat(64), bindings.getMember("measurement").asString());
            List<Value> filters = new ArrayList<>();
            for (int i = 0; i < programs.length; i++) {
                filters.add(c.eval(Source.newBuilder("bpf", ByteSequence.create(programs[i]), "p" + i + ".bpf")
                        .build()));
            }
            // A socket program is measured with its profile.
            c.eval(Source.newBuilder("bpf", ByteSequence.create(programs[0]), "s.bpf")
                    .mimeType("application/x-bpf-socket")
                    .build());
            List<MeasuredLoadLog.Entry> log = entries(bindings.getMember("measurements"));
            assertEquals(4, log.size());
            for (int i = 0; i < programs.length; i++) {
                MeasuredLoadLog.Entry e = log.get(i);
                assertEquals(i, e.index());
                assertEquals("p" + i + ".bpf", e.name());
                assertEquals(
                        HexFormat.of()
                                .formatHex(MessageDigest.getInstance("SHA-256").digest(programs[i])),
                        e.digest());
                assertEquals("seccomp", e.profile());
                assertEquals(
                        e.chain(),
                        filters.get(i)
                                .getMember("measurement")
                                .getMember("chain")
                                .asString());
                assertEquals(e.chain(), MeasuredLoadLog.replay(log.subList(0, i + 1)));
            }
            assertEquals("socket", log.get(3).profile());
            assertEquals(log.get(0).digest(), log.get(3).digest());
            assertNotEquals(log.get(0).chain(), log.get(3).chain());
            String fin = bindings.getMember("measurement").asString();
            assertEquals(fin, MeasuredLoadLog.replay(log));
            assertEquals(fin, log.get(3).chain());
            // Independent recomputation of the first step from the documented formula.
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(new byte[32]);
            md.update(HexFormat.of().parseHex(log.get(0).digest()));
            md.update("seccomp".getBytes());
            md.update((byte) 0);
            md.update(log.get(0).options().getBytes());
            assertEquals(HexFormat.of().formatHex(md.digest()), log.get(0).chain());

            List<MeasuredLoadLog.Entry> swapped = new ArrayList<>(log);
            swapped.set(0, log.get(1));
            swapped.set(1, log.get(0));
            assertNotEquals(fin, MeasuredLoadLog.replay(swapped), "reordering changes the chain");
            assertNotEquals(fin, MeasuredLoadLog.replay(log.subList(1, 4)), "dropping an entry changes the chain");
            List<MeasuredLoadLog.Entry> otherOptions = new ArrayList<>(log);
            MeasuredLoadLog.Entry first = log.get(0);
            otherOptions.set(
                    0,
                    new MeasuredLoadLog.Entry(
                            0, first.name(), first.digest(), first.profile(), first.options() + "x", first.chain()));
            assertNotEquals(fin, MeasuredLoadLog.replay(otherOptions), "the options are measured");
        }
    }

    @Test
    void optionsAreMeasured() throws Exception {
        byte[] p = GuardPrograms.raw(GuardPrograms.tagged(1, 0));
        String x86;
        String arm;
        try (Context c = Context.newBuilder("bpf").option("bpf.Arch", "x86_64").build()) {
            c.eval(Source.newBuilder("bpf", ByteSequence.create(p), "p.bpf").build());
            x86 = c.getBindings("bpf").getMember("measurement").asString();
            assertEquals(
                    "arch=x86_64,inputFormat=auto,requireSignature=false,maxInstructions=0,instructionsPerSecond=0,invocationsPerSecond=0,budgetWindowMillis=1000,budgetCounters=false,overBudgetAction=error,constantBlinding=auto",
                    c.getBindings("bpf")
                            .getMember("measurements")
                            .getArrayElement(0)
                            .getMember("options")
                            .asString());
        }
        try (Context c = Context.newBuilder("bpf").option("bpf.Arch", "aarch64").build()) {
            c.eval(Source.newBuilder("bpf", ByteSequence.create(p), "p.bpf").build());
            arm = c.getBindings("bpf").getMember("measurement").asString();
        }
        assertNotEquals(x86, arm);
    }
}
