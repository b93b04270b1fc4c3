package dev.sluice.benchmarks;

/**
 * The verdicts of a run summed up as benchmarks/native/pcap_peers.c does: FNV-1a (64 bits) over each verdict as four
 * little-endian bytes, so the compiled code's verdicts can be checked against libpcap's, packet by packet.
 */
final class VerdictHash {
    private VerdictHash() {}

    static long of(int[] verdicts) {
        long h = 0xcbf29ce484222325L;
        for (int v : verdicts) {
            for (int i = 0; i < 4; i++) {
                h ^= (v >>> (8 * i)) & 0xff;
                h *= 0x100000001b3L;
            }
        }
        return h;
    }

    static long accepted(int[] verdicts) {
        long n = 0;
        for (int v : verdicts) {
            if (v != 0) {
                n++;
            }
        }
        return n;
    }
}
