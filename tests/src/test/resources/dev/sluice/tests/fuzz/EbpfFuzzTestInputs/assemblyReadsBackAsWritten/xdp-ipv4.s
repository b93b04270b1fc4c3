# XDP: pass IPv4 frames (XDP_PASS, 2), drop the rest (XDP_DROP, 1); frames shorter than an Ethernet header drop.
ldxw %r2, [%r1+0]         # data
ldxw %r3, [%r1+4]         # data_end
mov %r4, %r2
add %r4, 14
jgt %r4, %r3, drop
ldxh %r5, [%r2+12]        # the Ethernet type, big-endian in the packet
jne %r5, 0x0008, drop     # 0x0800 read little-endian
mov %r0, 2
exit
drop:
mov %r0, 1
exit
