# Socket filter (--profile socket_filter), on Ethernet frames as an AF_PACKET socket sees them: keep IPv4 TCP frames
# to or from port 80 whole (skb->len), drop the rest (0). tcpdump's "ip and tcp port 80" with the legacy packet
# loads (LD_ABS, LD_IND), which read big-endian and end the program with 0 when they fall outside the frame.
mov %r6, %r1              # the __sk_buff: LD_ABS and LD_IND need it in r6
ldabsh 12                 # the Ethernet type
jne %r0, 0x800, drop
ldabsb 23                 # the IPv4 protocol
jne %r0, 6, drop
ldabsh 20                 # flags and fragment offset: only a first fragment has the TCP ports
jset %r0, 0x1fff, drop
ldabsb 14                 # version and header length
and %r0, 0xf
lsh %r0, 2
mov %r7, %r0              # the IPv4 header's length in bytes
ldindh %r7, 14            # the TCP source port
jeq %r0, 80, keep
ldindh %r7, 16            # the TCP destination port
jne %r0, 80, drop
keep:
ldxw %r0, [%r6+0]         # skb->len: keep the whole frame
exit
drop:
mov %r0, 0
exit
