package dev.sluice.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How predictable a packet filter's branches are on a packet set, computed without hardware counters: each packet is
 * run through the filter's classic BPF instructions by a small tracing interpreter (libpcap's semantics: a load beyond
 * the captured bytes or a division by zero returns 0), which records the path taken (every conditional jump and its
 * direction, and the return). From the paths of the packets in order:
 *
 * <ul>
 *   <li>match rate: the share of packets accepted;
 *   <li>verdict changes: the share of packets whose verdict differs from the previous packet's;
 *   <li>bimodal mispredictions: what a 2-bit saturating counter per conditional jump (the textbook bimodal
 *       predictor, no history) gets wrong, per packet; real CPUs predict better with history, so this is an upper
 *       bound of what the data alone makes unpredictable, comparable between sets;
 *   <li>path entropy H(path) in bits, and H(path | previous packet's path): the information about a packet's path
 *       that even a predictor knowing the previous packet's path still lacks. Independently drawn frames give
 *       H(path | previous) = H(path); bursts of one flow lower it.
 * </ul>
 *
 * <p>The tracer's verdicts are summed up with {@link VerdictHash}, so compare.sh checks them against libpcap's.
 *
 * <p>{@code java -cp ... dev.sluice.benchmarks.BranchProfile SET FILE.pcap DATA_DIR FILTER...} prints one line per
 * filter: {@code profile SET FILTER PACKETS ACCEPTED HASH MATCH% CHANGES% MISPREDICTS/PKT BRANCHES/PKT H H|PREV}.
 */
public final class BranchProfile {
    /** One classic BPF instruction as tcpdump -ddd prints it. */
    public record Insn(int code, int jt, int jf, int k) {}

    /** The figures of one filter over one packet set, in packet order. */
    public record Figures(
            int packets,
            int accepted,
            long verdictHash,
            double verdictChanges,
            double bimodalMispredictsPerPacket,
            double branchesPerPacket,
            double pathEntropyBits,
            double pathEntropyGivenPreviousBits) {
        public double matchRate() {
            return accepted / (double) packets;
        }
    }

    private BranchProfile() {}

    public static Insn[] readDdd(Path ddd) throws IOException {
        String[] lines = Files.readString(ddd).strip().split("\\R");
        int count = Integer.parseInt(lines[0].strip());
        Insn[] program = new Insn[count];
        for (int i = 0; i < count; i++) {
            String[] f = lines[i + 1].strip().split("\\s+");
            program[i] = new Insn(
                    Integer.parseInt(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2]), (int) Long.parseLong(f[3]));
        }
        return program;
    }

    /** Receives each conditional jump the tracer executes. */
    interface BranchSink {
        void branch(int pc, boolean taken);
    }

    /**
     * Runs {@code program} over {@code packet} (wire length = captured length, as the pcaps here are written) and
     * returns the verdict, reporting every conditional jump to {@code sink}.
     */
    static int run(Insn[] program, byte[] packet, BranchSink sink) {
        int a = 0;
        int x = 0;
        int[] mem = new int[16];
        int pc = 0;
        while (true) {
            if (pc < 0 || pc >= program.length) {
                throw new IllegalArgumentException("instruction " + pc + ": jump beyond the program");
            }
            Insn in = program[pc];
            int code = in.code();
            int k = in.k();
            switch (code & 0x07) {
                case 0x00, 0x01 -> { // BPF_LD, BPF_LDX
                    int mode = code & 0xe0;
                    int size = switch (code & 0x18) {
                        case 0x00 -> 4;
                        case 0x08 -> 2;
                        case 0x10 -> 1;
                        default -> throw bad(pc, code);
                    };
                    long value;
                    if (mode == 0x00) { // IMM
                        value = k;
                    } else if (mode == 0x80) { // LEN
                        value = packet.length;
                    } else if (mode == 0x60) { // MEM
                        value = mem[k & 0x0f];
                    } else if (mode == 0x20 || mode == 0x40) { // ABS, IND
                        long offset = (k & 0xffffffffL) + (mode == 0x40 ? x & 0xffffffffL : 0);
                        if (offset + size > packet.length) {
                            return 0;
                        }
                        value = load(packet, (int) offset, size);
                    } else if (mode == 0xa0 && (code & 0x07) == 0x01) { // MSH: X = 4 * (P[k] & 0xf)
                        if ((k & 0xffffffffL) >= packet.length) {
                            return 0;
                        }
                        value = (packet[k] & 0x0f) << 2;
                    } else {
                        throw bad(pc, code);
                    }
                    if ((code & 0x07) == 0x00) {
                        a = (int) value;
                    } else {
                        x = (int) value;
                    }
                    pc++;
                }
                case 0x02 -> { // ST
                    mem[k & 0x0f] = a;
                    pc++;
                }
                case 0x03 -> { // STX
                    mem[k & 0x0f] = x;
                    pc++;
                }
                case 0x04 -> { // ALU
                    int operand = (code & 0x08) != 0 ? x : k;
                    switch (code & 0xf0) {
                        case 0x00 -> a += operand;
                        case 0x10 -> a -= operand;
                        case 0x20 -> a *= operand;
                        case 0x30 -> {
                            if (operand == 0) {
                                return 0;
                            }
                            a = Integer.divideUnsigned(a, operand);
                        }
                        case 0x90 -> {
                            if (operand == 0) {
                                return 0;
                            }
                            a = Integer.remainderUnsigned(a, operand);
                        }
                        case 0x40 -> a |= operand;
                        case 0x50 -> a &= operand;
                        case 0x60 -> a = (operand & 0xffffffffL) >= 32 ? 0 : a << operand;
                        case 0x70 -> a = (operand & 0xffffffffL) >= 32 ? 0 : a >>> operand;
                        case 0x80 -> a = -a;
                        case 0xa0 -> a ^= operand;
                        default -> throw bad(pc, code);
                    }
                    pc++;
                }
                case 0x05 -> { // JMP
                    if ((code & 0xf0) == 0x00) {
                        pc += 1 + k;
                        break;
                    }
                    long left = a & 0xffffffffL;
                    long right = ((code & 0x08) != 0 ? x : k) & 0xffffffffL;
                    boolean taken = switch (code & 0xf0) {
                        case 0x10 -> left == right;
                        case 0x20 -> left > right;
                        case 0x30 -> left >= right;
                        case 0x40 -> (left & right) != 0;
                        default -> throw bad(pc, code);
                    };
                    sink.branch(pc, taken);
                    pc += 1 + (taken ? in.jt() : in.jf());
                }
                case 0x06 -> { // RET
                    return switch (code & 0x18) {
                        case 0x00 -> k;
                        case 0x10 -> a;
                        default -> throw bad(pc, code);
                    };
                }
                case 0x07 -> { // MISC: TAX, TXA
                    if ((code & 0xf8) == 0x00) {
                        x = a;
                    } else if ((code & 0xf8) == 0x80) {
                        a = x;
                    } else {
                        throw bad(pc, code);
                    }
                    pc++;
                }
                default -> throw bad(pc, code);
            }
        }
    }

    private static long load(byte[] p, int at, int size) {
        long v = 0;
        for (int i = 0; i < size; i++) {
            v = v << 8 | p[at + i] & 0xff;
        }
        return v;
    }

    private static IllegalArgumentException bad(int pc, int code) {
        return new IllegalArgumentException("instruction " + pc + ": opcode " + code + " is not classic BPF");
    }

    /** The figures of {@code program} over {@code frames}, taken in order. */
    public static Figures profile(Insn[] program, List<byte[]> frames) {
        int n = frames.size();
        int[] verdicts = new int[n];
        byte[] counters = new byte[program.length]; // 2-bit saturating counters, start weakly not taken
        java.util.Arrays.fill(counters, (byte) 1);
        long[] mispredicts = {0};
        long[] branches = {0};
        Map<String, Integer> paths = new HashMap<>();
        Map<String, Integer> pairs = new HashMap<>();
        Map<String, Integer> previous = new HashMap<>();
        String last = null;
        int changes = 0;
        for (int i = 0; i < n; i++) {
            StringBuilder path = new StringBuilder();
            int verdict = run(program, frames.get(i), (pc, taken) -> {
                boolean predicted = counters[pc] >= 2;
                if (predicted != taken) {
                    mispredicts[0]++;
                }
                counters[pc] = (byte) Math.max(0, Math.min(3, counters[pc] + (taken ? 1 : -1)));
                branches[0]++;
                path.append(pc).append(taken ? 't' : 'f');
            });
            path.append("ret").append(verdict);
            verdicts[i] = verdict;
            if (i > 0 && (verdict != 0) != (verdicts[i - 1] != 0)) {
                changes++;
            }
            String p = path.toString();
            paths.merge(p, 1, Integer::sum);
            if (last != null) {
                pairs.merge(last + "|" + p, 1, Integer::sum);
                previous.merge(last, 1, Integer::sum);
            }
            last = p;
        }
        double entropy = entropy(paths, n);
        // H(path | previous) = H(previous, path) - H(previous), over the n - 1 consecutive pairs
        double given = n > 1 ? entropy(pairs, n - 1) - entropy(previous, n - 1) : 0;
        return new Figures(
                n,
                (int) VerdictHash.accepted(verdicts),
                VerdictHash.of(verdicts),
                n > 1 ? changes / (double) (n - 1) : 0,
                mispredicts[0] / (double) n,
                branches[0] / (double) n,
                entropy,
                Math.max(0, given));
    }

    private static double entropy(Map<String, Integer> counts, int total) {
        double h = 0;
        for (int c : counts.values()) {
            double p = c / (double) total;
            h -= p * Math.log(p) / Math.log(2);
        }
        return h;
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: BranchProfile SET FILE.pcap DATA_DIR FILTER...");
            System.exit(2);
        }
        List<byte[]> frames = PcapWriter.readFrames(Path.of(args[1]));
        for (int i = 3; i < args.length; i++) {
            Figures f = profile(readDdd(Path.of(args[2], args[i] + ".ddd")), frames);
            System.out.printf(
                    "profile %s %s %d %d %016x %.2f %.2f %.3f %.2f %.3f %.3f%n",
                    args[0],
                    args[i],
                    f.packets(),
                    f.accepted(),
                    f.verdictHash(),
                    100 * f.matchRate(),
                    100 * f.verdictChanges(),
                    f.bimodalMispredictsPerPacket(),
                    f.branchesPerPacket(),
                    f.pathEntropyBits(),
                    f.pathEntropyGivenPreviousBits());
        }
    }
}
