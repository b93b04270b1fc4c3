/* Sums the first 64 bytes of the packet (fewer if shorter) in a loop the compiler must not unroll, and returns
 * XDP_DROP when the sum is odd, XDP_PASS otherwise. The loop stays a loop in the object (a backward jump). */
#include "sluice_bpf.h"

SEC("xdp")
int sum_bytes(struct xdp_md *ctx)
{
    __u8 *data = (__u8 *) (long) ctx->data;
    __u8 *end = (__u8 *) (long) ctx->data_end;
    __u32 sum = 0;
#pragma clang loop unroll(disable)
    for (int i = 0; i < 64; i++) {
        if (data + i + 1 > end)
            break;
        sum += data[i];
    }
    return (sum & 1) ? XDP_DROP : XDP_PASS;
}

char _license[] SEC("license") = "GPL";
