package dev.sluice.tests.random;

import static dev.sluice.bpf.isa.Opcodes.*;

import dev.sluice.bpf.isa.Insn;
import dev.sluice.core.seccomp.SeccompAction;
import dev.sluice.tests.kernel.KernelSeccomp;
import dev.sluice.tests.kernel.Libc;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.random.RandomGenerator;

/**
 * Random classic BPF programs that the kernel accepts by construction (forward jumps inside the program, a final
 * ret, division and shift constants in range, scratch cells read only after the program's first instructions wrote
 * them), and random inputs for them. Two flavours: socket filters (every socket instruction, ancillary loads whose
 * values are fixed for an AF_UNIX datagram) and seccomp filters (only what seccomp_check_filter allows, loads of nr,
 * arch and the arguments, never the instruction pointer).
 *
 * <p>{@link #mutate} breaks programs on purpose to compare the kernel's and Sluice's load-time checks.
 */
public final class RandomPrograms {
    public enum Flavor {
        SOCKET,
        SECCOMP
    }

    /** Ancillary offsets whose values are the same on every AF_UNIX datagram (no rxhash, cpu, poff, rand). */
    private static final int[] STABLE_ANCILLARY = {0, 4, 8, 12, 16, 20, 24, 28, 40, 44, 48, 60};

    private static final int[] ALU_OPS = {ADD, SUB, MUL, DIV, MOD, AND, OR, XOR, LSH, RSH};
    private static final int[] JUMP_OPS = {JEQ, JGT, JGE, JSET};

    private final RandomGenerator rnd;
    private final Flavor flavor;
    /** Constants this program and its inputs share, so that comparisons sometimes hold. */
    private final int[] pool;

    public RandomPrograms(RandomGenerator rnd, Flavor flavor) {
        this.rnd = rnd;
        this.flavor = flavor;
        this.pool = new int[8];
        reseedPool();
    }

    /** Picks new shared constants; call once per program. */
    public void reseedPool() {
        for (int i = 0; i < pool.length; i++) {
            pool[i] = switch (rnd.nextInt(4)) {
                case 0 -> rnd.nextInt(256);
                case 1 -> rnd.nextInt(0x10000);
                default -> rnd.nextInt();
            };
        }
    }

    private int pick(int... values) {
        return values[rnd.nextInt(values.length)];
    }

    private int constant() {
        return switch (rnd.nextInt(10)) {
            case 0, 1, 2 -> pool[rnd.nextInt(pool.length)];
            case 3 -> pick(0, 1, 2, 3, 4, 7, 8, 14, 16, 31, 32, 33, 63, 64);
            case 4 -> pick(0xff, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe, 0x0800, 0x86dd, 0x8100);
            case 5 ->
                flavor == Flavor.SOCKET
                        ? pick(
                                SKF_NET_OFF,
                                SKF_NET_OFF + rnd.nextInt(80),
                                SKF_LL_OFF + rnd.nextInt(20),
                                SKF_AD_OFF,
                                -1 - rnd.nextInt(8))
                        : pick(
                                Libc.SYS_GETPPID,
                                KernelSeccomp.FIRST_UNUSED_NR,
                                KernelSeccomp.AUDIT_ARCH_X86_64,
                                0x40000000);
            case 6 -> rnd.nextInt(100);
            default -> rnd.nextInt();
        };
    }

    /** A socket-filter packet offset: mostly inside small packets, sometimes at the edges or in the negative ranges. */
    private int packetOffset() {
        return switch (rnd.nextInt(12)) {
            case 0 -> pick(0x7fffffff, 0xffff, 0x10000, 1500, 1514);
            case 1 -> SKF_NET_OFF + rnd.nextInt(70);
            case 2 -> SKF_LL_OFF + rnd.nextInt(20);
            case 3 -> pick(SKF_AD_OFF - 1 - rnd.nextInt(64), SKF_NET_OFF - 1, SKF_LL_OFF - 1, 0x80000000);
            default -> rnd.nextInt(80);
        };
    }

    private int seccompOffset() {
        return pick(0, 4, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60);
    }

    /**
     * A program the kernel accepts, 2 to maxLength instructions; one in 40 is up to 300 long, for jump offsets near
     * the 8-bit limit and long ja.
     */
    public Insn[] program(int maxLength) {
        reseedPool();
        int limit = rnd.nextInt(40) == 0 ? Math.max(maxLength, 300) : maxLength;
        int n = 2 + rnd.nextInt(limit - 1);
        List<Insn> out = new ArrayList<>(n);
        // Scratch cells written on every path: stored at the start, before any jump.
        List<Integer> written = new ArrayList<>();
        int stores = rnd.nextInt(4);
        for (int i = 0; i < stores && out.size() < n - 2; i++) {
            int cell = rnd.nextInt(MEMWORDS);
            out.add(Insn.stmt(rnd.nextBoolean() ? LD | IMM : LDX | IMM, constant()));
            out.add(Insn.stmt(rnd.nextBoolean() ? ST : STX, cell));
            written.add(cell);
        }
        int prefix = out.size();
        // Some programs end with a computed verdict; no jump may land inside that ending, so that A is masked.
        boolean computedEnd = n - 3 >= prefix && rnd.nextInt(10) < 3;
        int lastTarget = computedEnd ? n - 3 : n - 1;
        while (out.size() < n - 1) {
            out.add(instruction(out.size(), lastTarget, written));
        }
        out.add(ret());
        if (computedEnd) {
            // End with a computed verdict whose low bits the kernel's outcome shows: the kept length of a packet,
            // or the errno / SIGSYS data of a seccomp action.
            if (flavor == Flavor.SOCKET) {
                out.set(n - 3, Insn.stmt(ALU | AND | K, 0x7f));
                out.set(n - 2, Insn.stmt(ALU | ADD | K, rnd.nextInt(3)));
            } else {
                out.set(n - 3, Insn.stmt(ALU | AND | K, rnd.nextBoolean() ? 0xfff : 0xffff));
                out.set(
                        n - 2,
                        Insn.stmt(
                                ALU | OR | K,
                                pick(
                                        SeccompAction.ERRNO.value,
                                        SeccompAction.ERRNO.value,
                                        SeccompAction.TRAP.value,
                                        SeccompAction.TRACE.value)));
            }
            out.set(n - 1, Insn.stmt(RET | A, 0));
        }
        return out.toArray(new Insn[0]);
    }

    private Insn ret() {
        if (flavor == Flavor.SOCKET) {
            return rnd.nextInt(3) == 0
                    ? Insn.stmt(RET | A, 0)
                    : Insn.stmt(
                            RET | K,
                            switch (rnd.nextInt(5)) {
                                case 0 -> 0;
                                case 1 -> pick(-1, 0xffff, 0x40000, 0x7fffffff);
                                default -> 1 + rnd.nextInt(120);
                            });
        }
        // Seccomp: ret A would mostly be an unknown action (which kills the child process), so it is rare.
        if (rnd.nextInt(300) == 0) {
            return Insn.stmt(RET | A, 0);
        }
        return Insn.stmt(RET | K, seccompAction());
    }

    /** A seccomp return value; KILL_PROCESS and unknown actions are rare because each costs a child process. */
    public int seccompAction() {
        int r = rnd.nextInt(100);
        if (r < 25) {
            return SeccompAction.ALLOW.value;
        } else if (r < 55) {
            return SeccompAction.ERRNO.value | (rnd.nextInt(8) == 0 ? rnd.nextInt(0x10000) : rnd.nextInt(4096));
        } else if (r < 65) {
            return SeccompAction.LOG.value;
        } else if (r < 73) {
            return SeccompAction.TRAP.value | rnd.nextInt(0x10000);
        } else if (r < 81) {
            return SeccompAction.TRACE.value | rnd.nextInt(0x10000);
        } else if (r < 87) {
            return SeccompAction.USER_NOTIF.value;
        } else if (r < 99 || rnd.nextInt(3) > 0) {
            return SeccompAction.KILL_THREAD.value | (rnd.nextBoolean() ? 0 : rnd.nextInt(0x10000));
        }
        return rnd.nextBoolean()
                ? SeccompAction.KILL_PROCESS.value
                : 0x00010000 | rnd.nextInt(0x10000); // unknown actions kill the process
    }

    private Insn instruction(int pc, int lastTarget, List<Integer> written) {
        int remaining = lastTarget - pc - 1; // farthest jump offset: lands on lastTarget at most
        int r = rnd.nextInt(100);
        if (r < 30) {
            return load(written);
        } else if (r < 55) {
            return alu();
        } else if (r < 62) {
            return Insn.stmt(rnd.nextBoolean() ? ST : STX, rnd.nextInt(MEMWORDS));
        } else if (r < 68) {
            return Insn.stmt(MISC | (rnd.nextBoolean() ? TAX : TXA), 0);
        } else if (r < 95 && remaining >= 0) {
            int maxOff = Math.min(remaining, 255);
            if (rnd.nextInt(8) == 0) {
                return Insn.stmt(JMP | JA, rnd.nextInt(remaining + 1));
            }
            int op = JUMP_OPS[rnd.nextInt(JUMP_OPS.length)];
            int jt = rnd.nextInt(maxOff + 1);
            int jf = rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(maxOff + 1);
            return rnd.nextInt(3) == 0
                    ? Insn.jump(JMP | op | X, rnd.nextInt(3) == 0 ? rnd.nextInt() : 0, jt, jf)
                    : Insn.jump(JMP | op | K, constant(), jt, jf);
        }
        return ret();
    }

    private Insn load(List<Integer> written) {
        int r = rnd.nextInt(100);
        if (r < 10) {
            return Insn.stmt(rnd.nextBoolean() ? LD | IMM : LDX | IMM, constant());
        } else if (r < 15) {
            return Insn.stmt(rnd.nextBoolean() ? LD | W | LEN : LDX | W | LEN, 0);
        } else if (r < 22 && !written.isEmpty()) {
            return Insn.stmt(rnd.nextBoolean() ? LD | MEM : LDX | MEM, written.get(rnd.nextInt(written.size())));
        }
        if (flavor == Flavor.SECCOMP) {
            return Insn.stmt(LD | W | ABS, seccompOffset());
        }
        int size = pick(W, H, B);
        if (r < 55) {
            return Insn.stmt(LD | size | ABS, packetOffset());
        } else if (r < 80) {
            int k = rnd.nextInt(4) == 0 ? constant() : rnd.nextInt(90) - 8;
            return Insn.stmt(LD | size | IND, k);
        } else if (r < 88) {
            return Insn.stmt(LDX | B | MSH, rnd.nextInt(8) == 0 ? packetOffset() : rnd.nextInt(70));
        }
        return Insn.stmt(LD | size | ABS, SKF_AD_OFF + STABLE_ANCILLARY[rnd.nextInt(STABLE_ANCILLARY.length)]);
    }

    private Insn alu() {
        if (rnd.nextInt(15) == 0) {
            return Insn.stmt(ALU | NEG, 0);
        }
        int op;
        do {
            op = ALU_OPS[rnd.nextInt(ALU_OPS.length)];
        } while (op == MOD && flavor == Flavor.SECCOMP);
        if (rnd.nextInt(3) == 0) {
            return Insn.stmt(ALU | op | X, 0);
        }
        int k = switch (op) {
            case LSH, RSH -> rnd.nextInt(32);
            case DIV, MOD -> {
                int c = constant();
                yield c == 0 ? 1 + rnd.nextInt(16) : c;
            }
            default -> constant();
        };
        return Insn.stmt(ALU | op | K, k);
    }

    /**
     * Packets for a socket filter: random bytes, Ethernet/IPv4-like headers, netlink-attribute chains (host byte
     * order), all-zero, the empty packet; mostly short so that loads often fall on both sides of the end.
     */
    public byte[] packet() {
        int len = switch (rnd.nextInt(10)) {
            case 0 -> rnd.nextInt(8);
            case 1 -> 100 + rnd.nextInt(1400);
            default -> 8 + rnd.nextInt(90);
        };
        byte[] p = new byte[len];
        switch (rnd.nextInt(5)) {
            case 0 -> {
                // all zero
            }
            case 1 -> netlinkAttributes(p);
            case 2 -> {
                rnd.nextBytes(p);
                ipv4Header(p);
            }
            default -> {
                rnd.nextBytes(p);
                // Sprinkle the program's constants so that jumps on packet bytes sometimes hold.
                for (int i = 0; i + 4 <= p.length && i < 64; i += 4 + rnd.nextInt(8)) {
                    ByteBuffer.wrap(p).putInt(i, pool[rnd.nextInt(pool.length)]);
                }
            }
        }
        return p;
    }

    private void ipv4Header(byte[] p) {
        ByteBuffer b = ByteBuffer.wrap(p);
        if (p.length >= 14) {
            b.putShort(12, (short) pick(0x0800, 0x86dd, 0x8100, 0x0806));
        }
        if (p.length >= 24) {
            p[14] = (byte) (0x40 | (5 + rnd.nextInt(3)));
            p[23] = (byte) pick(6, 17, 1);
        }
    }

    private void netlinkAttributes(byte[] p) {
        ByteBuffer b = ByteBuffer.wrap(p).order(ByteOrder.LITTLE_ENDIAN);
        int at = rnd.nextInt(3) * 4;
        while (at + 4 <= p.length) {
            int len = rnd.nextInt(6) == 0 ? rnd.nextInt(40) : 4 + rnd.nextInt(16);
            b.putShort(at, (short) len);
            b.putShort(at + 2, (short) (rnd.nextInt(10) | (rnd.nextInt(4) == 0 ? 0x8000 : 0)));
            at += Math.max(4, (len + 3) & ~3);
        }
    }

    /** A seccomp probe: mostly getppid, sometimes an unused number; arguments often from the program's constants. */
    public KernelSeccomp.Probe probe() {
        int nr = rnd.nextInt(10) < 7
                ? Libc.SYS_GETPPID
                : pick(KernelSeccomp.FIRST_UNUSED_NR, 1001, 1234, KernelSeccomp.LAST_UNUSED_NR);
        long[] args = new long[6];
        for (int i = 0; i < 6; i++) {
            long lo = rnd.nextInt(3) > 0 ? pool[rnd.nextInt(pool.length)] : constant();
            long hi = switch (rnd.nextInt(4)) {
                case 0, 1 -> 0;
                case 2 -> pool[rnd.nextInt(pool.length)];
                default -> pick(-1, 1, 0x80000000);
            };
            args[i] = hi << 32 | lo & 0xffffffffL;
        }
        return new KernelSeccomp.Probe(nr, args);
    }

    /**
     * A copy with one to three random changes that often make it invalid: another code (known or not), jump
     * offsets, constants at the checker's limits, a truncated or extended program.
     */
    public Insn[] mutate(Insn[] program) {
        List<Insn> p = new ArrayList<>(List.of(program));
        int changes = 1 + rnd.nextInt(3);
        for (int c = 0; c < changes; c++) {
            if (p.isEmpty()) {
                p.add(Insn.stmt(RET | K, 0));
            }
            int i = rnd.nextInt(p.size());
            Insn in = p.get(i);
            switch (rnd.nextInt(7)) {
                case 0 ->
                    p.set(
                            i,
                            new Insn(
                                    rnd.nextInt(4) == 0 ? rnd.nextInt(0x10000) : rnd.nextInt(256),
                                    in.jt(),
                                    in.jf(),
                                    in.k()));
                case 1 ->
                    p.set(
                            i,
                            new Insn(
                                    in.code(),
                                    rnd.nextInt(256),
                                    rnd.nextInt(4) == 0 ? rnd.nextInt(256) : in.jf(),
                                    in.k()));
                case 2 ->
                    p.set(
                            i,
                            new Insn(
                                    in.code(),
                                    in.jt(),
                                    in.jf(),
                                    pick(
                                            0,
                                            1,
                                            15,
                                            16,
                                            31,
                                            32,
                                            63,
                                            64,
                                            60,
                                            62,
                                            -1,
                                            SKF_AD_OFF + rnd.nextInt(70),
                                            SKF_NET_OFF,
                                            p.size() - i - 1,
                                            p.size() - i - 2,
                                            rnd.nextInt())));
                case 3 -> p.remove(p.size() - 1);
                case 4 -> p.add(Insn.stmt(pick(LD | MEM, LDX | MEM, ST, LD | IMM, RET | K, RET | A), rnd.nextInt(20)));
                case 5 ->
                    p.add(
                            i,
                            Insn.stmt(
                                    pick(LD | MEM, LDX | MEM, ALU | DIV | K, ALU | MOD | K, ALU | LSH | K, JMP | JA),
                                    rnd.nextInt(40)));
                default ->
                    p.set(
                            i,
                            new Insn(
                                    pick(
                                            LD | W | ABS,
                                            LD | H | ABS,
                                            LD | B | ABS,
                                            LD | W | IND,
                                            LDX | B | MSH,
                                            LD | W | LEN,
                                            ALU | MOD | X),
                                    in.jt(),
                                    in.jf(),
                                    pick(0, 2, 4, 8, 60, 64, SKF_AD_OFF, SKF_AD_OFF + 56, SKF_AD_OFF + 64, in.k())));
            }
        }
        return p.toArray(new Insn[0]);
    }

    /** The seed to use: system property sluice.random.seed, else a fresh one (always printed by the tests). */
    public static long seed() {
        String s = System.getProperty("sluice.random.seed");
        return s != null && !s.isBlank() ? Long.parseLong(s.trim()) : new Random().nextLong();
    }

    public static int intProperty(String name, int fallback) {
        String s = System.getProperty(name);
        return s != null && !s.isBlank() ? Integer.parseInt(s.trim()) : fallback;
    }
}
