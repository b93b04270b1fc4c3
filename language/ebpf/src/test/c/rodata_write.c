/* Writes into .rodata through a cast: the kernel's verifier refuses it ("write into map forbidden"), and so must
 * Sluice's. Used as a negative case. */
#include "sluice_bpf.h"

const volatile __u32 limit = 10;

SEC("xdp")
int overwrite_limit(struct xdp_md *ctx)
{
    *(volatile __u32 *) &limit = 11;
    return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
