package dev.sluice.bpf.trace;

import static dev.sluice.bpf.isa.Opcodes.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.bpf.formats.RawFormat;
import dev.sluice.bpf.isa.Ancillary;
import dev.sluice.bpf.isa.Insn;
import dev.sluice.bpf.isa.Profile;
import dev.sluice.bpf.isa.Program;
import dev.sluice.bpf.lower.Lowering;
import dev.sluice.bpf.verify.Verifier;
import dev.sluice.core.error.SluiceException;
import dev.sluice.core.seccomp.Arch;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;

/**
 * The trace behind {@code sluice explain} must explain the verdict the engine gives: on random verified programs and
 * random inputs, a run observed by the step trace instrument returns what an unobserved run returns, its path is a
 * forward walk from instruction 0 ending at a ret (or at the instruction that ended the program early), and a
 * {@code ret a} returns the A the trace shows.
 */
class TracerAgreesWithEngineTest {
    private static Context socketContext;
    private static Context seccompLittle;
    private static Context seccompBig;
    /** The same three, with the step trace instrument attached. */
    private static Context socketTraced;

    private static Context seccompLittleTraced;
    private static Context seccompBigTraced;

    private static Context context(String option, String value) {
        return Context.newBuilder("bpf")
                .option("engine.WarnInterpreterOnly", "false")
                .option(option, value)
                .build();
    }

    private static Context traced(String option, String value) {
        Context c = context(option, value);
        c.getEngine()
                .getInstruments()
                .get(StepTraceInstrument.ID)
                .lookup(StepTrace.class)
                .start();
        return c;
    }

    @BeforeContainer
    static void open() {
        socketContext = context("bpf.Profile", "socket");
        seccompLittle = context("bpf.Arch", "x86_64");
        seccompBig = context("bpf.Arch", "s390x");
        socketTraced = traced("bpf.Profile", "socket");
        seccompLittleTraced = traced("bpf.Arch", "x86_64");
        seccompBigTraced = traced("bpf.Arch", "s390x");
    }

    @AfterContainer
    static void close() {
        for (Context c : new Context[] {
            socketContext, seccompLittle, seccompBig, socketTraced, seccompLittleTraced, seccompBigTraced
        }) {
            c.close();
        }
    }

    record Case(Profile profile, Arch arch, Program program, byte[] input) {
        @Override
        public String toString() {
            return profile.id() + "/" + arch + " " + program + " input "
                    + java.util.HexFormat.of().formatHex(input);
        }
    }

    @Property(tries = 1500)
    void socketFiltersAgree(@ForAll("socketCases") Case c) {
        check(c, socketContext, socketTraced, "application/x-bpf-socket");
    }

    @Property(tries = 1500)
    void seccompFiltersAgree(@ForAll("seccompCases") Case c) {
        check(
                c,
                c.arch.bigEndian() ? seccompBig : seccompLittle,
                c.arch.bigEndian() ? seccompBigTraced : seccompLittleTraced,
                "application/x-bpf-seccomp");
    }

    private static Value load(Context context, Case c, String mime) {
        return context.eval(Source.newBuilder(
                        "bpf", ByteSequence.create(RawFormat.encode(c.program, c.arch.byteOrder())), "random.bpf")
                .mimeType(mime)
                .buildLiteral());
    }

    private static void check(Case c, Context context, Context traced, String mime) {
        int engine = (int) load(context, c, mime).execute((Object) c.input).asLong();
        StepTrace stepTrace =
                traced.getEngine().getInstruments().get(StepTraceInstrument.ID).lookup(StepTrace.class);
        Value observed = load(traced, c, mime);
        stepTrace.begin();
        int observedResult = (int) observed.execute((Object) c.input).asLong();
        List<StepTrace.Entry> entered = stepTrace.end();
        dev.sluice.bpf.lower.LoweredProgram lowered = Lowering.lower(c.program, c.profile, c.arch);
        Tracer.Trace trace = Tracer.of(lowered, entered, observedResult);
        assertEquals(engine, trace.result(), () -> "verdict differs for " + c);
        List<Tracer.Step> steps = trace.steps();
        assertEquals(0, steps.get(0).pc(), "a trace starts at insn 0");
        for (int i = 1; i < steps.size(); i++) {
            assertTrue(steps.get(i).pc() > steps.get(i - 1).pc(), () -> "the path goes backward in " + steps);
        }
        int lastPc = steps.get(steps.size() - 1).pc();
        // Lowering folds a constant load below every negative range into "ret 0": the path then ends at that load.
        boolean foldedFailingLoad = lowered.ops()[lastPc] == dev.sluice.bpf.lower.Op.RET_K
                && cls(c.program.get(lastPc).code()) == LD;
        assertTrue(
                trace.endedEarly() || cls(c.program.get(lastPc).code()) == RET || foldedFailingLoad,
                () -> "a trace ends at a ret unless a load failed: " + steps);
        if (c.program.get(lastPc).code() == (RET | A)) {
            assertEquals(
                    engine, steps.get(steps.size() - 1).a(), () -> "ret a returns the A the trace shows: " + steps);
        }
    }

    @Provide
    Arbitrary<Case> socketCases() {
        return Arbitraries.randomValue(r -> generate(r, Profile.SOCKET)).filter(c -> c != null);
    }

    @Provide
    Arbitrary<Case> seccompCases() {
        return Arbitraries.randomValue(r -> generate(r, Profile.SECCOMP)).filter(c -> c != null);
    }

    private static final int[] INTERESTING = {
        0, 1, 2, 3, 4, 7, 8, 14, 31, 32, 0x7f, 0x80, 0xff, 0x800, 0xffff, 0x7fffffff, 0x80000000, -1, -2
    };

    private static int anyK(Random r) {
        return r.nextInt(3) == 0 ? r.nextInt() : INTERESTING[r.nextInt(INTERESTING.length)];
    }

    /** A random program, or null when the verifier rejects it (the property then draws again). */
    static Case generate(Random r, Profile profile) {
        boolean seccomp = profile == Profile.SECCOMP;
        int n = 1 + r.nextInt(24);
        List<Insn> insns = new ArrayList<>();
        for (int i = 0; i < n - 1; i++) {
            int room = n - 2 - i; // how far a jump from here may go and still land on an instruction
            insns.add(randomInsn(r, seccomp, room));
        }
        insns.add(r.nextBoolean() ? Insn.stmt(RET | A, 0) : Insn.stmt(RET | K, anyK(r)));
        Program program = new Program(insns);
        try {
            Verifier.verify(program, profile);
        } catch (SluiceException e) {
            return null;
        }
        Arch arch = seccomp && r.nextBoolean() ? Arch.S390X : Arch.X86_64;
        byte[] input = new byte[seccomp ? 64 : r.nextInt(80)];
        r.nextBytes(input);
        return new Case(profile, arch, program, input);
    }

    private static Insn randomInsn(Random r, boolean seccomp, int room) {
        switch (r.nextInt(12)) {
            case 0:
                return Insn.stmt(r.nextBoolean() ? LD | IMM : LDX | IMM, anyK(r));
            case 1:
                if (seccomp) {
                    return Insn.stmt(LD | W | ABS, 4 * r.nextInt(16));
                }
                return Insn.stmt(LD | new int[] {W, H, B}[r.nextInt(3)] | ABS, packetOffset(r));
            case 2:
                if (seccomp) {
                    return Insn.stmt(r.nextBoolean() ? LD | W | LEN : LDX | W | LEN, 0);
                }
                return Insn.stmt(
                        LD | new int[] {W, H, B}[r.nextInt(3)] | IND,
                        r.nextBoolean() ? r.nextInt(40) - 4 : packetOffset(r));
            case 3:
                if (seccomp) {
                    return Insn.stmt(LD | W | ABS, 4 * r.nextInt(16));
                }
                return r.nextBoolean()
                        ? Insn.stmt(LDX | B | MSH, r.nextInt(40))
                        : Insn.stmt(r.nextBoolean() ? LD | W | LEN : LDX | W | LEN, 0);
            case 4:
                return Insn.stmt(new int[] {ST, STX, LD | MEM, LDX | MEM}[r.nextInt(4)], r.nextInt(4));
            case 5, 6: {
                int op = new int[] {ADD, SUB, MUL, DIV, MOD, AND, OR, XOR, LSH, RSH}[r.nextInt(10)];
                if (r.nextBoolean()) {
                    return Insn.stmt(ALU | op | X, 0);
                }
                int k = op == LSH || op == RSH ? r.nextInt(32) : anyK(r);
                return Insn.stmt(ALU | op | K, k);
            }
            case 7:
                return Insn.stmt(new int[] {ALU | NEG, MISC | TAX, MISC | TXA}[r.nextInt(3)], 0);
            case 8, 9, 10: {
                if (r.nextInt(5) == 0) {
                    return Insn.stmt(JMP | JA, room == 0 ? 0 : r.nextInt(room + 1));
                }
                int op = new int[] {JEQ, JGT, JGE, JSET}[r.nextInt(4)];
                int src = r.nextBoolean() ? X : K;
                return Insn.jump(
                        JMP | op | src,
                        anyK(r),
                        Math.min(255, r.nextInt(room + 1)),
                        Math.min(255, r.nextInt(room + 1)));
            }
            default:
                if (!seccomp && r.nextInt(3) == 0) {
                    Ancillary[] all = Ancillary.values();
                    Ancillary a;
                    do {
                        a = all[r.nextInt(all.length)];
                    } while (a == Ancillary.RANDOM); // a fresh random number per load: not comparable
                    return Insn.stmt(LD | W | ABS, a.k());
                }
                return r.nextBoolean() ? Insn.stmt(RET | A, 0) : Insn.stmt(RET | K, anyK(r));
        }
    }

    private static int packetOffset(Random r) {
        return switch (r.nextInt(4)) {
            case 0 -> SKF_NET_OFF + r.nextInt(24);
            case 1 -> SKF_LL_OFF + r.nextInt(24);
            case 2 -> SKF_LL_OFF - 1 - r.nextInt(4);
            default -> r.nextInt(84);
        };
    }
}
