/* A string literal, which clang places in .rodata.str1.1 (its own global-data map), as bpf_trace_printk's format. */
#include "sluice_bpf.h"

SEC("xdp")
int say_length(struct xdp_md *ctx)
{
    __u32 length = ctx->data_end - ctx->data;
    bpf_trace_printk("length %u\n", sizeof("length %u\n"), length);
    return length > 100 ? XDP_DROP : XDP_PASS;
}

char _license[] SEC("license") = "GPL";
