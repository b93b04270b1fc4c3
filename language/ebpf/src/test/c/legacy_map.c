/* A map in the legacy "maps" section (struct bpf_map_def) counting socket-filter runs; keeps 1 byte per packet. */
#include "sluice_bpf.h"

struct bpf_map_def SEC("maps") runs = {
    .type = BPF_MAP_TYPE_ARRAY,
    .key_size = sizeof(__u32),
    .value_size = sizeof(__u64),
    .max_entries = 1,
};

SEC("socket")
int count_runs(struct __sk_buff *skb)
{
    __u32 key = 0;
    __u64 *value = bpf_map_lookup_elem(&runs, &key);
    if (value)
        *value += 1;
    return 1;
}

char _license[] SEC("license") = "GPL";
