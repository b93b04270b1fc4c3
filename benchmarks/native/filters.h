/* What pcap_peers.c and the code bpf2c.py generates share. */
#ifndef SLUICE_BENCH_FILTERS_H
#define SLUICE_BENCH_FILTERS_H
#include <stddef.h>
#include <sys/types.h>

struct packet { const u_char *data; u_int caplen; u_int wirelen; };

/* One classic filter compiled ahead of time by gcc (see bpf2c.py). */
struct compiled_filter {
    const char *name;
    long (*run)(const struct packet *pk, size_t n); /* the whole packet array; returns the accepted count */
    u_int (*one)(const struct packet *pk);          /* one packet's verdict */
    /* The packets as Sluice's batch takes them (Interleaved.java): spans of one buffer; returns the accepted count */
    long (*spans)(const u_char *data, const int *offsets, const int *lengths, size_t n);
};
extern const struct compiled_filter compiled_filters[];

/* The kernel's JIT (kernel_peer.c): a classic program translated to eBPF and loaded as a socket filter. */
struct classic_insn { unsigned short code; unsigned char jt, jf; unsigned int k; };
/* Returns the program's fd, or -1 with a message in err. */
int kernel_load(const struct classic_insn *prog, int count, char *err, size_t errlen);
/* One BPF_PROG_TEST_RUN of the frame (repeat times); 0 on success, with the verdict and the kernel's ns per run. */
int kernel_run(int fd, const u_char *frame, u_int len, u_int repeat, u_int *verdict, u_int *duration_ns);
#endif
