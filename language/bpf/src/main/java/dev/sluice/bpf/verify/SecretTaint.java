package dev.sluice.bpf.verify;

import static dev.sluice.bpf.isa.Opcodes.*;

import dev.sluice.bpf.isa.Ancillary;
import dev.sluice.bpf.isa.Insn;
import dev.sluice.bpf.isa.Profile;
import dev.sluice.bpf.isa.Program;
import dev.sluice.bpf.runtime.Failure;
import dev.sluice.core.error.CoreFailure;
import dev.sluice.core.error.SluiceException;
import java.util.BitSet;

/**
 * Secret-taint analysis for programs run in constant-time mode. A value is <em>secret</em> if it derives from a
 * declared secret input byte, or if it lives at an instruction whose reachability depends on a secret (an implicit
 * flow: predicated execution zeroes the state of unreached instructions, so every value there depends on the secret
 * branch). Like a write barrier's grey set, taint only grows along edges; a single forward pass in program order is a
 * fixpoint because classic BPF jumps only forward.
 *
 * <p>It rejects what predicated execution cannot make constant-time: a secret-dependent memory index (indirect
 * loads), a secret-dependent divisor, and a netlink attribute walk (nla/nlan) over an input with secret bytes: the
 * walk's steps and result depend on the bytes it reads. docs/constant-time.md has the table of every operation.
 */
public final class SecretTaint {
    private SecretTaint() {}

    /** Secret input bytes, by offset into the input (struct seccomp_data or the packet). */
    public record Secrets(BitSet bytes) {
        public boolean overlaps(int offset, int size) {
            if (offset < 0) {
                return !bytes.isEmpty(); // negative offsets reach headers we cannot map: assume secret
            }
            int next = bytes.nextSetBit(offset);
            return next >= 0 && next < offset + size;
        }

        /** The secret bytes as inclusive ranges, e.g. "16-23,40-63". */
        public String describe() {
            StringBuilder sb = new StringBuilder();
            for (int from = bytes.nextSetBit(0); from >= 0; from = bytes.nextSetBit(bytes.nextClearBit(from))) {
                int to = bytes.nextClearBit(from) - 1;
                sb.append(sb.isEmpty() ? "" : ",").append(from).append(from == to ? "" : "-" + to);
            }
            return sb.toString();
        }
    }

    private static final int A_BIT = 16;
    private static final int X_BIT = 17;
    private static final int PC_BIT = 18;

    /**
     * Checks the program; throws a located {@link SluiceException} at the first instruction that would leak.
     *
     * @return for each instruction, whether its reachability depends on a secret (for reports and tests)
     */
    public static boolean[] check(Program p, Profile profile, Secrets secrets) {
        int n = p.length();
        // Per instruction: bits 0..15 = M[i] secret, 16 = A, 17 = X, 18 = reachability secret.
        int[] in = new int[n];
        boolean[] secretReach = new boolean[n];
        for (int pc = 0; pc < n; pc++) {
            int t = in[pc];
            if ((t & (1 << PC_BIT)) != 0) {
                t = -1; // every value at a secret-reachability instruction is secret
            }
            secretReach[pc] = (t & (1 << PC_BIT)) != 0;
            Insn insn = p.get(pc);
            int code = insn.code();
            int k = insn.k();
            boolean a = (t & (1 << A_BIT)) != 0;
            boolean x = (t & (1 << X_BIT)) != 0;
            int out = t;
            switch (cls(code)) {
                case LD -> {
                    boolean v = switch (mode(code)) {
                        case IMM, LEN -> false;
                        case MEM -> (t & (1 << k)) != 0;
                        case ABS -> {
                            if (profile == Profile.SOCKET && Ancillary.inAncillaryRange(k)) {
                                yield ancillaryResultSecret(pc, Ancillary.fromK(k), a, x, secrets);
                            }
                            yield secrets.overlaps(k, loadSize(code));
                        }
                        case IND -> {
                            if (x) {
                                throw SluiceException.atInsn(pc, Failure.CONSTANT_TIME_SECRET_INDEX, pc, "x + " + k);
                            }
                            // A public computed offset may still land on secret bytes.
                            yield !secrets.bytes().isEmpty();
                        }
                        default -> true;
                    };
                    out = set(out, A_BIT, v || secretReach[pc]);
                }
                case LDX -> {
                    boolean v = switch (mode(code)) {
                        case IMM, LEN -> false;
                        case MEM -> (t & (1 << k)) != 0;
                        case MSH -> secrets.overlaps(k, 1);
                        default -> true;
                    };
                    out = set(out, X_BIT, v || secretReach[pc]);
                }
                case ST -> out = set(out, k, a);
                case STX -> out = set(out, k, x);
                case MISC -> out = code == (MISC | TAX) ? set(out, X_BIT, a) : set(out, A_BIT, x);
                case ALU -> {
                    boolean usesX = src(code) == X && op(code) != NEG;
                    if ((op(code) == DIV || op(code) == MOD) && usesX && x) {
                        throw SluiceException.atInsn(pc, Failure.CONSTANT_TIME_SECRET_DIVISOR, pc);
                    }
                    out = set(out, A_BIT, a || usesX && x);
                }
                case JMP -> {
                    boolean condSecret = op(code) != JA && (a || src(code) == X && x);
                    int edge = condSecret ? out | (1 << PC_BIT) : out;
                    if (op(code) == JA) {
                        in[pc + 1 + k] |= edge;
                    } else {
                        in[pc + 1 + insn.jt()] |= edge;
                        in[pc + 1 + insn.jf()] |= edge;
                    }
                    continue;
                }
                default -> {
                    continue; // RET: no successor
                }
            }
            if (pc + 1 < n) {
                in[pc + 1] |= out;
            }
        }
        return secretReach;
    }

    /**
     * Whether an ancillary load's result is secret; rejects the loads whose work depends on secret bytes. The netlink
     * walks (nla, nlan) read the packet from offset A to its end, a number of steps that depends on the bytes they
     * read: no offset A is known to stay clear of the secret bytes, so any declared secret byte rejects them. The
     * other loads read skb metadata in constant time; of those, the kernel computes protocol (from the link-layer
     * header), rxhash and poff (by dissecting the headers) from packet bytes, so their values count as secret.
     */
    private static boolean ancillaryResultSecret(int pc, Ancillary load, boolean a, boolean x, Secrets secrets) {
        if (load == null) {
            return true; // the verifier rejects unknown ancillary offsets; stay conservative regardless
        }
        return switch (load) {
            case NLATTR, NLATTR_NEST -> {
                if (!secrets.bytes().isEmpty()) {
                    throw SluiceException.atInsn(
                            pc, Failure.CONSTANT_TIME_SECRET_SEARCH, pc, load.asmName(), secrets.describe());
                }
                yield a || x;
            }
            case ALU_XOR_X -> a || x;
            case PROTOCOL, RXHASH, PAY_OFFSET -> !secrets.bytes().isEmpty();
            default -> false;
        };
    }

    private static int loadSize(int code) {
        return switch (size(code)) {
            case H -> 2;
            case B -> 1;
            default -> 4;
        };
    }

    private static int set(int state, int bit, boolean value) {
        return value ? state | (1 << bit) : state & ~(1 << bit);
    }

    /** The largest input offset a secret field may name: seccomp_data is 64 bytes; an IP packet at most 64 KiB. */
    static int lastInputByte(Profile profile) {
        return profile == Profile.SECCOMP ? 63 : 0xffff;
    }

    /**
     * Parses the {@code bpf.SecretFields} option: comma-separated byte ranges {@code start-end} (inclusive) or
     * {@code offset} and, for seccomp, the names nr, arch, ip, args, arg0..arg5. A byte outside the profile's input
     * (past struct seccomp_data, or past the largest packet) is an error: it would silently protect nothing.
     */
    public static Secrets parse(String spec, Profile profile) {
        BitSet bits = new BitSet();
        if (spec == null || spec.isBlank()) {
            return new Secrets(bits);
        }
        int last = lastInputByte(profile);
        String valid = profile == Profile.SECCOMP
                ? "byte ranges within 0-63 (struct seccomp_data) or nr, arch, ip, args, arg0..arg5"
                : "byte ranges within 0-" + last + " (packet offsets)";
        for (String raw : spec.split(",")) {
            String item = raw.trim();
            if (item.isEmpty()) {
                continue;
            }
            if (profile == Profile.SECCOMP && namedField(item, bits)) {
                continue;
            }
            int from;
            int to;
            try {
                int dash = item.indexOf('-', 1);
                from = Integer.decode(dash < 0 ? item : item.substring(0, dash).trim());
                to = dash < 0 ? from : Integer.decode(item.substring(dash + 1).trim());
            } catch (NumberFormatException e) {
                throw SluiceException.create(
                        CoreFailure.BAD_OPTION,
                        "bpf.SecretFields: '" + item + "' is not a byte range; expected " + valid);
            }
            if (from < 0 || to < from) {
                throw SluiceException.create(
                        CoreFailure.BAD_OPTION,
                        "bpf.SecretFields: '" + item + "' is not a byte range (start-end, start <= end); expected "
                                + valid);
            }
            if (to > last) {
                throw SluiceException.create(
                        CoreFailure.BAD_OPTION,
                        "bpf.SecretFields: '" + item + "' names bytes past the end of the "
                                + (profile == Profile.SECCOMP ? "64-byte struct seccomp_data" : "largest packet")
                                + "; expected " + valid);
            }
            bits.set(from, to + 1);
        }
        return new Secrets(bits);
    }

    private static boolean namedField(String name, BitSet bits) {
        switch (name) {
            case "nr" -> bits.set(0, 4);
            case "arch" -> bits.set(4, 8);
            case "ip" -> bits.set(8, 16);
            case "args" -> bits.set(16, 64);
            default -> {
                if (name.matches("arg[0-5]")) {
                    int i = name.charAt(3) - '0';
                    bits.set(16 + 8 * i, 24 + 8 * i);
                } else {
                    return false;
                }
            }
        }
        return true;
    }
}
