/* Global variables as libbpf lays them out, each section one map value: a packet counter in .bss, a byte total that
 * starts at 1000 and the last length in .data, and in .rodata a scale and a table indexed by the first packet byte. */
#include "sluice_bpf.h"

__u64 packets;                 /* .bss */
__u64 bytes_total = 1000;      /* .data */
__u32 last_length = 7;         /* .data */
const volatile __u32 scale = 3; /* .rodata */
static const __u8 weights[16] = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3}; /* .rodata */

SEC("socket")
int weigh(struct __sk_buff *skb)
{
    __u32 first = load_byte(skb, 0);
    packets++;
    bytes_total += skb->len;
    last_length = skb->len;
    return weights[first & 15] * scale + (packets & 7);
}

char _license[] SEC("license") = "GPL";
