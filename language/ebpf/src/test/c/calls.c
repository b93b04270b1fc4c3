/* bpf-to-bpf calls: two functions in .text called from a socket program (R_BPF_64_32 relocations), one calling the
 * other. Returns a mix of the packet's first bytes. */
#include "sluice_bpf.h"

__attribute__((noinline)) int mix(int a, int b)
{
    return (a * 31) ^ (b << 3);
}

__attribute__((noinline)) int mix3(int a, int b, int c)
{
    return mix(mix(a, b), c) + 1;
}

SEC("socket")
int calls(struct __sk_buff *skb)
{
    int a = load_byte(skb, 0);
    int b = load_byte(skb, 1);
    int c = load_half(skb, 2);
    return mix3(a, b, c) & 0xffff;
}

char _license[] SEC("license") = "GPL";
