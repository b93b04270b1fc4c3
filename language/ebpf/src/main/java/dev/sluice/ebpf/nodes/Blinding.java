package dev.sluice.ebpf.nodes;

import static dev.sluice.ebpf.isa.Opcodes.*;

import dev.sluice.core.guard.BlindingKeys;
import dev.sluice.ebpf.lower.LoweredProgram;

/**
 * Constant blinding of a loaded program (docs/guards.md, "Constant blinding of eBPF"), in the manner of the kernel's
 * {@code bpf_jit_blind_constants} (kernel/bpf/core.c): the immediates an author chooses for values are kept as
 * {@code imm ^ key} and unblinded at run time with a key partial evaluation cannot fold, so that none of them is an
 * immediate of compiled code. One random 64-bit key per loaded program, shared by its functions and roots.
 *
 * <p>Which immediates: those the kernel blinds. ALU and ALU64 with K of add, sub, mul, div, mod (also sdiv and smod),
 * or, and, xor, mov (mov of 0 stays plain, as the kernel makes it {@code xor dst, dst}: it carries nothing an author
 * chose); every conditional jump with K, 32- and 64-bit; the value of a store of an immediate ({@code ST_MEM}); the
 * offset of a legacy packet load (LD_ABS, LD_IND: checked at run time in any case, so no proof depends on it; a
 * non-negative one by a sum, {@link #offsetKey}, as the kernel blinds the mov of it that its rewrite makes); the
 * 64-bit value of {@code lddw} with src 0. Plain, as in the kernel: shift amounts (at most 6 bits after masking) and
 * END's width. Plain because the engine's structure depends on them: jump offsets and targets, register numbers,
 * helper ids and local call targets (resolved at load), atomic operation codes, and the values of the pseudo
 * {@code lddw} forms (map and function handles the engine made at load, whose only author-chosen part, a map value's
 * offset, is below the value size). The {@code off} field of loads and stores (16 bits) stays plain as well: the
 * verifier's proven accesses ({@code LoweredProgram.provenRegions}) and the kernel both keep it as it is. So does,
 * unlike the kernel, the immediate of a 64-bit add or sub that the verifier proved moves a packet or stack pointer by
 * a signed 16-bit value on every path (its {@code provenRegions} slot): a pointer's offset, no wider than an
 * {@code off}, and blinded it kept the compiler from seeing that the program's bounds check on the moved pointer
 * implies the check of each proven access (docs/guards.md 6.1, "Pointer moves").
 *
 * <p>Keys: a 32-bit immediate is blinded with the key's low half sign-extended, lddw's 64-bit value with the whole
 * key ({@link BlindingKeys#newWideKey}, both halves non-zero). Every immediate is kept sign-extended to 64 bits, so a
 * 32-bit one has no author bits in its high half; blinded with a sign-extended key it stays a sign-extended 32-bit
 * value, which x86's instructions take as an immediate operand, where a 64-bit key would make every blinded constant a
 * separate 64-bit move. lddw's high half is the author's, so it gets the key's own high half.
 */
public final class Blinding {
    /**
     * Per-slot key kinds: not blinded, blinded with the key's low half sign-extended, with the whole key, or (OFFSET, a
     * legacy packet load's non-negative offset) by adding {@link #offsetKey}.
     */
    static final byte PLAIN = 0, KEY32 = 1, KEY64 = 2, OFFSET = 3;

    private final long key;
    private final long[] immediates;
    private final byte[] kinds;

    private Blinding(long key, long[] immediates, byte[] kinds) {
        this.key = key;
        this.immediates = immediates;
        this.kinds = kinds;
    }

    /** A fresh key for {@code program}, and its immediates blinded with it. */
    public static Blinding of(LoweredProgram program) {
        long key = BlindingKeys.newWideKey();
        byte[] kinds = kinds(program);
        long[] blinded = program.immediates().clone();
        for (int pc = 0; pc < blinded.length; pc++) {
            if (kinds[pc] == OFFSET) {
                blinded[pc] += offsetKey(key);
            } else {
                blinded[pc] ^= keyFor(kinds[pc], key);
            }
        }
        return new Blinding(key, blinded, kinds);
    }

    /** The key a slot of kind {@code kind} is blinded with, from the program's 64-bit key (0 for a plain slot). */
    static long keyFor(byte kind, long key) {
        return switch (kind) {
            case KEY32 -> (int) key;
            case KEY64 -> key;
            default -> 0;
        };
    }

    /**
     * The key added to a legacy load's offset: 30 bits of the key's high half, never 0. A sum keeps what XOR does not,
     * order and addition, so the load's check ({@code k + size <= length} as {@code stored + size <= length + offsetKey})
     * and its address ({@code base + k} as {@code (base - offsetKey) + stored}) use the stored value as an immediate
     * beside one per-run value, where {@code k = stored ^ key} would be a value of its own per load, computed before a
     * batch loop and held across it (docs/guards.md 6.1, "Legacy packet loads"). The sum is exact: {@code k} is at
     * most 2^31 - 1 (a negative one, an LD_ABS into a kernel window or an LD_IND's, keeps {@link #KEY32}), so the
     * stored value is a long that wraps nowhere; below 2^30, the key leaves the stored value of a realistic offset
     * small enough for an x86 address displacement. An LD_IND's non-negative immediate lets its check be LD_ABS's for
     * a small source register (MemoryGuard.SMALL_INDEX).
     */
    static long offsetKey(long key) {
        return key >>> 34 | 1;
    }

    /** The author's immediate of a slot of kind {@code kind} from its stored value. */
    static long unblind(byte kind, long stored, long key) {
        return kind == OFFSET ? stored - offsetKey(key) : stored ^ keyFor(kind, key);
    }

    long key() {
        return key;
    }

    long[] immediates() {
        return immediates;
    }

    byte[] kinds() {
        return kinds;
    }

    /** Which key each slot's immediate is blinded with (see the class comment for why each is or is not). */
    static byte[] kinds(LoweredProgram program) {
        int[] opcodes = program.opcodes();
        byte[] kinds = new byte[opcodes.length];
        for (int pc = 0; pc < opcodes.length; pc++) {
            int opcode = opcodes[pc];
            if (opcode < 0) {
                continue; // the second slot of an lddw
            }
            kinds[pc] = switch (cls(opcode)) {
                case ALU, ALU64 ->
                    source(opcode) == K
                                    && blindableAlu(op(opcode), program.immediates()[pc])
                                    && program.provenRegions()[pc] == 0
                            ? KEY32
                            : PLAIN;
                case JMP, JMP32 -> source(opcode) == K && isConditionalJump(opcode) ? KEY32 : PLAIN;
                case ST -> mode(opcode) == MEM ? KEY32 : PLAIN;
                case LD -> {
                    if (opcode == LDDW) {
                        yield program.srcs()[pc] == LDDW_IMM64 ? KEY64 : PLAIN;
                    }
                    boolean legacy = mode(opcode) == ABS || mode(opcode) == IND;
                    if (legacy && program.immediates()[pc] >= 0) {
                        yield OFFSET;
                    }
                    yield legacy ? KEY32 : PLAIN;
                }
                default -> PLAIN;
            };
        }
        return kinds;
    }

    private static boolean blindableAlu(int op, long imm) {
        return switch (op) {
            case ADD, SUB, MUL, DIV, MOD, OR, AND, XOR -> true;
            case MOV -> imm != 0;
            default -> false; // shifts, neg, end
        };
    }
}
