/* What ebpf_gcc_peer.c and the code ebpf2c.py generates share. */
#ifndef SLUICE_BENCH_EBPF_PROGRAMS_H
#define SLUICE_BENCH_EBPF_PROGRAMS_H
#include <stddef.h>
#include <stdint.h>

struct ebpf_frame { const uint8_t *data; uint32_t len; };

/* One eBPF program compiled ahead of time by gcc (see ebpf2c.py). */
struct ebpf_program {
    const char *name;
    uint64_t (*one)(const uint8_t *data, const uint8_t *data_end); /* one run; returns r0 */
    uint64_t (*run)(const struct ebpf_frame *f, size_t n);         /* every frame; returns the sum of the verdicts */
    /* Spans of one buffer, as Sluice's runBatch takes them (Interleaved.java): every r0 into results; returns the runs
       with a nonzero r0 */
    long (*spans)(const uint8_t *data, const int *offsets, const int *lengths, size_t n, uint64_t *results);
};
extern const struct ebpf_program ebpf_programs[];
#endif
