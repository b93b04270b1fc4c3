/* A kprobe program: a section Sluice does not run. Used by the loader's tests as a negative case. */
#include "sluice_bpf.h"

SEC("kprobe/do_sys_open")
int probe(void *ctx)
{
    return 0;
}

char _license[] SEC("license") = "GPL";
