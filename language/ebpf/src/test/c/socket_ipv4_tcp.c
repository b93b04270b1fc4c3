/* Keeps IPv4 TCP packets whole and drops the rest, with legacy packet loads (LD_ABS). The socket program sees the
 * packet from its network header: the caller's frame minus the Ethernet header. */
#include "sluice_bpf.h"

SEC("socket")
int ipv4_tcp(struct __sk_buff *skb)
{
    if ((load_byte(skb, 0) >> 4) != 4)
        return 0;
    if (load_byte(skb, 9) != 6)
        return 0;
    return skb->len;
}

char _license[] SEC("license") = "GPL";
