/* Swaps the Ethernet source and destination addresses and sends the frame back (XDP_TX); frames shorter than an
 * Ethernet header pass untouched. Writes the packet, so the output packet differs from the input. */
#include "sluice_bpf.h"

SEC("xdp")
int swap_mac(struct xdp_md *ctx)
{
    __u8 *data = (__u8 *) (long) ctx->data;
    __u8 *end = (__u8 *) (long) ctx->data_end;
    if (data + 14 > end)
        return XDP_PASS;
    for (int i = 0; i < 6; i++) {
        __u8 t = data[i];
        data[i] = data[i + 6];
        data[i + 6] = t;
    }
    return XDP_TX;
}

char _license[] SEC("license") = "GPL";
