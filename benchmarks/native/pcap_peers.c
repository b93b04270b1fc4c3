/*
 * The native peers of compare.sh, side by side in one process over the same packets:
 *   libpcap  libpcap's classic BPF interpreter, bpf_filter();
 *   limit    the same program translated to straight-line C by bpf2c.py and compiled by gcc -O2 (the physical limit:
 *            an ahead-of-time JIT with the same bounds checks), run in the same loop as libpcap;
 *   kernel   the program translated to eBPF, loaded as a socket filter and run by the kernel's JIT with
 *            BPF_PROG_TEST_RUN (kernel_peer.c); the figure is the kernel's own time per run, each packet run `repeat`
 *            times in a row (so its branches are predicted after the first run), averaged over the packets.
 *            kernel-empty is the same measurement for `ret #0`: the test run's own cost per run.
 *
 * The packets are read into memory first, back to back in one buffer as Sluice's batch gets them. libpcap and the limit
 * are timed in alternation (clock_gettime, CLOCK_MONOTONIC): 7 rounds, each running the whole packet set for at least
 * 0.2 s per peer; the median round is reported in ns per packet. Before any timing, every peer's verdict on every
 * packet must equal libpcap's (else the harness stops); the verdicts' FNV-1a hash is printed so the caller can check
 * Sluice's compiled code against the same verdicts.
 *
 * Usage: pcap_peers FILE.pcap NAME=PROGRAM.ddd...    (the names bpf2c.py compiled into this binary)
 * Output, one line per peer and program: "PEER NAME NS_PER_PACKET ACCEPTED VERDICT_HASH MIN_NS_PER_PACKET": the median
 * round, and the fastest single pass over the set (the kernel: its fastest pass of the three). On a shared machine the
 * minimum is the cost when nothing else ran on the core; compare.sh takes Sluice's the same way.
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "filters.h"

#define ROUNDS 7
#define MIN_RUN_NS 200000000.0
#define KERNEL_REPEAT 100
#define KERNEL_PASSES 3

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
    qsort(v, n, sizeof v[0], cmp_double);
    return v[n / 2];
}

/* FNV-1a, 64 bits, over the verdicts as little-endian 32-bit words (what VerdictHash.java computes). */
static uint64_t fnv(uint64_t h, u_int v) {
    for (int i = 0; i < 4; i++) { h ^= (v >> (8 * i)) & 0xff; h *= 0x100000001b3ULL; }
    return h;
}
#define FNV_START 0xcbf29ce484222325ULL

static struct bpf_insn *read_ddd(const char *path, u_int *count) {
    FILE *f = fopen(path, "r");
    if (!f) { perror(path); exit(1); }
    if (fscanf(f, "%u", count) != 1 || *count == 0 || *count > 4096) { fprintf(stderr, "%s: bad instruction count\n", path); exit(1); }
    struct bpf_insn *p = calloc(*count, sizeof *p);
    for (u_int i = 0; i < *count; i++) {
        unsigned code, jt, jf; unsigned long k;
        if (fscanf(f, "%u %u %u %lu", &code, &jt, &jf, &k) != 4) { fprintf(stderr, "%s: bad instruction %u\n", path, i); exit(1); }
        p[i].code = code; p[i].jt = jt; p[i].jf = jf; p[i].k = (bpf_u_int32)k;
    }
    fclose(f);
    if (!bpf_validate(p, (int)*count)) { fprintf(stderr, "%s: bpf_validate rejects the program\n", path); exit(1); }
    return p;
}

static long run_libpcap(const struct bpf_insn *prog, const struct packet *pk, size_t n) {
    long accepted = 0;
    for (size_t i = 0; i < n; i++)
        accepted += bpf_filter(prog, pk[i].data, pk[i].wirelen, pk[i].caplen) != 0;
    return accepted;
}

/* The fastest single pass over the whole set since the last reset, in ns. */
static double fastest_pass;

/* Called through a volatile pointer so the compiler cannot merge repeated runs over unchanged packets. */
static long (*volatile run_limit)(const struct packet *, size_t);
static const struct bpf_insn *volatile libpcap_prog;

static double time_libpcap(const struct packet *pk, size_t n, long reps, long accepted) {
    double s = now_ns();
    long check = 0;
    for (long r = 0; r < reps; r++) {
        double p0 = now_ns();
        check += run_libpcap(libpcap_prog, pk, n);
        double pass = now_ns() - p0;
        if (pass < fastest_pass) fastest_pass = pass;
    }
    double per = (now_ns() - s) / ((double)reps * n);
    if (check != accepted * reps) { fprintf(stderr, "pcap_peers: libpcap: unstable result\n"); exit(1); }
    return per;
}

static double time_limit(const struct packet *pk, size_t n, long reps, long accepted) {
    double s = now_ns();
    long check = 0;
    for (long r = 0; r < reps; r++) {
        double p0 = now_ns();
        check += run_limit(pk, n);
        double pass = now_ns() - p0;
        if (pass < fastest_pass) fastest_pass = pass;
    }
    double per = (now_ns() - s) / ((double)reps * n);
    if (check != accepted * reps) { fprintf(stderr, "pcap_peers: limit: unstable result\n"); exit(1); }
    return per;
}

/* Repetitions of the whole set that take at least MIN_RUN_NS. */
static long calibrate(double (*timer)(const struct packet *, size_t, long, long), const struct packet *pk, size_t n, long accepted) {
    long reps = 1;
    while (timer(pk, n, reps, accepted) * reps * n < MIN_RUN_NS / 4) reps *= 2;
    return reps * 4;
}

/* The kernel's mean time per run over all packets (ns), with the verdicts checked against `expected` when given. */
static double kernel_time(int fd, const struct packet *pk, size_t n, const u_int *expected, const char *name) {
    double total = 0;
    for (size_t i = 0; i < n; i++) {
        u_int verdict, duration;
        if (kernel_run(fd, pk[i].data, pk[i].caplen, KERNEL_REPEAT, &verdict, &duration) != 0) {
            perror("pcap_peers: BPF_PROG_TEST_RUN");
            exit(1);
        }
        if (expected && verdict != expected[i]) {
            fprintf(stderr, "pcap_peers: %s: packet %zu: the kernel returns %u, libpcap %u\n", name, i, verdict, expected[i]);
            exit(1);
        }
        total += duration;
    }
    return total / n;
}

static struct classic_insn *classic(const struct bpf_insn *p, u_int count) {
    struct classic_insn *c = calloc(count, sizeof *c);
    for (u_int i = 0; i < count; i++) { c[i].code = p[i].code; c[i].jt = p[i].jt; c[i].jf = p[i].jf; c[i].k = p[i].k; }
    return c;
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: %s FILE.pcap NAME=PROGRAM.ddd...\n", argv[0]); return 2; }
    char err[PCAP_ERRBUF_SIZE > 512 ? PCAP_ERRBUF_SIZE : 512];
    pcap_t *pc = pcap_open_offline(argv[1], err);
    if (!pc) { fprintf(stderr, "%s: %s\n", argv[1], err); return 1; }
    size_t cap = 1024, n = 0, used = 0, room = 1 << 20;
    struct packet *pk = malloc(cap * sizeof *pk);
    u_char *buffer = malloc(room);
    size_t *offsets = malloc(cap * sizeof *offsets);
    struct pcap_pkthdr *h; const u_char *d;
    int rc;
    while ((rc = pcap_next_ex(pc, &h, &d)) == 1) {
        if (n == cap) { cap *= 2; pk = realloc(pk, cap * sizeof *pk); offsets = realloc(offsets, cap * sizeof *offsets); }
        while (used + h->caplen > room) buffer = realloc(buffer, room *= 2);
        memcpy(buffer + used, d, h->caplen);
        offsets[n] = used;
        pk[n].caplen = h->caplen; pk[n].wirelen = h->len;
        used += h->caplen;
        n++;
    }
    for (size_t i = 0; i < n; i++) pk[i].data = buffer + offsets[i];
    if (rc != PCAP_ERROR_BREAK) { fprintf(stderr, "%s: %s\n", argv[1], pcap_geterr(pc)); return 1; }

    /* The kernel's empty-program baseline: ret #0. */
    struct classic_insn ret0 = {0x06, 0, 0, 0};
    int empty = kernel_load(&ret0, 1, err, sizeof err);
    if (empty < 0) { fprintf(stderr, "pcap_peers: the kernel peer: %s\n", err); return 1; }
    double pass[KERNEL_PASSES];
    for (int p = 0; p < KERNEL_PASSES; p++) pass[p] = kernel_time(empty, pk, n, NULL, "ret #0");
    double empty_median = median(pass, KERNEL_PASSES);
    printf("kernel-empty ret0 %.2f 0 0 %.2f\n", empty_median, pass[0]);
    fflush(stdout);

    u_int *expected = malloc(n * sizeof *expected);
    for (int a = 2; a < argc; a++) {
        char *eq = strchr(argv[a], '=');
        if (!eq) { fprintf(stderr, "pcap_peers: %s is not NAME=PROGRAM.ddd\n", argv[a]); return 2; }
        *eq = 0;
        const char *name = argv[a], *path = eq + 1;
        const struct compiled_filter *limit = NULL;
        for (const struct compiled_filter *f = compiled_filters; f->name; f++)
            if (strcmp(f->name, name) == 0) limit = f;
        if (!limit) { fprintf(stderr, "pcap_peers: %s was not compiled in (bpf2c.py)\n", name); return 2; }
        u_int count;
        struct bpf_insn *prog = read_ddd(path, &count);

        /* Verdicts: every peer must return what libpcap returns, packet by packet. */
        uint64_t hash = FNV_START;
        long accepted = 0;
        for (size_t i = 0; i < n; i++) {
            expected[i] = bpf_filter(prog, pk[i].data, pk[i].wirelen, pk[i].caplen);
            u_int mine = limit->one(&pk[i]);
            if (mine != expected[i]) {
                fprintf(stderr, "pcap_peers: %s: packet %zu: the gcc translation returns %u, libpcap %u\n", name, i, mine, expected[i]);
                return 1;
            }
            hash = fnv(hash, expected[i]);
            accepted += expected[i] != 0;
        }
        int fd = kernel_load(classic(prog, count), (int)count, err, sizeof err);
        if (fd < 0) { fprintf(stderr, "pcap_peers: %s: %s\n", name, err); return 1; }

        libpcap_prog = prog;
        run_limit = limit->run;
        long reps_pcap = calibrate(time_libpcap, pk, n, accepted), reps_limit = calibrate(time_limit, pk, n, accepted);
        double t_pcap[ROUNDS], t_limit[ROUNDS], min_pcap = 1e300, min_limit = 1e300;
        for (int r = 0; r < ROUNDS; r++) {
            fastest_pass = 1e300;
            t_pcap[r] = time_libpcap(pk, n, reps_pcap, accepted);
            if (fastest_pass < min_pcap) min_pcap = fastest_pass;
            fastest_pass = 1e300;
            t_limit[r] = time_limit(pk, n, reps_limit, accepted);
            if (fastest_pass < min_limit) min_limit = fastest_pass;
        }
        for (int p = 0; p < KERNEL_PASSES; p++) pass[p] = kernel_time(fd, pk, n, expected, name);
        printf("libpcap %s %.2f %ld %016llx %.2f\n", name, median(t_pcap, ROUNDS), accepted, (unsigned long long)hash, min_pcap / n);
        printf("limit %s %.2f %ld %016llx %.2f\n", name, median(t_limit, ROUNDS), accepted, (unsigned long long)hash, min_limit / n);
        double kernel_median = median(pass, KERNEL_PASSES);
        printf("kernel %s %.2f %ld %016llx %.2f\n", name, kernel_median, accepted, (unsigned long long)hash, pass[0]);
        fflush(stdout);
        free(prog);
    }
    return 0;
}
