package dev.sluice.bpf.ct;

import static dev.sluice.bpf.isa.Opcodes.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.bpf.formats.RawFormat;
import dev.sluice.bpf.isa.Ancillary;
import dev.sluice.bpf.isa.Insn;
import dev.sluice.bpf.isa.Profile;
import dev.sluice.bpf.isa.Program;
import dev.sluice.bpf.verify.Verifier;
import dev.sluice.core.testing.EngineMode;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Constant-time mode: predicated execution gives the same verdicts as normal execution, evaluates the same operations
 * in the same order for every input (interpreted and compiled), and the taint check rejects what it cannot hide.
 */
class ConstantTimeTest {
    private static Value load(Context c, Program p, String mime) {
        return c.eval(
                Source.newBuilder("bpf", ByteSequence.create(RawFormat.encode(p, ByteOrder.nativeOrder())), "p.bpf")
                        .mimeType(mime)
                        .buildLiteral());
    }

    private static Context context(Engine engine, boolean constantTime, String secrets) {
        return Context.newBuilder("bpf")
                .engine(engine)
                .allowExperimentalOptions(true)
                .option("bpf.ConstantTime", Boolean.toString(constantTime))
                .option("bpf.SecretFields", secrets)
                .option("bpf.RecordOperations", Boolean.toString(constantTime))
                .build();
    }

    /** Random valid socket programs; every opcode class, forward jumps only, scratch written before read. */
    static Program randomSocketProgram(Random rnd, int length) {
        List<Insn> insns = new ArrayList<>();
        int[] alu = {ADD, SUB, MUL, DIV, MOD, AND, OR, XOR, LSH, RSH};
        int[] jmp = {JEQ, JGT, JGE, JSET};
        insns.add(Insn.stmt(ST, 0)); // M[0..1] written up front so later reads are valid
        insns.add(Insn.stmt(STX, 1));
        while (insns.size() < length - 1) {
            int pc = insns.size();
            int remaining = length - 1 - pc;
            switch (rnd.nextInt(9)) {
                case 0 -> insns.add(Insn.stmt(LD | new int[] {W, H, B}[rnd.nextInt(3)] | ABS, rnd.nextInt(40)));
                case 1 -> insns.add(Insn.stmt(LD | new int[] {W, H, B}[rnd.nextInt(3)] | IND, rnd.nextInt(40) - 4));
                case 2 -> insns.add(Insn.stmt(rnd.nextBoolean() ? LD | IMM : LDX | IMM, rnd.nextInt()));
                case 3 -> {
                    int op = alu[rnd.nextInt(alu.length)];
                    boolean x = rnd.nextBoolean();
                    int k = op == LSH || op == RSH
                            ? rnd.nextInt(32)
                            : op == DIV || op == MOD ? 1 + rnd.nextInt(9) : rnd.nextInt(256);
                    insns.add(Insn.stmt(ALU | op | (x ? X : K), x ? 0 : k));
                }
                case 4 -> insns.add(Insn.stmt(rnd.nextBoolean() ? LD | MEM : LDX | MEM, rnd.nextInt(2)));
                case 5 -> insns.add(Insn.stmt(MISC | (rnd.nextBoolean() ? TAX : TXA), 0));
                case 6 -> insns.add(Insn.stmt(LDX | B | MSH, rnd.nextInt(30)));
                case 7 -> insns.add(Insn.stmt(rnd.nextBoolean() ? LD | W | LEN : ALU | NEG, 0));
                default -> {
                    int jt = rnd.nextInt(Math.min(remaining, 8));
                    int jf = rnd.nextInt(Math.min(remaining, 8));
                    insns.add(Insn.jump(
                            JMP | jmp[rnd.nextInt(jmp.length)] | (rnd.nextBoolean() ? X : K), rnd.nextInt(64), jt, jf));
                }
            }
        }
        insns.add(Insn.stmt(RET | (rnd.nextBoolean() ? A : K), rnd.nextInt(1000)));
        // Sprinkle a few returns so that paths end at different places.
        for (int i = 3; i < insns.size() - 1; i += 1 + rnd.nextInt(12)) {
            if (rnd.nextInt(3) == 0 && !isJump(insns.get(i).code())) {
                insns.set(i, Insn.stmt(RET | K, rnd.nextInt(100)));
            }
        }
        Program p = new Program(insns);
        Verifier.verify(p, Profile.SOCKET);
        return p;
    }

    static byte[] randomPacket(Random rnd) {
        byte[] b = new byte[rnd.nextInt(48)];
        rnd.nextBytes(b);
        return b;
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void predicatedExecutionGivesTheSameVerdictsAsNormalExecution(EngineMode mode) {
        long seed = Long.getLong("sluice.random.seed", 20261127L);
        System.err.println("ConstantTimeTest seed " + seed);
        Random rnd = new Random(seed);
        int programs = mode == EngineMode.INTERPRETED ? 100 : 30;
        int pairs = 0;
        try (Engine engine = mode.newEngine();
                Context normal = context(engine, false, "");
                Context ct = context(engine, true, "")) {
            for (int i = 0; i < programs; i++) {
                Program p = randomSocketProgram(rnd, 4 + rnd.nextInt(40));
                Value f = load(normal, p, "application/x-bpf-socket");
                Value g = load(ct, p, "application/x-bpf-socket");
                for (int j = 0; j < 25; j++) {
                    byte[] pkt = randomPacket(rnd);
                    assertEquals(
                            f.execute(pkt).asLong(),
                            g.execute(pkt).asLong(),
                            () -> "program " + p + " packet "
                                    + java.util.HexFormat.of().formatHex(pkt));
                    pairs++;
                }
            }
        }
        System.err.println("ConstantTimeTest " + mode + ": " + pairs + " (program, packet) pairs agree");
    }

    /** A seccomp filter branching on a secret argument: both outcomes, with their operation traces. */
    private static Program secretBranchPolicy() {
        return Program.of(
                Insn.stmt(LD | W | ABS, 0), // nr (public)
                Insn.jump(JMP | JEQ | K, 1, 0, 6),
                Insn.stmt(LD | W | ABS, 16), // arg0 low (secret)
                Insn.jump(JMP | JGT | K, 1000, 0, 3),
                Insn.stmt(ALU | MUL | K, 3),
                Insn.stmt(ALU | ADD | K, 7),
                Insn.stmt(RET | K, 0x00050001),
                Insn.stmt(RET | K, 0x7fff0000),
                Insn.stmt(RET | K, 0x7fff0000));
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void operationTraceIsIdenticalForAllInputs(EngineMode mode) {
        Program p = secretBranchPolicy();
        Set<String> traces = new HashSet<>();
        Set<Long> verdicts = new HashSet<>();
        try (Engine engine = mode.newEngine();
                Context ct = context(engine, true, "args")) {
            Value f = load(ct, p, "application/x-bpf-seccomp");
            Random rnd = new Random(7);
            for (int i = 0; i < 200; i++) {
                long arg0 = switch (i % 3) {
                    case 0 -> rnd.nextInt(1000);
                    case 1 -> 1000 + rnd.nextInt(1 << 20);
                    default -> rnd.nextLong();
                };
                int nr = i % 5 == 0 ? 2 : 1;
                byte[] data =
                        dev.sluice.core.seccomp.SeccompData.encode(dev.sluice.core.seccomp.Arch.X86_64, nr, 0, arg0);
                verdicts.add(f.execute(data).asLong());
                traces.add(f.getMember("operationTrace").asString());
            }
        }
        assertEquals(Set.of(0x00050001L, 0x7fff0000L), verdicts, "both outcomes were exercised");
        assertEquals(1, traces.size(), "one trace for every input: " + traces);
        String trace = traces.iterator().next();
        assertEquals(p.length(), trace.split(" ").length, "every instruction is evaluated: " + trace);
    }

    @Test
    void secretDependentIndexIsRejected() {
        Program p = Program.of(
                Insn.stmt(LD | B | ABS, 0), // secret byte
                Insn.stmt(MISC | TAX, 0),
                Insn.stmt(LD | B | IND, 2), // offset depends on the secret
                Insn.stmt(RET | A, 0));
        try (Engine engine = EngineMode.INTERPRETED.newEngine();
                Context ct = context(engine, true, "0-3")) {
            PolyglotException e = assertThrows(PolyglotException.class, () -> load(ct, p, "application/x-bpf-socket"));
            assertTrue(e.isSyntaxError());
            assertEquals("insn 2: constant-time program loads at a secret-dependent offset [x + 2]", e.getMessage());
            // The same load from a public byte is accepted.
            try (Context pub = context(engine, true, "8-9")) {
                assertEquals(
                        0L,
                        load(pub, p, "application/x-bpf-socket")
                                .execute(new byte[4])
                                .asLong());
            }
        }
    }

    @Test
    void secretDependentDivisorIsRejectedIncludingThroughControlFlow() {
        Program direct = Program.of(
                Insn.stmt(LD | W | ABS, 16),
                Insn.stmt(MISC | TAX, 0),
                Insn.stmt(LD | IMM, 100),
                Insn.stmt(ALU | DIV | X, 0),
                Insn.stmt(RET | A, 0));
        Program implicit = Program.of(
                Insn.stmt(LD | W | ABS, 16),
                Insn.jump(JMP | JEQ | K, 5, 0, 1), // branch on the secret
                Insn.stmt(LDX | IMM, 2), // X is now control-dependent on the secret
                Insn.stmt(LD | IMM, 100),
                Insn.stmt(ALU | DIV | X, 0),
                Insn.stmt(RET | A, 0));
        try (Engine engine = EngineMode.INTERPRETED.newEngine();
                Context ct = context(engine, true, "arg0")) {
            PolyglotException e1 =
                    assertThrows(PolyglotException.class, () -> load(ct, direct, "application/x-bpf-seccomp"));
            assertEquals("insn 3: constant-time program divides by a secret-dependent X", e1.getMessage());
            PolyglotException e2 =
                    assertThrows(PolyglotException.class, () -> load(ct, implicit, "application/x-bpf-seccomp"));
            assertEquals("insn 4: constant-time program divides by a secret-dependent X", e2.getMessage());
        }
    }

    /** ld #4; ldx #2; ld nla|nlan; tax; ldb [x+0]; ret a: the search from a public offset for a public type. */
    private static Program netlinkSearch(Ancillary search) {
        return Program.of(
                Insn.stmt(LD | IMM, 4),
                Insn.stmt(LDX | IMM, 2),
                Insn.stmt(LD | W | ABS, search.k()),
                Insn.stmt(MISC | TAX, 0), // the result as an offset: secret if the walk read secret bytes
                Insn.stmt(LD | B | IND, 0),
                Insn.stmt(RET | A, 0));
    }

    /** Two attributes from offset 4: type 1 (8 bytes), then type 2; the walk visits offsets 4 and 12. */
    private static byte[] netlinkPacket() {
        return new byte[] {0, 0, 0, 0, 8, 0, 1, 0, 9, 9, 9, 9, 8, 0, 2, 0, 7, 7, 7, 7};
    }

    @Test
    void netlinkWalksOverSecretBytesAreRejectedEvenWithPublicAAndX() {
        try (Engine engine = EngineMode.INTERPRETED.newEngine();
                Context ct = context(engine, true, "0-63")) {
            for (Ancillary search : new Ancillary[] {Ancillary.NLATTR, Ancillary.NLATTR_NEST}) {
                PolyglotException e = assertThrows(
                        PolyglotException.class, () -> load(ct, netlinkSearch(search), "application/x-bpf-socket"));
                assertTrue(e.isSyntaxError());
                assertEquals(
                        "insn 2: constant-time program cannot run " + search.asmName()
                                + ": its netlink attribute walk reads the packet from offset A to the end, and its steps and result depend on the secret bytes 0-63",
                        e.getMessage());
            }
            // Secret bytes anywhere in the packet are enough: the walk's extent is not known before it runs.
            try (Context late = context(engine, true, "200-210,300")) {
                PolyglotException e = assertThrows(
                        PolyglotException.class,
                        () -> load(late, netlinkSearch(Ancillary.NLATTR), "application/x-bpf-socket"));
                assertTrue(e.getMessage().endsWith("depend on the secret bytes 200-210,300"), e.getMessage());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void netlinkWalksWithoutSecretsRunAndTheirTraceShowsTheWalk(EngineMode mode) {
        try (Engine engine = mode.newEngine();
                Context normal = context(engine, false, "");
                Context ct = context(engine, true, "")) {
            Program nla = netlinkSearch(Ancillary.NLATTR);
            Value f = load(normal, nla, "application/x-bpf-socket");
            Value g = load(ct, nla, "application/x-bpf-socket");
            byte[] pkt = netlinkPacket();
            assertEquals(8L, f.execute(pkt).asLong(), "type 2 is found at offset 12; ldb [x+0] reads its length byte");
            assertEquals(f.execute(pkt).asLong(), g.execute(pkt).asLong());
            String trace = g.getMember("operationTrace").asString();
            assertTrue(trace.contains("2@4 2@12"), () -> "the trace records each attribute the walk visits: " + trace);
            // A packet whose first attribute is type 2: one step fewer, and the trace says so. This is what a secret
            // packet would reveal, and why the walk is refused when the packet has secret bytes.
            byte[] first = netlinkPacket();
            first[6] = 2;
            g.execute(first);
            String shorter = g.getMember("operationTrace").asString();
            assertTrue(shorter.contains("2@4 ") && !shorter.contains("2@12"), shorter);
        }
    }

    @Test
    void ancillaryValuesTheKernelDerivesFromPacketBytesAreSecret() {
        for (Ancillary derived : new Ancillary[] {Ancillary.PROTOCOL, Ancillary.RXHASH, Ancillary.PAY_OFFSET}) {
            Program p = Program.of(
                    Insn.stmt(LD | W | ABS, derived.k()),
                    Insn.stmt(MISC | TAX, 0),
                    Insn.stmt(LD | B | IND, 0),
                    Insn.stmt(RET | A, 0));
            try (Engine engine = EngineMode.INTERPRETED.newEngine();
                    Context ct = context(engine, true, "14-33");
                    Context pub = context(engine, true, "")) {
                PolyglotException e = assertThrows(
                        PolyglotException.class, () -> load(ct, p, "application/x-bpf-socket"), derived.name());
                assertEquals(
                        "insn 2: constant-time program loads at a secret-dependent offset [x + 0]", e.getMessage());
                load(pub, p, "application/x-bpf-socket"); // with no secret bytes it is public
            }
        }
        // Metadata that does not come from the packet bytes stays public: a usable offset.
        Program mark = Program.of(
                Insn.stmt(LD | W | ABS, Ancillary.MARK.k()),
                Insn.stmt(MISC | TAX, 0),
                Insn.stmt(LD | B | IND, 0),
                Insn.stmt(RET | A, 0));
        try (Engine engine = EngineMode.INTERPRETED.newEngine();
                Context ct = context(engine, true, "14-33")) {
            assertEquals(
                    0L,
                    load(ct, mark, "application/x-bpf-socket")
                            .execute(new byte[0])
                            .asLong());
        }
    }

    @Test
    void secretFieldsOutsideTheInputAreAnErrorNamingTheOptionAndTheValidRange() {
        Program p = Program.of(Insn.stmt(LD | W | ABS, 0), Insn.stmt(RET | A, 0));
        try (Engine engine = EngineMode.INTERPRETED.newEngine()) {
            for (boolean constantTime : new boolean[] {true, false}) {
                try (Context c = context(engine, constantTime, "16-23,64-70")) {
                    PolyglotException e =
                            assertThrows(PolyglotException.class, () -> load(c, p, "application/x-bpf-seccomp"));
                    assertEquals(
                            "bpf.SecretFields: '64-70' names bytes past the end of the 64-byte struct seccomp_data; "
                                    + "expected byte ranges within 0-63 (struct seccomp_data) or nr, arch, ip, args, arg0..arg5",
                            e.getMessage());
                    assertTrue(!e.isInternalError() && e.isGuestException(), e::toString);
                }
            }
            try (Context c = context(engine, true, "0-65536")) {
                PolyglotException e =
                        assertThrows(PolyglotException.class, () -> load(c, p, "application/x-bpf-socket"));
                assertEquals(
                        "bpf.SecretFields: '0-65536' names bytes past the end of the largest packet; expected byte ranges within 0-65535 (packet offsets)",
                        e.getMessage());
            }
            for (String bad : new String[] {"9-3", "-4", "args", "x"}) {
                try (Context c = context(engine, true, bad)) {
                    PolyglotException e =
                            assertThrows(PolyglotException.class, () -> load(c, p, "application/x-bpf-socket"), bad);
                    assertTrue(
                            e.getMessage().startsWith("bpf.SecretFields: '" + bad + "' is not a byte range"),
                            e.getMessage());
                }
            }
            // The last byte of each input is fine.
            try (Context c = context(engine, true, "63");
                    Context d = context(engine, true, "65535")) {
                load(c, p, "application/x-bpf-seccomp");
                load(d, p, "application/x-bpf-socket");
            }
        }
    }
}
