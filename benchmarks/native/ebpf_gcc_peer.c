/*
 * The gcc -O2 limit of an eBPF program (issue 16, "eBPF"): the program's instruction bytes translated to C by
 * ebpf2c.py (one statement per instruction, the program's own bounds checks and no others) and compiled with gcc -O2,
 * run here over the same capture as ebpf_kernel_peer.c runs through the kernel's JIT.
 *
 *   ebpf_gcc_peer xdp NAME PACKETS.pcap   every frame of the capture through the program NAME, as an XDP program
 *                                         sees it (data, data_end); ns per packet, and the verdicts
 *                                         (a count of nonzero actions and an FNV-1a hash, as ebpf_kernel_peer prints)
 *   ebpf_gcc_peer socket NAME PACKETS.pcap the same for a socket filter (translated with ebpf2c.py's socket: type):
 *                                         each frame from its link-layer header, skb->len its length
 *   ebpf_gcc_peer loop NAME TRIPS         one run of the program NAME (a loop of TRIPS trips); ns per trip
 *
 * Timing, as the benchmarks' SocketFilterBenchmark.minimumAndMedian times Sluice: passes (the whole capture, or one
 * run of the loop) one after another for about a second (at least 20), each timed with CLOCK_MONOTONIC; the fastest
 * pass and the median. The frames lie back to back in one buffer, as Sluice's batch gets them. Each pass calls the
 * program through a volatile function pointer and its result is checked, so gcc cannot merge or drop passes; what gcc
 * may not fold inside a loop program, ebpf2c.py's loop-head barrier keeps (objdump -d of the 10,000-trip loop: the
 * program's three instructions, add, sub, jne, per trip).
 *
 * Output: one line per figure, "gcc-ebpf KIND NAME VALUE UNIT", the format of ebpf_kernel_peer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ebpf_programs.h"

#define MAX_PASSES 20000
#define MIN_PASSES 20
#define TIMED_NS 1e9

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static uint32_t u32(const unsigned char *p, int swapped) {
    uint32_t v;
    memcpy(&v, p, 4);
    return swapped ? __builtin_bswap32(v) : v;
}

static const struct ebpf_program *find(const char *name) {
    for (const struct ebpf_program *p = ebpf_programs; p->name; p++)
        if (strcmp(p->name, name) == 0) return p;
    fprintf(stderr, "ebpf_gcc_peer: %s was not compiled in (ebpf2c.py)\n", name);
    exit(2);
}

/* Reads the capture's frames back to back into one buffer. */
static struct ebpf_frame *read_frames(const char *path, size_t *count) {
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(1); }
    size_t room = 1 << 20, size = 0, got;
    unsigned char *cap = malloc(room);
    while ((got = fread(cap + size, 1, room - size, f)) > 0)
        if ((size += got) == room) cap = realloc(cap, room *= 2);
    fclose(f);
    uint32_t magic = size >= 24 ? u32(cap, 0) : 0;
    int swapped = magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u;
    if (!swapped && magic != 0xa1b2c3d4u && magic != 0xa1b23c4du) {
        fprintf(stderr, "ebpf_gcc_peer: %s is not a pcap file\n", path);
        exit(1);
    }
    size_t n = 0, cap_frames = 1024, used = 0;
    struct ebpf_frame *frames = malloc(cap_frames * sizeof *frames);
    uint8_t *buffer = malloc(size);
    size_t *offsets = malloc(cap_frames * sizeof *offsets);
    for (size_t at = 24; at + 16 <= size;) {
        uint32_t caplen = u32(cap + at + 8, swapped);
        if (at + 16 + caplen > size) break;
        if (n == cap_frames) {
            cap_frames *= 2;
            frames = realloc(frames, cap_frames * sizeof *frames);
            offsets = realloc(offsets, cap_frames * sizeof *offsets);
        }
        memcpy(buffer + used, cap + at + 16, caplen);
        offsets[n] = used;
        frames[n].len = caplen;
        used += caplen;
        at += 16 + caplen;
        n++;
    }
    for (size_t i = 0; i < n; i++) frames[i].data = buffer + offsets[i];
    free(cap);
    free(offsets);
    *count = n;
    return frames;
}

/* Called through volatile pointers so that gcc cannot merge repeated passes over unchanged input. */
static uint64_t (*volatile run_all)(const struct ebpf_frame *, size_t);
static uint64_t (*volatile run_one)(const uint8_t *, const uint8_t *);

/* Passes for about a second: sorts `times` (ns per pass) and returns how many there are. */
static int time_passes(double *times, const struct ebpf_frame *frames, size_t n, uint64_t expected) {
    int passes = 0;
    double end = now_ns() + TIMED_NS;
    while (passes < MAX_PASSES && (passes < MIN_PASSES || now_ns() < end)) {
        double t0 = now_ns();
        uint64_t result = frames ? run_all(frames, n) : run_one(NULL, NULL);
        times[passes++] = now_ns() - t0;
        if (result != expected) {
            fprintf(stderr, "ebpf_gcc_peer: unstable result %llu, expected %llu\n", (unsigned long long)result,
                    (unsigned long long)expected);
            exit(1);
        }
    }
    qsort(times, passes, sizeof times[0], cmp_double);
    return passes;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: ebpf_gcc_peer xdp|socket NAME PACKETS.pcap | loop NAME TRIPS\n");
        return 2;
    }
    const struct ebpf_program *program = find(argv[2]);
    static double times[MAX_PASSES];
    if (strcmp(argv[1], "xdp") == 0 || strcmp(argv[1], "socket") == 0) {
        const char *kind = argv[1];
        size_t n;
        struct ebpf_frame *frames = read_frames(argv[3], &n);
        if (n == 0) { fprintf(stderr, "ebpf_gcc_peer: %s has no frames\n", argv[3]); return 1; }
        /* The verdicts, frame by frame, hashed as ebpf_kernel_peer hashes the kernel's (FNV-1a, 64 bits, over each
         * verdict as 4 little-endian bytes); their sum is what every timed pass must return. */
        uint64_t hash = 0xcbf29ce484222325ULL, sum = 0;
        long nonzero = 0;
        for (size_t i = 0; i < n; i++) {
            uint32_t ret = (uint32_t)program->one(frames[i].data, frames[i].data + frames[i].len);
            sum += ret;
            nonzero += ret != 0;
            for (int b = 0; b < 4; b++) hash = (hash ^ ((ret >> (8 * b)) & 0xff)) * 0x100000001b3ULL;
        }
        run_all = program->run;
        int passes = time_passes(times, frames, n, sum);
        printf("gcc-ebpf %s packets %zu count\n", kind, n);
        printf("gcc-ebpf %s program %.3f ns/packet\n", kind, times[0] / n);
        printf("gcc-ebpf %s median %.3f ns/packet\n", kind, times[passes / 2] / n);
        printf("gcc-ebpf %s passes %d count\n", kind, passes);
        printf("gcc-ebpf %s verdicts %ld %016llx nonzero-and-fnv1a\n", kind, nonzero, (unsigned long long)hash);
    } else if (strcmp(argv[1], "loop") == 0) {
        long trips = atol(argv[3]);
        if (trips <= 0) { fprintf(stderr, "ebpf_gcc_peer: TRIPS must be positive\n"); return 2; }
        uint64_t result = program->one(NULL, NULL);
        run_one = program->one;
        int passes = time_passes(times, NULL, 0, result);
        printf("gcc-ebpf loop result %llu value\n", (unsigned long long)result);
        printf("gcc-ebpf loop trip %.4f ns/trip\n", times[0] / trips);
        printf("gcc-ebpf loop median %.4f ns/trip\n", times[passes / 2] / trips);
        printf("gcc-ebpf loop passes %d count\n", passes);
    } else {
        fprintf(stderr, "ebpf_gcc_peer: unknown kind %s\n", argv[1]);
        return 2;
    }
    return 0;
}
