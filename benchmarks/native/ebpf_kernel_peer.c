/*
 * The kernel's JIT as the peer of an eBPF program (issue 16, "eBPF"): the program's instruction bytes, as Sluice's
 * assembler writes them, loaded with bpf(BPF_PROG_LOAD) and run with BPF_PROG_TEST_RUN, which reports the kernel's own
 * time per run (attr.test.duration, in ns, averaged over `repeat` runs of the same input).
 *
 *   ebpf_kernel_peer xdp PROGRAM.bin PACKETS.pcap [REPEAT]   ns per packet over every frame of the capture, the
 *                                                           empty program's (XDP_PASS) baseline (every 10th frame),
 *                                                           and the verdicts
 *                                                           (a count of nonzero actions and an FNV-1a hash)
 *   ebpf_kernel_peer socket PROGRAM.bin PACKETS.pcap [REPEAT] the same for a socket filter (BPF_PROG_TYPE_SOCKET_FILTER)
 *                                                           on each frame as an AF_PACKET socket sees it (see
 *                                                           socket_run), with the empty socket filter (r0 = 2) run on
 *                                                           every frame as its baseline
 *   ebpf_kernel_peer loop PROGRAM.bin TRIPS [REPEAT]         ns per loop trip of a socket filter on a 64-byte frame,
 *                                                           with the empty program's baseline subtracted
 *
 * Output: one line per figure, "kernel-ebpf KIND NAME VALUE UNIT". The capture is read here (its format is simple)
 * rather than through libpcap, whose struct bpf_insn collides with the kernel's in one translation unit.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static long sys_bpf(int cmd, union bpf_attr *attr) { return syscall(__NR_bpf, cmd, attr, sizeof *attr); }

static char verifier_log[1 << 20];

static int load(int type, const void *insns, size_t bytes) {
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.prog_type = type;
    a.insns = (uintptr_t)insns;
    a.insn_cnt = (unsigned)(bytes / 8);
    a.license = (uintptr_t) "GPL";
    int fd = (int)sys_bpf(BPF_PROG_LOAD, &a);
    if (fd < 0) { /* again with the verifier's log, to say why */
        a.log_buf = (uintptr_t)verifier_log;
        a.log_size = sizeof verifier_log;
        a.log_level = 1;
        fd = (int)sys_bpf(BPF_PROG_LOAD, &a);
    }
    if (fd < 0) {
        fprintf(stderr, "ebpf_kernel_peer: BPF_PROG_LOAD: %s\n%s\n", strerror(errno), verifier_log);
        exit(1);
    }
    return fd;
}

/* One TEST_RUN of `repeat` runs on `data`: the kernel's mean ns per run; the program's return value in *ret. */
static double test_run(int fd, const void *data, unsigned size, unsigned repeat, unsigned *ret) {
    static unsigned char out[65536 + 256];
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.test.prog_fd = fd;
    a.test.data_in = (uintptr_t)data;
    a.test.data_size_in = size;
    a.test.data_out = (uintptr_t)out;
    a.test.data_size_out = sizeof out;
    a.test.repeat = repeat;
    if (sys_bpf(BPF_PROG_TEST_RUN, &a) < 0) {
        fprintf(stderr, "ebpf_kernel_peer: BPF_PROG_TEST_RUN (%u bytes): %s\n", size, strerror(errno));
        exit(1);
    }
    *ret = a.test.retval;
    return a.test.duration;
}

static void *read_file(const char *path, size_t *size, size_t max) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(1);
    }
    unsigned char *buf = malloc(max);
    *size = fread(buf, 1, max, f);
    fclose(f);
    return buf;
}

static uint32_t u32(const unsigned char *p, int swapped) {
    uint32_t v;
    memcpy(&v, p, 4);
    return swapped ? __builtin_bswap32(v) : v;
}

/* A socket filter's test run: the kernel's BPF_PROG_TEST_RUN pulls an Ethernet header off the data (eth_type_trans)
 * and runs the program from the network header, with skb->len the rest. A 14-byte dummy header in front (type IPv4)
 * keeps the whole frame where a program on an AF_PACKET socket reads it: skb->data is the frame's first byte and
 * skb->len its length (as benchmarks/native/kernel_peer.c runs the classic filters). */
static double socket_run(int fd, const unsigned char *frame, unsigned len, unsigned repeat, unsigned *ret) {
    static unsigned char in[65536 + 14];
    if (len > sizeof in - 14) {
        fprintf(stderr, "ebpf_kernel_peer: a frame of %u bytes is too long\n", len);
        exit(1);
    }
    memset(in, 0, 12);
    in[12] = 0x08;
    in[13] = 0x00;
    memcpy(in + 14, frame, len);
    return test_run(fd, in, len + 14, repeat, ret);
}

/* r0 = 2 (XDP_PASS; for a socket filter, keep 2 bytes); exit. */
static const uint64_t EMPTY[] = {0x00000002000000b7ULL, 0x0000000000000095ULL};

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: ebpf_kernel_peer xdp|socket PROGRAM.bin PACKETS.pcap [REPEAT] | loop PROGRAM.bin TRIPS [REPEAT]\n");
        return 2;
    }
    unsigned repeat = argc > 4 ? (unsigned)atoi(argv[4]) : 100;
    size_t bytes;
    void *prog = read_file(argv[2], &bytes, 1 << 20);
    int socket = strcmp(argv[1], "socket") == 0;
    if (strcmp(argv[1], "xdp") == 0 || socket) {
        const char *kind = argv[1];
        int type = socket ? BPF_PROG_TYPE_SOCKET_FILTER : BPF_PROG_TYPE_XDP;
        int fd = load(type, prog, bytes);
        int empty = load(type, EMPTY, sizeof EMPTY);
        /* The XDP baseline runs on every 10th frame (see below); a socket filter's test run is cheap, every frame. */
        int sample = socket ? 1 : 10;
        size_t size;
        unsigned char *cap = read_file(argv[3], &size, 256u << 20);
        uint32_t magic = size >= 24 ? u32(cap, 0) : 0;
        int swapped = magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u;
        if (!swapped && magic != 0xa1b2c3d4u && magic != 0xa1b23c4du) {
            fprintf(stderr, "ebpf_kernel_peer: %s is not a pcap file\n", argv[3]);
            return 1;
        }
        /* All frames through the program, then every 10th through the empty one: each XDP test run switches the
         * kernel's XDP dispatcher to its program and back, and each switch waits for an RCU grace period
         * (milliseconds on a busy machine), so the calls, not the runs, are what costs here. */
        double total = 0, baseline = 0;
        long packets = 0, nonzero = 0, sampled = 0;
        unsigned last = 0;
        uint64_t hash = 0xcbf29ce484222325ULL; /* FNV-1a, 64 bits, as the benchmarks' VerdictHash */
        for (int pass = 0; pass < 2; pass++) {
            for (size_t at = 24; at + 16 <= size;) {
                uint32_t caplen = u32(cap + at + 8, swapped);
                const unsigned char *d = cap + at + 16;
                at += 16 + caplen;
                if (at > size) {
                    break;
                }
                unsigned ret;
                if (pass == 1) {
                    if (sampled++ % sample == 0) {
                        baseline += socket ? socket_run(empty, d, caplen, repeat, &ret)
                                           : test_run(empty, d, caplen, repeat, &ret);
                    }
                    continue;
                }
                total += socket ? socket_run(fd, d, caplen, repeat, &ret) : test_run(fd, d, caplen, repeat, &ret);
                last = ret;
                packets++;
                nonzero += ret != 0;
                for (int b = 0; b < 4; b++) {
                    hash = (hash ^ ((ret >> (8 * b)) & 0xff)) * 0x100000001b3ULL;
                }
            }
        }
        printf("kernel-ebpf %s packets %ld count\n", kind, packets);
        printf("kernel-ebpf %s program %.2f ns/packet\n", kind, total / packets);
        printf("kernel-ebpf %s empty %.2f ns/packet\n", kind, baseline / ((sampled + sample - 1) / sample));
        printf("kernel-ebpf %s verdicts %ld %016llx nonzero-and-fnv1a\n", kind, nonzero, (unsigned long long)hash);
        printf("kernel-ebpf %s last %u value\n", kind, last); /* the last frame's verdict (ebpf2c_check.py's one) */
    } else if (strcmp(argv[1], "loop") == 0) {
        long trips = atol(argv[3]);
        int fd = load(BPF_PROG_TYPE_SOCKET_FILTER, prog, bytes);
        int empty = load(BPF_PROG_TYPE_SOCKET_FILTER, EMPTY, sizeof EMPTY);
        unsigned char frame[64];
        memset(frame, 0, sizeof frame);
        unsigned ret, ignored;
        double best = 1e300, best_empty = 1e300;
        for (int round = 0; round < 20; round++) { /* the fastest of 20 TEST_RUNs, as the classic peer does */
            double t = test_run(fd, frame, sizeof frame, repeat, &ret);
            double e = test_run(empty, frame, sizeof frame, repeat, &ignored);
            best = t < best ? t : best;
            best_empty = e < best_empty ? e : best_empty;
        }
        printf("kernel-ebpf loop result %u value\n", ret);
        printf("kernel-ebpf loop run %.1f ns/run\n", best);
        printf("kernel-ebpf loop empty %.1f ns/run\n", best_empty);
        printf("kernel-ebpf loop trip %.3f ns/trip\n", (best - best_empty) / trips);
    } else {
        fprintf(stderr, "ebpf_kernel_peer: unknown kind %s\n", argv[1]);
        return 2;
    }
    return 0;
}
