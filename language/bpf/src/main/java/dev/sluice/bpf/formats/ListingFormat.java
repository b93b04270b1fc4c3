package dev.sluice.bpf.formats;

import static dev.sluice.bpf.isa.Opcodes.A;
import static dev.sluice.bpf.isa.Opcodes.ABS;
import static dev.sluice.bpf.isa.Opcodes.ADD;
import static dev.sluice.bpf.isa.Opcodes.ALU;
import static dev.sluice.bpf.isa.Opcodes.AND;
import static dev.sluice.bpf.isa.Opcodes.B;
import static dev.sluice.bpf.isa.Opcodes.DIV;
import static dev.sluice.bpf.isa.Opcodes.H;
import static dev.sluice.bpf.isa.Opcodes.IMM;
import static dev.sluice.bpf.isa.Opcodes.IND;
import static dev.sluice.bpf.isa.Opcodes.JA;
import static dev.sluice.bpf.isa.Opcodes.JEQ;
import static dev.sluice.bpf.isa.Opcodes.JGE;
import static dev.sluice.bpf.isa.Opcodes.JGT;
import static dev.sluice.bpf.isa.Opcodes.JMP;
import static dev.sluice.bpf.isa.Opcodes.JSET;
import static dev.sluice.bpf.isa.Opcodes.K;
import static dev.sluice.bpf.isa.Opcodes.LD;
import static dev.sluice.bpf.isa.Opcodes.LDX;
import static dev.sluice.bpf.isa.Opcodes.LEN;
import static dev.sluice.bpf.isa.Opcodes.LSH;
import static dev.sluice.bpf.isa.Opcodes.MEM;
import static dev.sluice.bpf.isa.Opcodes.MISC;
import static dev.sluice.bpf.isa.Opcodes.MOD;
import static dev.sluice.bpf.isa.Opcodes.MSH;
import static dev.sluice.bpf.isa.Opcodes.MUL;
import static dev.sluice.bpf.isa.Opcodes.NEG;
import static dev.sluice.bpf.isa.Opcodes.OR;
import static dev.sluice.bpf.isa.Opcodes.RET;
import static dev.sluice.bpf.isa.Opcodes.RSH;
import static dev.sluice.bpf.isa.Opcodes.ST;
import static dev.sluice.bpf.isa.Opcodes.STX;
import static dev.sluice.bpf.isa.Opcodes.SUB;
import static dev.sluice.bpf.isa.Opcodes.TAX;
import static dev.sluice.bpf.isa.Opcodes.TXA;
import static dev.sluice.bpf.isa.Opcodes.W;
import static dev.sluice.bpf.isa.Opcodes.X;
import static dev.sluice.bpf.isa.Opcodes.XOR;

import dev.sluice.bpf.isa.Insn;
import dev.sluice.bpf.isa.Opcodes;
import dev.sluice.bpf.isa.Program;
import java.util.Locale;

/**
 * The {@code tcpdump -d} listing, for display only: {@code (000) ldh      [12]}, conditional jumps with absolute
 * targets {@code jt 2\tjf 5}. The layout is libpcap's {@code bpf_image} (libpcap 1.10): mnemonic padded to 8,
 * jump operand padded to 16, k printed signed ({@code %d}) or as {@code #0x%x} per opcode exactly as libpcap does,
 * and ancillary loads by libpcap's names ({@code [vlanp]}, which differ in places from bpf_asm's). Opcodes libpcap
 * does not know print as {@code unimp 0x..}.
 */
public final class ListingFormat {
    private ListingFormat() {}

    /** libpcap's names for SKF_AD_OFF + index*4 (bpf_image.c); null where it has none. */
    private static final String[] PCAP_ANCILLARY = {
        "proto",
        "type",
        "ifidx",
        "nla",
        "nlan",
        "mark",
        "queue",
        "hatype",
        "rxhash",
        "cpu",
        "xor_x",
        "vlan_tci",
        "vlanp",
        "poff",
        "random",
        "vlan_tpid"
    };
    /** SKF_AD_MAX in linux/filter.h. */
    private static final int SKF_AD_MAX = 64;

    public static String print(Program p) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < p.length(); i++) {
            sb.append(line(p.get(i), i)).append('\n');
        }
        return sb.toString();
    }

    static String line(Insn in, int n) {
        String op;
        String operand;
        int k = in.k();
        int c = in.code();
        switch (c) {
            case RET | K -> {
                op = "ret";
                operand = "#" + k;
            }
            case RET | A -> {
                op = "ret";
                operand = "";
            }
            case LD | W | ABS, LD | H | ABS, LD | B | ABS -> {
                op = c == (LD | W | ABS) ? "ld" : c == (LD | H | ABS) ? "ldh" : "ldb";
                operand = absOperand(k);
            }
            case LD | W | LEN -> {
                op = "ld";
                operand = "#pktlen";
            }
            case LD | W | IND, LD | H | IND, LD | B | IND -> {
                op = c == (LD | W | IND) ? "ld" : c == (LD | H | IND) ? "ldh" : "ldb";
                operand = "[x + " + k + "]";
            }
            case LD | IMM -> {
                op = "ld";
                operand = hex(k);
            }
            case LDX | IMM -> {
                op = "ldx";
                operand = hex(k);
            }
            case LDX | MSH | B -> {
                op = "ldxb";
                operand = "4*([" + k + "]&0xf)";
            }
            case LD | MEM, LDX | MEM, ST, STX -> {
                op = c == (LD | MEM) ? "ld" : c == (LDX | MEM) ? "ldx" : c == ST ? "st" : "stx";
                operand = "M[" + k + "]";
            }
            case JMP | JA -> {
                op = "ja";
                operand = Integer.toString(n + 1 + k);
            }
            case JMP | JGT | K, JMP | JGE | K, JMP | JEQ | K, JMP | JSET | K -> {
                op = Opcodes.mnemonic(c);
                operand = hex(k);
            }
            case JMP | JGT | X, JMP | JGE | X, JMP | JEQ | X, JMP | JSET | X -> {
                op = Opcodes.mnemonic(c);
                operand = "x";
            }
            case ALU | ADD | X,
                    ALU | SUB | X,
                    ALU | MUL | X,
                    ALU | DIV | X,
                    ALU | MOD | X,
                    ALU | AND | X,
                    ALU | OR | X,
                    ALU | XOR | X,
                    ALU | LSH | X,
                    ALU | RSH | X -> {
                op = Opcodes.mnemonic(c);
                operand = "x";
            }
            case ALU | ADD | K,
                    ALU | SUB | K,
                    ALU | MUL | K,
                    ALU | DIV | K,
                    ALU | MOD | K,
                    ALU | LSH | K,
                    ALU | RSH | K -> {
                op = Opcodes.mnemonic(c);
                operand = "#" + k;
            }
            case ALU | AND | K, ALU | OR | K, ALU | XOR | K -> {
                op = Opcodes.mnemonic(c);
                operand = hex(k);
            }
            case ALU | NEG -> {
                op = "neg";
                operand = "";
            }
            case MISC | TAX -> {
                op = "tax";
                operand = "";
            }
            case MISC | TXA -> {
                op = "txa";
                operand = "";
            }
            default -> {
                op = "unimp";
                operand = String.format(Locale.ROOT, "0x%x", c);
            }
        }
        if (Opcodes.cls(c) == JMP && Opcodes.op(c) != JA) {
            return String.format(
                    Locale.ROOT, "(%03d) %-8s %-16s jt %d\tjf %d", n, op, operand, n + 1 + in.jt(), n + 1 + in.jf());
        }
        return String.format(Locale.ROOT, "(%03d) %-8s %s", n, op, operand);
    }

    private static String hex(int k) {
        return "#0x" + Integer.toHexString(k);
    }

    private static String absOperand(int k) {
        long off = (k & 0xffffffffL) - (Opcodes.SKF_AD_OFF & 0xffffffffL);
        if (off >= 0 && off < SKF_AD_MAX && off % 4 == 0 && off / 4 < PCAP_ANCILLARY.length) {
            return "[" + PCAP_ANCILLARY[(int) (off / 4)] + "]";
        }
        return "[" + k + "]";
    }
}
