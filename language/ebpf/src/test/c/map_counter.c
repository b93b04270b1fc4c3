/* Counts packets by their first byte's low two bits in a BTF-defined array map, and all bytes seen in a hash map
 * keyed by the frame length; passes every packet. */
#include "sluice_bpf.h"

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, 4);
} packets_by_class SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(key_size, 4);
    __uint(value_size, 8);
    __uint(max_entries, 64);
} bytes_by_length SEC(".maps");

SEC("xdp")
int count(struct xdp_md *ctx)
{
    __u8 *data = (__u8 *) (long) ctx->data;
    __u8 *end = (__u8 *) (long) ctx->data_end;
    __u32 length = end - data;
    if (data + 1 > end)
        return XDP_PASS;
    __u32 key = data[0] & 3;
    __u64 *counter = bpf_map_lookup_elem(&packets_by_class, &key);
    if (counter)
        __sync_fetch_and_add(counter, 1);
    __u64 *total = bpf_map_lookup_elem(&bytes_by_length, &length);
    if (total) {
        *total += length;
    } else {
        __u64 first = length;
        bpf_map_update_elem(&bytes_by_length, &length, &first, BPF_ANY);
    }
    return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
