/* A global variable (in .bss): libbpf turns it into a map, Sluice's loader refuses it with a located error. Used by
 * the loader's tests as a negative case. */
#include "sluice_bpf.h"

__u64 seen;

SEC("xdp")
int count_global(struct xdp_md *ctx)
{
    seen++;
    return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
