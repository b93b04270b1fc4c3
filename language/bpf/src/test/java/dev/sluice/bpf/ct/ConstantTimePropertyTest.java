package dev.sluice.bpf.ct;

import static dev.sluice.bpf.isa.Opcodes.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.bpf.formats.RawFormat;
import dev.sluice.bpf.isa.Ancillary;
import dev.sluice.bpf.isa.Insn;
import dev.sluice.bpf.isa.Profile;
import dev.sluice.bpf.isa.Program;
import dev.sluice.bpf.verify.SecretTaint;
import dev.sluice.bpf.verify.Verifier;
import dev.sluice.core.error.SluiceException;
import dev.sluice.core.testing.EngineMode;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;
import org.graalvm.polyglot.proxy.ProxyObject;

/**
 * The constant-time property, on random programs built from every operation of classic BPF (every load mode and size,
 * every ancillary load, scratch memory, every ALU and jump op with K and X, returns) over inputs with declared secret
 * bytes. A program the constant-time verifier accepts must, for every value of the secret bytes, evaluate the same
 * operations in the same order and depend on the same values (the offsets its loads read, its divisors, the offsets a
 * netlink walk visits); and it must give the verdict of normal execution. A program it refuses must be refused with
 * a located error ("insn N: constant-time program ..."), never a host exception.
 */
class ConstantTimePropertyTest {
    /** Secret declarations the programs run under (one context per declaration and mode). */
    private static final String[] SOCKET_SECRETS = {"4-11", "16-31", "0-47", "30"};

    private static final String[] SECCOMP_SECRETS = {"args", "arg0", "nr,arg1", "ip"};
    private static final int SECRET_VARIANTS = 6;

    private static final Map<EngineMode, Engine> ENGINES = new HashMap<>();
    private static final Map<String, Context> CONTEXTS = new HashMap<>();

    @BeforeContainer
    static void open() {
        ENGINES.put(EngineMode.INTERPRETED, EngineMode.INTERPRETED.newEngine());
        ENGINES.put(EngineMode.COMPILED, EngineMode.COMPILED.newEngine());
    }

    @AfterContainer
    static void close() {
        CONTEXTS.values().forEach(Context::close);
        CONTEXTS.clear();
        ENGINES.values().forEach(Engine::close);
        ENGINES.clear();
    }

    private static Context context(EngineMode mode, boolean constantTime, String secrets) {
        return CONTEXTS.computeIfAbsent(
                mode + "/" + constantTime + "/" + secrets,
                key -> Context.newBuilder("bpf")
                        .engine(ENGINES.get(mode))
                        .allowExperimentalOptions(true)
                        .option("bpf.ConstantTime", Boolean.toString(constantTime))
                        .option("bpf.SecretFields", secrets)
                        .option("bpf.RecordOperations", Boolean.toString(constantTime))
                        .build());
    }

    /** A program, its secret declaration, and a public input whose secret bytes the property replaces. */
    record Case(Profile profile, Program program, String secrets, byte[] input, long seed) {
        @Override
        public String toString() {
            return profile.id() + " secrets=" + secrets + " " + program + " input "
                    + HexFormat.of().formatHex(input) + " seed " + seed;
        }
    }

    @Property(tries = 600)
    void acceptedProgramsRunTheSameOperationsForEverySecretInterpreted(@ForAll("cases") Case c) {
        check(EngineMode.INTERPRETED, c);
        requireSecretReadingProgramsAmongTheAccepted();
    }

    /** Fewer tries: each accepted program is compiled by Graal before its first run. */
    @Property(tries = 100)
    void acceptedProgramsRunTheSameOperationsForEverySecretCompiled(@ForAll("cases") Case c) {
        check(EngineMode.COMPILED, c);
        requireSecretReadingProgramsAmongTheAccepted();
    }

    /** Checked at the end of each property: a property that only ever saw programs ignoring the secret proves nothing. */
    private static void requireSecretReadingProgramsAmongTheAccepted() {
        Statistics.label("verdict")
                .coverage(coverage ->
                        coverage.check("accepted, reads secret bytes").count(n -> n >= 5));
    }

    private static void check(EngineMode mode, Case c) {
        String mime = c.profile == Profile.SECCOMP ? "application/x-bpf-seccomp" : "application/x-bpf-socket";
        Source source = Source.newBuilder(
                        "bpf", ByteSequence.create(RawFormat.encode(c.program, ByteOrder.LITTLE_ENDIAN)), "random.bpf")
                .mimeType(mime)
                .buildLiteral();
        Value ct;
        try {
            ct = context(mode, true, c.secrets).eval(source);
        } catch (PolyglotException e) {
            assertTrue(
                    e.isSyntaxError() && !e.isInternalError(),
                    () -> "refused as a located syntax error: " + e + " for " + c);
            assertTrue(
                    e.getMessage().matches("insn \\d+: constant-time program .*"),
                    () -> "located refusal: " + e.getMessage());
            Statistics.label("verdict")
                    .collect("refused: "
                            + e.getMessage()
                                    .replaceAll("insn \\d+: constant-time program ", "")
                                    .replaceAll("[:\\[].*", "")
                                    .trim());
            return;
        }
        Value normal = context(mode, false, c.secrets).eval(source);
        SecretTaint.Secrets secret = SecretTaint.parse(c.secrets, c.profile);
        Random rnd = new Random(c.seed);
        Object meta = c.profile == Profile.SOCKET ? metadata(rnd) : null;
        String firstTrace = null;
        for (int v = 0; v < SECRET_VARIANTS; v++) {
            byte[] input = withSecret(c.input, secret, rnd, v);
            long expected = run(normal, input, meta);
            long got = run(ct, input, meta);
            byte[] shown = input;
            assertEquals(
                    expected,
                    got,
                    () -> "constant-time verdict differs from normal mode for " + c + " with input "
                            + HexFormat.of().formatHex(shown));
            String trace = ct.getMember("operationTrace").asString();
            assertTrue(trace.startsWith("0:"), () -> "trace of a whole run: " + trace);
            if (firstTrace == null) {
                firstTrace = trace;
            } else {
                String first = firstTrace;
                assertEquals(
                        first,
                        trace,
                        () -> "the operations depend on the secret for " + c + " with input "
                                + HexFormat.of().formatHex(shown));
            }
        }
        Statistics.label("verdict")
                .collect(readsSecret(c, secret) ? "accepted, reads secret bytes" : "accepted, no secret read");
    }

    private static long run(Value filter, byte[] input, Object meta) {
        return (meta == null ? filter.execute((Object) input) : filter.execute(input, meta)).asLong();
    }

    /** Whether some absolute load of the program reads a declared secret byte (for the statistics). */
    private static boolean readsSecret(Case c, SecretTaint.Secrets secret) {
        for (Insn insn : c.program.insns()) {
            if (cls(insn.code()) == LD
                    && mode(insn.code()) == ABS
                    && !Ancillary.inAncillaryRange(insn.k())
                    && secret.overlaps(insn.k(), 4)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Variant 0 keeps the drawn bytes; then all zero, all ones, netlink-header-like bytes (small little-endian 16-bit
     * lengths and types, so that attribute walks take secret-dependent steps), and random bytes.
     */
    private static byte[] withSecret(byte[] base, SecretTaint.Secrets secret, Random rnd, int variant) {
        byte[] b = base.clone();
        for (int i = secret.bytes().nextSetBit(0);
                i >= 0 && i < b.length;
                i = secret.bytes().nextSetBit(i + 1)) {
            b[i] = switch (variant) {
                case 0 -> b[i];
                case 1 -> 0;
                case 2 -> (byte) 0xff;
                case 3, 4 -> (byte) (i % 2 == 0 ? 4 * rnd.nextInt(4) : 0);
                default -> (byte) rnd.nextInt(256);
            };
        }
        return b;
    }

    /** Skb metadata, the same for every secret variant (it is public); rand is fixed so that verdicts compare. */
    private static Object metadata(Random rnd) {
        Map<String, Object> m = new HashMap<>();
        m.put("protocol", 0x0800);
        m.put("rxhash", rnd.nextInt());
        m.put("payloadOffset", rnd.nextInt(40));
        m.put("random", rnd.nextInt());
        m.put("mark", rnd.nextInt(5));
        if (rnd.nextBoolean()) {
            m.put("ifIndex", 1 + rnd.nextInt(4));
            m.put("hatype", 1);
        }
        if (rnd.nextBoolean()) {
            m.put("vlanTci", rnd.nextInt(4096));
        }
        return ProxyObject.fromMap(m);
    }

    @Provide
    Arbitrary<Case> cases() {
        return Arbitraries.randomValue(ConstantTimePropertyTest::generate).filter(c -> c != null);
    }

    /** A random verified program with its secret declaration and input, or null when the kernel's rules refuse it. */
    static Case generate(Random r) {
        long seed = r.nextLong();
        boolean seccomp = r.nextInt(4) == 0;
        int n = 2 + r.nextInt(20);
        List<Insn> insns = new ArrayList<>();
        for (int i = 0; i < n - 1; i++) {
            insns.add(randomInsn(r, seccomp, n - 2 - i));
        }
        insns.add(r.nextBoolean() ? Insn.stmt(RET | A, 0) : Insn.stmt(RET | K, r.nextInt(4)));
        if (!seccomp && r.nextInt(3) == 0) {
            // A netlink search from a plausible offset for a small attribute type: with the header-like secret
            // variants below, its walk takes a different number of steps for different secrets. Jumps stay valid: an
            // insertion only moves their targets further from them.
            Ancillary search = r.nextBoolean() ? Ancillary.NLATTR : Ancillary.NLATTR_NEST;
            insns.addAll(
                    r.nextInt(insns.size()),
                    List.of(
                            Insn.stmt(LD | IMM, new int[] {0, 4, 8, 16, 20, 24, 28}[r.nextInt(7)]),
                            Insn.stmt(LDX | IMM, r.nextInt(8)),
                            Insn.stmt(LD | W | ABS, search.k())));
        }
        Program program = new Program(insns);
        Profile profile = seccomp ? Profile.SECCOMP : Profile.SOCKET;
        try {
            Verifier.verify(program, profile);
        } catch (SluiceException e) {
            return null;
        }
        String secrets = seccomp
                ? SECCOMP_SECRETS[r.nextInt(SECCOMP_SECRETS.length)]
                : SOCKET_SECRETS[r.nextInt(SOCKET_SECRETS.length)];
        byte[] input = new byte[seccomp ? 64 : 24 + r.nextInt(40)]; // mostly long enough to hold the secret bytes
        r.nextBytes(input);
        return new Case(profile, program, secrets, input, seed);
    }

    private static final int[] ALU_OPS = {ADD, SUB, MUL, DIV, MOD, AND, OR, XOR, LSH, RSH};
    private static final int[] JUMP_OPS = {JEQ, JGT, JGE, JSET};

    /** One instruction of any kind; {@code room} is how far a jump may go and still land on an instruction. */
    private static Insn randomInsn(Random r, boolean seccomp, int room) {
        int size = new int[] {W, H, B}[r.nextInt(3)];
        switch (r.nextInt(14)) {
            case 0:
                return Insn.stmt(r.nextBoolean() ? LD | IMM : LDX | IMM, r.nextBoolean() ? r.nextInt(48) : r.nextInt());
            case 1, 2:
                return seccomp
                        ? Insn.stmt(LD | W | ABS, 4 * r.nextInt(16))
                        : Insn.stmt(LD | size | ABS, packetOffset(r));
            case 3:
                return seccomp
                        ? Insn.stmt(LDX | W | LEN, 0)
                        : Insn.stmt(LD | size | IND, r.nextInt(3) == 0 ? packetOffset(r) : r.nextInt(40) - 4);
            case 4:
                return seccomp
                        ? Insn.stmt(LD | W | LEN, 0)
                        : Insn.stmt(LDX | B | MSH, r.nextInt(4) == 0 ? packetOffset(r) : r.nextInt(48));
            case 5:
                return Insn.stmt(
                        new int[] {LD | W | LEN, LDX | W | LEN, ALU | NEG, MISC | TAX, MISC | TXA}[r.nextInt(5)], 0);
            case 6:
                return Insn.stmt(new int[] {ST, STX, LD | MEM, LDX | MEM}[r.nextInt(4)], r.nextInt(3));
            case 7, 8: {
                int op = ALU_OPS[r.nextInt(ALU_OPS.length)];
                if (r.nextBoolean()) {
                    // Division by X is the ALU op whose work depends on an operand: draw it more often.
                    return Insn.stmt(ALU | (r.nextInt(3) == 0 ? (r.nextBoolean() ? DIV : MOD) : op) | X, 0);
                }
                int k = op == LSH || op == RSH
                        ? r.nextInt(32)
                        : op == DIV || op == MOD ? 1 + r.nextInt(9) : r.nextInt(256);
                return Insn.stmt(ALU | op | K, k);
            }
            case 9, 10, 11: {
                if (r.nextInt(5) == 0) {
                    return Insn.stmt(JMP | JA, r.nextInt(room + 1));
                }
                int src = r.nextBoolean() ? X : K;
                return Insn.jump(
                        JMP | JUMP_OPS[r.nextInt(JUMP_OPS.length)] | src,
                        src == X ? 0 : r.nextInt(256),
                        Math.min(255, r.nextInt(room + 1)),
                        Math.min(255, r.nextInt(room + 1)));
            }
            case 12:
                if (!seccomp) {
                    Ancillary[] all = Ancillary.values();
                    return Insn.stmt(
                            LD | size | ABS,
                            all[r.nextInt(all.length)].k()); // the kernel ignores the size of ancillary loads
                }
                return Insn.stmt(LD | W | ABS, 4 * r.nextInt(16));
            default:
                return r.nextBoolean() ? Insn.stmt(RET | A, 0) : Insn.stmt(RET | K, r.nextInt(4));
        }
    }

    private static int packetOffset(Random r) {
        return switch (r.nextInt(6)) {
            case 0 -> SKF_NET_OFF + r.nextInt(24);
            case 1 -> SKF_LL_OFF + r.nextInt(24);
            default -> r.nextInt(56);
        };
    }
}
