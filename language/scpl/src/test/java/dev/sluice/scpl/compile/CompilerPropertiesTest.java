package dev.sluice.scpl.compile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.bpf.isa.Insn;
import dev.sluice.bpf.isa.Opcodes;
import dev.sluice.bpf.isa.Program;
import dev.sluice.core.error.SluiceException;
import dev.sluice.core.seccomp.Arch;
import dev.sluice.scpl.BpfRunner;
import dev.sluice.scpl.error.ScplFailure;
import dev.sluice.scpl.policy.Policy;
import dev.sluice.scpl.syscalls.SyscallTable;
import dev.sluice.scpl.verify.Checker;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random policies with random argument conditions: the compiler's output must pass its own translation validation,
 * and agree with {@link Policy#decide} on random argument vectors the validator did not choose. The validator must
 * also reject a wrong program.
 */
class CompilerPropertiesTest {
    static final long[] INTERESTING = {
        0,
        1,
        2,
        3,
        0xff,
        0x7fffffff,
        0x80000000L,
        0xffffffffL,
        0x100000000L,
        0x1ffffffffL,
        -1L,
        -2L,
        -100L,
        0x7fffffffffffffffL,
        0x8000000000000000L,
        0x123456789L
    };
    static final String[] OPS = {"==", "!=", "<", "<=", ">", ">="};

    static String literal(long v) {
        return String.format("0x%x", v);
    }

    static String randomCond(Random r, int depth) {
        int k = depth > 2 ? 0 : r.nextInt(5);
        return switch (k) {
            case 1 -> "(" + randomCond(r, depth + 1) + " && " + randomCond(r, depth + 1) + ")";
            case 2 -> "(" + randomCond(r, depth + 1) + " || " + randomCond(r, depth + 1) + ")";
            case 3 -> "!" + randomCond(r, depth + 1);
            default -> {
                int arg = r.nextInt(3);
                boolean low32 = r.nextInt(4) == 0;
                String lhs = low32 ? "low32(arg" + arg + ")" : "arg" + arg;
                long v = INTERESTING[r.nextInt(INTERESTING.length)];
                if (low32) {
                    v &= 0xffffffffL;
                }
                String mask = r.nextInt(3) == 0
                        ? " & " + literal(low32 ? 0xf0f0f0f0L : 0xffff0000ffff0000L >>> r.nextInt(20))
                        : "";
                yield lhs + mask + " " + OPS[r.nextInt(OPS.length)] + " " + literal(v);
            }
        };
    }

    static String randomPolicy(Random r, List<String> names) {
        StringBuilder sb = new StringBuilder("{ arch = [x86_64, x32]; default_action = Errno ")
                .append(1 + r.nextInt(100))
                .append("; rules = [\n");
        String[] actions = {"Allow", "Kill", "KillProcess", "Trap 5", "Errno EPERM", "Trace 9", "Log"};
        int rules = 2 + r.nextInt(10);
        for (int i = 0; i < rules; i++) {
            String sys = names.get(r.nextInt(names.size()));
            sb.append("  ")
                    .append(actions[r.nextInt(actions.length)])
                    .append(' ')
                    .append(sys);
            sb.append(" if ").append(randomCond(r, 0)).append(";\n");
        }
        sb.append("  Allow [")
                .append(names.get(0))
                .append(", ")
                .append(names.get(1))
                .append("];\n");
        return sb.append("] }").toString();
    }

    @Test
    void randomPoliciesValidateAndAgreeOnRandomArguments() {
        Random r = new Random(20261127);
        List<String> names =
                new ArrayList<>(List.of("read", "write", "openat", "mmap", "socket", "clone", "ioctl", "fcntl"));
        long validated = 0;
        for (int iter = 0; iter < 25; iter++) {
            String text = randomPolicy(r, names);
            CompileResult result;
            try {
                result = ScplCompiler.compile("random.scpl", text, CompileOptions.defaults());
            } catch (SluiceException e) {
                if (e.failure() == ScplFailure.SCPL_SHADOWED_RULE) {
                    continue; // a random policy may repeat a rule: a correct error, not a compiler bug
                }
                throw new AssertionError(text, e);
            }
            validated += result.validation().casesChecked();
            Policy p = result.policy();
            for (Arch abi : List.of(Arch.X86_64, Arch.X32)) {
                try (BpfRunner bpf = new BpfRunner(result.program(), abi)) {
                    for (int k = 0; k < 60; k++) {
                        String name = names.get(r.nextInt(names.size()));
                        int nr = SyscallTable.forArch(abi).number(name).getAsInt();
                        long[] args = new long[6];
                        for (int a = 0; a < 3; a++) {
                            args[a] = r.nextBoolean() ? INTERESTING[r.nextInt(INTERESTING.length)] : r.nextLong();
                        }
                        long expected = p.decide(abi.auditArch(), nr, args).unsignedVerdict();
                        assertEquals(
                                expected,
                                bpf.run(nr, args),
                                () -> text + "\n" + abi + " " + name + " " + java.util.Arrays.toString(args));
                    }
                }
            }
        }
        assertTrue(validated > 5_000, "validated cases: " + validated);
    }

    @Test
    void validatorRejectsAWrongProgram() {
        Policy p = Checker.check(
                "p.scpl", "{ default_action = Kill; rules = [ Allow read if arg0 > 0x100000000; Errno EPERM write ] }");
        Program good = ScplCompiler.compile(p, true).program();
        // Mutation 1: change a return value.
        Insn[] insns = good.insns();
        for (int i = 0; i < insns.length; i++) {
            if (insns[i].code() == (Opcodes.RET | Opcodes.K) && insns[i].k() == 0x50001) {
                insns[i] = Insn.stmt(Opcodes.RET | Opcodes.K, 0x50002);
            }
        }
        SluiceException e = assertThrows(SluiceException.class, () -> Validator.validate(p, Program.of(insns)));
        assertEquals(ScplFailure.SCPL_VALIDATION_MISMATCH, e.failure());
        assertTrue(
                e.getMessage().contains("syscall write (nr 1)")
                        && e.getMessage().contains("policy says ERRNO(1), compiled BPF says ERRNO(2)"),
                e.getMessage());
        // Mutation 2: compare only the low half of the 64-bit argument (the classic bug).
        Insn[] low = good.insns();
        for (int i = 0; i < low.length; i++) {
            if (low[i].code() == (Opcodes.LD | Opcodes.W | Opcodes.ABS) && low[i].k() == 20) {
                low[i] = Insn.stmt(Opcodes.LD | Opcodes.W | Opcodes.ABS, 16);
            }
        }
        SluiceException e2 = assertThrows(SluiceException.class, () -> Validator.validate(p, Program.of(low)));
        assertTrue(e2.getMessage().contains("syscall read (nr 0)"), e2.getMessage());
    }
}
