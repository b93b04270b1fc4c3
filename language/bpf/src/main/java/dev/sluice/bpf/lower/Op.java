package dev.sluice.bpf.lower;

/** Lowered operations. Each is one specialised case of the interpreter's switch. */
public final class Op {
    private Op() {}

    public static final int RET_K = 0, RET_A = 1;
    public static final int LD_IMM = 2, LDX_IMM = 3, LD_LEN = 4, LDX_LEN = 5, LD_MEM = 6, LDX_MEM = 7, ST = 8, STX = 9;
    public static final int TAX = 10, TXA = 11;
    public static final int ADD_K = 12,
            SUB_K = 13,
            MUL_K = 14,
            DIV_K = 15,
            MOD_K = 16,
            AND_K = 17,
            OR_K = 18,
            XOR_K = 19,
            LSH_K = 20,
            RSH_K = 21;
    public static final int ADD_X = 22,
            SUB_X = 23,
            MUL_X = 24,
            DIV_X = 25,
            MOD_X = 26,
            AND_X = 27,
            OR_X = 28,
            XOR_X = 29,
            LSH_X = 30,
            RSH_X = 31,
            NEG = 32;
    public static final int JA = 33,
            JEQ_K = 34,
            JGT_K = 35,
            JGE_K = 36,
            JSET_K = 37,
            JEQ_X = 38,
            JGT_X = 39,
            JGE_X = 40,
            JSET_X = 41;
    /** seccomp: a 32-bit word of struct seccomp_data, in the ABI's byte order; offset proven in range. */
    public static final int LD_SECCOMP_WORD = 42;
    /** socket: packet loads at a non-negative constant offset, bounds-checked against the captured length. */
    public static final int LD_ABS_W = 43, LD_ABS_H = 44, LD_ABS_B = 45;
    /** socket: loads at X + k (signed), which may land in the SKF_NET_OFF / SKF_LL_OFF ranges. */
    public static final int LD_IND_W = 46, LD_IND_H = 47, LD_IND_B = 48;
    /** socket: loads at a constant negative offset (SKF_NET_OFF / SKF_LL_OFF ranges or below). */
    public static final int LD_NEG_W = 49, LD_NEG_H = 50, LD_NEG_B = 51;
    /** socket: X = 4 * (P[k] & 0xf); k may be negative. */
    public static final int LDX_MSH = 52;
    /** socket: an ancillary load; the constant is the SKF_AD_* offset. */
    public static final int LD_ANCILLARY = 53;
    /** A conditional jump whose two targets are equal. */
    public static final int JUMP_ALWAYS = 54;
}
