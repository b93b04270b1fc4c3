package dev.sluice.bpf.lower;

import static dev.sluice.bpf.isa.Opcodes.*;

import dev.sluice.bpf.isa.Insn;
import dev.sluice.bpf.isa.Profile;
import dev.sluice.bpf.isa.Program;
import dev.sluice.core.seccomp.Arch;

/**
 * Turns a verified program into a {@link LoweredProgram}: decodes each code once, folds the seccomp rewrites of
 * seccomp_check_filter (LEN becomes the constant 64), makes jump targets absolute, and picks a load operation by what
 * the constant offset proves.
 */
public final class Lowering {
    private Lowering() {}

    public static LoweredProgram lower(Program p, Profile profile, Arch arch) {
        int n = p.length();
        int[] ops = new int[n];
        int[] ks = new int[n];
        int[] tt = new int[n];
        int[] ff = new int[n];
        for (int pc = 0; pc < n; pc++) {
            Insn in = p.get(pc);
            int code = in.code();
            int k = in.k();
            int op;
            switch (code) {
                case RET | K -> op = Op.RET_K;
                case RET | A -> op = Op.RET_A;
                case LD | IMM -> op = Op.LD_IMM;
                case LDX | IMM -> op = Op.LDX_IMM;
                case LD | W | LEN -> {
                    if (profile == Profile.SECCOMP) {
                        op = Op.LD_IMM;
                        k = 64;
                    } else {
                        op = Op.LD_LEN;
                    }
                }
                case LDX | W | LEN -> {
                    if (profile == Profile.SECCOMP) {
                        op = Op.LDX_IMM;
                        k = 64;
                    } else {
                        op = Op.LDX_LEN;
                    }
                }
                case LD | MEM -> op = Op.LD_MEM;
                case LDX | MEM -> op = Op.LDX_MEM;
                case ST -> op = Op.ST;
                case STX -> op = Op.STX;
                case MISC | TAX -> op = Op.TAX;
                case MISC | TXA -> op = Op.TXA;
                case ALU | NEG -> op = Op.NEG;
                case JMP | JA -> {
                    op = Op.JA;
                    tt[pc] = pc + 1 + k;
                    ff[pc] = tt[pc];
                }
                case LD | W | ABS, LD | H | ABS, LD | B | ABS -> op = lowerAbsLoad(code, k, profile);
                case LD | W | IND -> op = Op.LD_IND_W;
                case LD | H | IND -> op = Op.LD_IND_H;
                case LD | B | IND -> op = Op.LD_IND_B;
                case LDX | B | MSH -> op = Op.LDX_MSH;
                default -> {
                    if (cls(code) == ALU) {
                        op = aluOp(code);
                    } else if (isConditionalJump(code)) {
                        tt[pc] = pc + 1 + in.jt();
                        ff[pc] = pc + 1 + in.jf();
                        op = tt[pc] == ff[pc] ? Op.JUMP_ALWAYS : jumpOp(code);
                    } else {
                        throw new IllegalStateException("unverified opcode reached lowering: " + code);
                    }
                }
            }
            if (op == Op.LD_ANCILLARY) {
                k -= SKF_AD_OFF;
            }
            if ((op == Op.LD_NEG_W || op == Op.LD_NEG_H || op == Op.LD_NEG_B) && k < SKF_LL_OFF) {
                // Below every negative range: the kernel's load helper fails and the program returns 0.
                op = Op.RET_K;
                k = 0;
            }
            ops[pc] = op;
            ks[pc] = k;
        }
        return new LoweredProgram(profile, arch.bigEndian(), ops, ks, tt, ff);
    }

    private static int lowerAbsLoad(int code, int k, Profile profile) {
        if (profile == Profile.SECCOMP) {
            return Op.LD_SECCOMP_WORD; // verified: W size, 0 <= k < 64, aligned
        }
        if (dev.sluice.bpf.isa.Ancillary.inAncillaryRange(k)) {
            return Op.LD_ANCILLARY; // verified: a known offset; the kernel ignores the size for these
        }
        if (k < 0) {
            return switch (size(code)) {
                case H -> Op.LD_NEG_H;
                case B -> Op.LD_NEG_B;
                default -> Op.LD_NEG_W;
            };
        }
        return switch (size(code)) {
            case H -> Op.LD_ABS_H;
            case B -> Op.LD_ABS_B;
            default -> Op.LD_ABS_W;
        };
    }

    private static int aluOp(int code) {
        boolean x = src(code) == X;
        return switch (op(code)) {
            case ADD -> x ? Op.ADD_X : Op.ADD_K;
            case SUB -> x ? Op.SUB_X : Op.SUB_K;
            case MUL -> x ? Op.MUL_X : Op.MUL_K;
            case DIV -> x ? Op.DIV_X : Op.DIV_K;
            case MOD -> x ? Op.MOD_X : Op.MOD_K;
            case AND -> x ? Op.AND_X : Op.AND_K;
            case OR -> x ? Op.OR_X : Op.OR_K;
            case XOR -> x ? Op.XOR_X : Op.XOR_K;
            case LSH -> x ? Op.LSH_X : Op.LSH_K;
            case RSH -> x ? Op.RSH_X : Op.RSH_K;
            default -> throw new IllegalStateException("alu op " + code);
        };
    }

    private static int jumpOp(int code) {
        boolean x = src(code) == X;
        return switch (op(code)) {
            case JEQ -> x ? Op.JEQ_X : Op.JEQ_K;
            case JGT -> x ? Op.JGT_X : Op.JGT_K;
            case JGE -> x ? Op.JGE_X : Op.JGE_K;
            case JSET -> x ? Op.JSET_X : Op.JSET_K;
            default -> throw new IllegalStateException("jump op " + code);
        };
    }
}
