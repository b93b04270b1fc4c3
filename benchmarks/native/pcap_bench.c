/*
 * libpcap's classic BPF interpreter, bpf_filter(), over every packet of a capture, for each given tcpdump -ddd
 * program. The packets are read into memory first, back to back in one buffer as Sluice's batch gets them; the timed loop runs the whole packet set many times (clock_gettime,
 * CLOCK_MONOTONIC) and reports the median of 7 runs in ns per packet, with the number of accepted packets so the
 * caller can check that Sluice accepts the same ones.
 *
 * Build: cc -O2 -o pcap_bench pcap_bench.c -lpcap      Usage: pcap_bench FILE.pcap PROGRAM.ddd...
 * Output, one line per program: "libpcap NAME NS_PER_PACKET ACCEPTED"
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RUNS 7
#define MIN_RUN_NS 200000000.0 /* each timed run lasts at least 0.2 s */

struct packet { const u_char *data; u_int caplen; u_int wirelen; };

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

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

static long run_once(const struct bpf_insn *prog, const struct packet *pk, size_t n) {
    long accepted = 0;
    for (size_t i = 0; i < n; i++)
        accepted += bpf_filter(prog, pk[i].data, pk[i].wirelen, pk[i].caplen) != 0;
    return accepted;
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: %s FILE.pcap PROGRAM.ddd...\n", argv[0]); return 2; }
    char err[PCAP_ERRBUF_SIZE];
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
    for (int a = 2; a < argc; a++) {
        u_int count;
        struct bpf_insn *prog = read_ddd(argv[a], &count);
        long accepted = run_once(prog, pk, n); /* warm-up, and the count */
        double t0 = now_ns();
        long reps = 0;
        do { run_once(prog, pk, n); reps++; } while (now_ns() - t0 < MIN_RUN_NS / 4);
        reps = reps * 4;
        double per[RUNS];
        for (int r = 0; r < RUNS; r++) {
            long check = 0;
            double s = now_ns();
            for (long i = 0; i < reps; i++) check += run_once(prog, pk, n);
            per[r] = (now_ns() - s) / ((double)reps * n);
            if (check != accepted * reps) { fprintf(stderr, "unstable result\n"); return 1; }
        }
        qsort(per, RUNS, sizeof per[0], cmp_double);
        const char *name = strrchr(argv[a], '/') ? strrchr(argv[a], '/') + 1 : argv[a];
        char base[256];
        snprintf(base, sizeof base, "%s", name);
        char *dot = strstr(base, ".ddd");
        if (dot) *dot = 0;
        printf("libpcap %s %.2f %ld\n", base, per[RUNS / 2], accepted);
        fflush(stdout);
        free(prog);
    }
    return 0;
}
