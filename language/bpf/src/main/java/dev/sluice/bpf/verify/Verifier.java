package dev.sluice.bpf.verify;

import static dev.sluice.bpf.isa.Opcodes.*;

import dev.sluice.bpf.isa.Ancillary;
import dev.sluice.bpf.isa.Insn;
import dev.sluice.bpf.isa.Profile;
import dev.sluice.bpf.isa.Program;
import dev.sluice.bpf.runtime.Failure;
import dev.sluice.core.error.SluiceException;

/**
 * The load-time checker. It is its own pass and runs before anything executes. It applies the Linux kernel's
 * {@code bpf_check_classic} (net/core/filter.c) in the kernel's order, then for seccomp filters the kernel's
 * {@code seccomp_check_filter} (kernel/seccomp.c). A program it accepts terminates (jumps only go forward and every
 * path ends in a ret) and cannot index scratch memory out of range or read it uninitialised.
 *
 * <p>Each rule is listed in docs/verifier.md with the test that covers it.
 */
public final class Verifier {
    private Verifier() {}

    /** Every failure this pass can raise: one per kernel rule (docs/verifier.md). */
    public static final java.util.Set<Failure> FAILURES = java.util.Collections.unmodifiableSet(java.util.EnumSet.of(
            Failure.EMPTY_PROGRAM,
            Failure.PROGRAM_TOO_LONG,
            Failure.UNKNOWN_OPCODE,
            Failure.DIVISION_BY_ZERO,
            Failure.SHIFT_OUT_OF_RANGE,
            Failure.SCRATCH_OUT_OF_RANGE,
            Failure.JUMP_OUT_OF_RANGE,
            Failure.JUMP_BACKWARD,
            Failure.LAST_NOT_RETURN,
            Failure.UNKNOWN_ANCILLARY,
            Failure.UNINITIALIZED_SCRATCH,
            Failure.SECCOMP_FORBIDDEN,
            Failure.SECCOMP_LOAD_OUT_OF_RANGE,
            Failure.SECCOMP_LOAD_UNALIGNED));

    /**
     * Checks a program; returns normally if the kernel would accept it for the profile, else throws the first
     * {@link SluiceException} the kernel's order of checks would meet.
     */
    public static void verify(Program program, Profile profile) {
        checkLength(program);
        checkInstructions(program);
        checkLastIsReturn(program);
        checkLoadsAndStores(program);
        if (profile == Profile.SECCOMP) {
            checkSeccomp(program);
        }
    }

    /** Rule L: 1 <= length <= BPF_MAXINSNS (bpf_check_basics_ok). */
    static void checkLength(Program p) {
        if (p.length() == 0) {
            throw SluiceException.create(Failure.EMPTY_PROGRAM);
        }
        if (p.length() > MAX_INSNS) {
            throw SluiceException.create(Failure.PROGRAM_TOO_LONG, p.length());
        }
    }

    /** Rules O, D, S, M, J, A: the per-instruction loop of bpf_check_classic. */
    static void checkInstructions(Program p) {
        int len = p.length();
        for (int pc = 0; pc < len; pc++) {
            Insn in = p.get(pc);
            int code = in.code();
            int k = in.k();
            if (!isKnown(code)) {
                throw SluiceException.atInsn(pc, Failure.UNKNOWN_OPCODE, pc, code);
            }
            if (code == (ALU | DIV | K) || code == (ALU | MOD | K)) {
                if (k == 0) {
                    throw SluiceException.atInsn(
                            pc, Failure.DIVISION_BY_ZERO, pc, op(code) == DIV ? "division" : "modulo");
                }
            } else if (code == (ALU | LSH | K) || code == (ALU | RSH | K)) {
                if (Integer.compareUnsigned(k, 32) >= 0) {
                    throw SluiceException.atInsn(pc, Failure.SHIFT_OUT_OF_RANGE, pc, in.unsignedK());
                }
            } else if (code == (LD | MEM) || code == (LDX | MEM) || code == ST || code == STX) {
                if (Integer.compareUnsigned(k, MEMWORDS) >= 0) {
                    throw SluiceException.atInsn(pc, Failure.SCRATCH_OUT_OF_RANGE, pc, in.unsignedK());
                }
            } else if (code == (JMP | JA)) {
                // The kernel's test is k >= flen - pc - 1, unsigned: a "negative" k is a backward jump.
                if (Integer.compareUnsigned(k, len - pc - 1) >= 0) {
                    if (k < 0) {
                        throw SluiceException.atInsn(pc, Failure.JUMP_BACKWARD, pc, k);
                    }
                    throw SluiceException.atInsn(pc, Failure.JUMP_OUT_OF_RANGE, pc, pc + 1L + in.unsignedK(), len);
                }
            } else if (isConditionalJump(code)) {
                if (pc + in.jt() + 1 >= len) {
                    throw SluiceException.atInsn(pc, Failure.JUMP_OUT_OF_RANGE, pc, pc + in.jt() + 1, len);
                }
                if (pc + in.jf() + 1 >= len) {
                    throw SluiceException.atInsn(pc, Failure.JUMP_OUT_OF_RANGE, pc, pc + in.jf() + 1, len);
                }
            } else if (code == (LD | W | ABS) || code == (LD | H | ABS) || code == (LD | B | ABS)) {
                if (Ancillary.inAncillaryRange(k) && Ancillary.fromK(k) == null) {
                    throw SluiceException.atInsn(pc, Failure.UNKNOWN_ANCILLARY, pc, k - SKF_AD_OFF);
                }
            }
        }
    }

    /** Rule R: the last instruction is RET K or RET A. */
    static void checkLastIsReturn(Program p) {
        int last = p.length() - 1;
        if (!isReturn(p.get(last).code())) {
            throw SluiceException.atInsn(
                    last, Failure.LAST_NOT_RETURN, last, mnemonic(p.get(last).code()));
        }
    }

    /**
     * Rule U: the kernel's check_load_and_stores. It walks instructions in order with a 16-bit "valid" mask; a jump
     * intersects the mask into its targets' masks and resets the running mask to all-valid. We follow it exactly
     * (including the mask that carries over a ret into the next instruction) so that we accept exactly what the kernel
     * accepts. Alongside, for each invalid bit we keep the instruction its invalid path came through, to name it.
     */
    static void checkLoadsAndStores(Program p) {
        int len = p.length();
        int[] masks = new int[len];
        int[][] maskOrigin = new int[len][MEMWORDS];
        java.util.Arrays.fill(masks, 0xffff);
        int memValid = 0;
        int[] origin = new int[MEMWORDS]; // for invalid bits: where the invalid path started (0 = program entry)
        for (int pc = 0; pc < len; pc++) {
            int incoming = masks[pc];
            for (int bit = 0; bit < MEMWORDS; bit++) {
                if ((memValid & (1 << bit)) != 0 && (incoming & (1 << bit)) == 0) {
                    origin[bit] = maskOrigin[pc][bit];
                }
            }
            memValid &= incoming;
            Insn in = p.get(pc);
            int code = in.code();
            if (code == ST || code == STX) {
                memValid |= 1 << in.k();
            } else if (code == (LD | MEM) || code == (LDX | MEM)) {
                if ((memValid & (1 << in.k())) == 0) {
                    throw SluiceException.atInsn(pc, Failure.UNINITIALIZED_SCRATCH, pc, in.k(), origin[in.k()]);
                }
            } else if (code == (JMP | JA)) {
                mergeInto(masks, maskOrigin, pc + 1 + in.k(), memValid, origin, pc);
                memValid = 0xffff;
            } else if (isConditionalJump(code)) {
                mergeInto(masks, maskOrigin, pc + 1 + in.jt(), memValid, origin, pc);
                mergeInto(masks, maskOrigin, pc + 1 + in.jf(), memValid, origin, pc);
                memValid = 0xffff;
            }
        }
    }

    private static void mergeInto(int[] masks, int[][] maskOrigin, int target, int memValid, int[] origin, int jumpPc) {
        for (int bit = 0; bit < MEMWORDS; bit++) {
            int b = 1 << bit;
            if ((masks[target] & b) != 0 && (memValid & b) == 0) {
                // The path through this jump is the first that leaves the cell unwritten at the target.
                maskOrigin[target][bit] = jumpPc;
            }
        }
        masks[target] &= memValid;
    }

    /** Rules SC1-SC3: seccomp_check_filter. */
    static void checkSeccomp(Program p) {
        for (int pc = 0; pc < p.length(); pc++) {
            Insn in = p.get(pc);
            int code = in.code();
            if (code == (LD | W | ABS)) {
                if (Integer.compareUnsigned(in.k(), 64) >= 0) {
                    throw SluiceException.atInsn(pc, Failure.SECCOMP_LOAD_OUT_OF_RANGE, pc, in.unsignedK());
                }
                if ((in.k() & 3) != 0) {
                    throw SluiceException.atInsn(pc, Failure.SECCOMP_LOAD_UNALIGNED, pc, in.k());
                }
            } else if (!seccompAllows(code)) {
                throw SluiceException.atInsn(pc, Failure.SECCOMP_FORBIDDEN, pc, describe(code));
            }
        }
    }

    private static boolean seccompAllows(int code) {
        if (code == (LD | W | LEN) || code == (LDX | W | LEN)) {
            return true;
        }
        switch (cls(code)) {
            case RET:
            case ST:
            case STX:
            case JMP:
                return true;
            case MISC:
                return true;
            case ALU:
                return op(code) != MOD;
            case LD:
            case LDX:
                return mode(code) == IMM || mode(code) == MEM;
            default:
                return false;
        }
    }

    private static String describe(int code) {
        if (cls(code) == ALU && op(code) == MOD) {
            return "mod";
        }
        if (cls(code) == LD || cls(code) == LDX) {
            String m = switch (mode(code)) {
                case ABS -> "[k]";
                case IND -> "[x + k]";
                case MSH -> "4*([k]&0xf)";
                default -> "";
            };
            return mnemonic(code) + " " + m;
        }
        return mnemonic(code);
    }
}
