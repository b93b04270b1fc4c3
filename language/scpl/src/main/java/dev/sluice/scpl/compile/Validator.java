package dev.sluice.scpl.compile;

import dev.sluice.bpf.formats.RawFormat;
import dev.sluice.bpf.isa.Profile;
import dev.sluice.bpf.isa.Program;
import dev.sluice.bpf.lower.Lowering;
import dev.sluice.bpf.trace.DirectRun;
import dev.sluice.bpf.verify.Verifier;
import dev.sluice.core.error.SluiceException;
import dev.sluice.core.seccomp.Arch;
import dev.sluice.core.seccomp.SeccompAction;
import dev.sluice.core.seccomp.SeccompData;
import dev.sluice.scpl.error.ScplFailure;
import dev.sluice.scpl.policy.Cond;
import dev.sluice.scpl.policy.Policy;
import dev.sluice.scpl.policy.Rule;
import dev.sluice.scpl.syscalls.SyscallTable;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Translation validation (Jitk's Lemma 2, checked rather than proved): runs the compiled program in the bpf language
 * and the policy's reference meaning ({@link Policy#decide}) on the same inputs and requires equal verdicts. Inputs
 * per target ABI: every table syscall, its neighbours, 0, the max, the x32 / non-x32 variants and the 32-bit
 * extremes; for each rule with argument conditions, argument vectors from its constants (±1), 0, all-ones and the
 * sign and half-word boundaries; and foreign arch values.
 */
final class Validator {
    private static final long[] BOUNDARIES = {
        0L,
        1L,
        -1L,
        0x7fffffffL,
        0x80000000L,
        0xffffffffL,
        0x100000000L,
        0xffffffff00000000L,
        0x7fffffffffffffffL,
        0x8000000000000000L,
        0x00000001ffffffffL,
        0xfffffffe00000000L
    };
    private static final int MAX_VECTORS_PER_RULE = 600;

    private Validator() {}

    record Case(int audit, int nr, long[] args) {}

    static CompileResult.Validation validate(Policy policy, Program program) {
        long start = System.nanoTime();
        long checked = 0;
        // Group by byte order: one bpf context per order.
        Set<Arch> orders = new LinkedHashSet<>();
        for (Arch a : policy.arches()) {
            orders.add(a.bigEndian() ? Arch.PPC64 : Arch.X86_64);
        }
        for (Arch order : orders) {
            List<Case> cases = new ArrayList<>();
            for (Arch abi : policy.arches()) {
                if (abi.bigEndian() == order.bigEndian()) {
                    cases.addAll(cases(policy, abi));
                }
            }
            cases.addAll(foreignArchCases(policy));
            checked += run(policy, program, order, cases);
        }
        return new CompileResult.Validation(true, checked, System.nanoTime() - start);
    }

    private static long run(Policy policy, Program program, Arch order, List<Case> cases) {
        byte[] records = new byte[cases.size() * SeccompData.SIZE];
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            System.arraycopy(
                    SeccompData.encodeWithAuditArch(order, c.audit(), c.nr(), 0L, c.args()),
                    0,
                    records,
                    i * SeccompData.SIZE,
                    SeccompData.SIZE);
        }
        // The program as the kernel gets it (its bytes in the ABI's order), read back, verified and lowered by the
        // bpf language's own stages, then run by its interpreter's body: the meaning every engine mode shares. No
        // polyglot engine: building one was most of a short command's first run (issue 12).
        Program read = RawFormat.decode(RawFormat.encode(program, order.byteOrder()), order.byteOrder());
        Verifier.verify(read, Profile.SECCOMP);
        int[] out = DirectRun.seccompRecords(Lowering.lower(read, Profile.SECCOMP, order), records);
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            int expected = policy.decide(c.audit(), c.nr(), c.args()).verdict();
            if (expected != out[i]) {
                throw mismatch(policy, c, expected, out[i]);
            }
        }
        return cases.size();
    }

    private static SluiceException mismatch(Policy policy, Case c, int expected, int actual) {
        Arch abi = policy.abiFor(c.audit(), c.nr());
        String archText = abi == null ? String.format("0x%08x", c.audit()) : abi.token();
        String name =
                abi == null ? null : SyscallTable.forArch(abi).name(c.nr()).orElse(null);
        String sys = (name == null ? "syscall" : "syscall " + name) + " (nr " + Integer.toUnsignedString(c.nr()) + ")";
        StringBuilder args = new StringBuilder("[");
        for (int i = 0; i < 6; i++) {
            args.append(i == 0 ? "" : ", ").append(String.format("0x%x", c.args()[i]));
        }
        args.append(']');
        return SluiceException.create(
                ScplFailure.SCPL_VALIDATION_MISMATCH,
                archText,
                sys,
                args,
                SeccompAction.format(expected),
                SeccompAction.format(actual),
                "");
    }

    static List<Case> cases(Policy policy, Arch abi) {
        List<Case> out = new ArrayList<>();
        int audit = abi.auditArch();
        SyscallTable table = SyscallTable.forArch(abi);
        TreeSet<Integer> nrs = new TreeSet<>();
        long[] extremes = {
            0,
            1,
            table.maxNumber(),
            table.maxNumber() + 1L,
            table.maxNumber() + 2L,
            0x3fffffffL,
            0x40000000L,
            0x40000001L,
            0x7fffffffL,
            0x80000000L,
            0xfffffffeL,
            0xffffffffL
        };
        for (long e : extremes) {
            nrs.add((int) e);
        }
        for (int nr : table.all().values()) {
            nrs.add(nr);
            nrs.add(nr - 1);
            nrs.add(nr + 1);
            nrs.add(nr ^ Arch.X32_SYSCALL_BIT); // the x32 variant of an x86_64 number and back
        }
        for (Rule r : policy.rules()) {
            for (int nr : r.numbers().getOrDefault(abi, new int[0])) {
                nrs.add(nr);
                nrs.add(nr - 1);
                nrs.add(nr + 1);
            }
        }
        long[] zero = new long[6];
        for (int nr : nrs) {
            out.add(new Case(audit, nr, zero));
        }
        for (Rule r : policy.rules()) {
            if (r.condition() == null) {
                continue;
            }
            List<long[]> vectors = vectors(r.condition());
            for (int nr : r.numbers().getOrDefault(abi, new int[0])) {
                for (long[] v : vectors) {
                    out.add(new Case(audit, nr, v));
                }
            }
        }
        return out;
    }

    private static List<Case> foreignArchCases(Policy policy) {
        List<Case> out = new ArrayList<>();
        Set<Integer> audits = new TreeSet<>();
        for (Arch a : Arch.values()) {
            audits.add(a.auditArch());
        }
        audits.add(0);
        audits.add(-1);
        for (int audit : audits) {
            for (int nr : new int[] {0, 1, 2, 59, 0x40000000, -1}) {
                out.add(new Case(audit, nr, new long[6]));
            }
        }
        return out;
    }

    /** Argument vectors for one condition: per argument the interesting values, single and pairwise. */
    static List<long[]> vectors(Cond cond) {
        List<Set<Long>> perArg = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            perArg.add(new LinkedHashSet<>());
        }
        collect(cond, perArg);
        List<Integer> used = new ArrayList<>();
        long[] base = new long[6];
        for (int i = 0; i < 6; i++) {
            if (!perArg.get(i).isEmpty()) {
                used.add(i);
                base[i] = perArg.get(i).iterator().next(); // the first constant tends to satisfy ==
            }
        }
        List<long[]> out = new ArrayList<>();
        out.add(new long[6]);
        out.add(base.clone());
        for (int i : used) {
            for (long v : perArg.get(i)) {
                long[] a = base.clone();
                a[i] = v;
                out.add(a);
                long[] z = new long[6];
                z[i] = v;
                out.add(z);
            }
        }
        for (int x = 0; x < used.size(); x++) {
            for (int y = x + 1; y < used.size(); y++) {
                for (long vx : perArg.get(used.get(x))) {
                    for (long vy : perArg.get(used.get(y))) {
                        if (out.size() >= MAX_VECTORS_PER_RULE) {
                            return out;
                        }
                        long[] a = base.clone();
                        a[used.get(x)] = vx;
                        a[used.get(y)] = vy;
                        out.add(a);
                    }
                }
            }
        }
        return out;
    }

    private static void collect(Cond c, List<Set<Long>> perArg) {
        switch (c) {
            case Cond.Compare cmp -> {
                Set<Long> s = perArg.get(cmp.arg());
                long v = cmp.value();
                long m = cmp.mask();
                for (long x : new long[] {
                    v, v - 1, v + 1, v & m, v | ~m, ~v, v ^ 0xffffffff00000000L, v & 0xffffffffL, m, m + 1, ~m
                }) {
                    s.add(x);
                }
                for (long b : BOUNDARIES) {
                    s.add(b);
                }
            }
            case Cond.And a -> {
                collect(a.left(), perArg);
                collect(a.right(), perArg);
            }
            case Cond.Or o -> {
                collect(o.left(), perArg);
                collect(o.right(), perArg);
            }
            case Cond.Not n -> collect(n.operand(), perArg);
            case Cond.Const k -> {}
        }
    }
}
