#!/usr/bin/env python3
"""Writes the binary examples (raw struct sock_filter arrays, a capture and seccomp_data records).

Run from the repository root: python3 examples/generate.py. Constants: linux/audit.h (AUDIT_ARCH_X86_64),
linux/seccomp.h (SECCOMP_RET_*), arch/x86/entry/syscalls/syscall_64.tbl (syscall numbers), linux/filter.h (opcodes).
"""
import struct

LD_W_ABS, JEQ_K, JGE_K, RET_K = 0x20, 0x15, 0x35, 0x06
AUDIT_ARCH_X86_64 = 0xC000003E
X32_SYSCALL_BIT = 0x40000000
RET_KILL_PROCESS, RET_ERRNO, RET_ALLOW = 0x80000000, 0x00050000, 0x7FFF0000
EPERM = 1


def seccomp_allow_list(allowed, denied, deny_action, default):
    """Arch check (x86_64 only, x32 numbers rejected), then jeq chains: allowed -> ALLOW, denied -> deny_action."""
    insns = [(LD_W_ABS, 0, 0, 4)]
    # Layout after the chains: [ret default][ret ALLOW][ret deny][ret KILL_PROCESS]
    body = [(LD_W_ABS, 0, 0, 0)]
    chains = [(nr, 'allow') for nr in allowed] + [(nr, 'deny') for nr in denied]
    n_header = 3  # ld arch, jeq arch, ld nr, then jge x32
    total_before_rets = 1 + 1 + 1 + 1 + len(chains)
    ret_default, ret_allow, ret_deny, ret_kill = total_before_rets, total_before_rets + 1, total_before_rets + 2, total_before_rets + 3
    insns.append((JEQ_K, 0, ret_kill - 2, AUDIT_ARCH_X86_64))
    insns.append((LD_W_ABS, 0, 0, 0))
    insns.append((JGE_K, ret_kill - 4, 0, X32_SYSCALL_BIT))
    for i, (nr, kind) in enumerate(chains):
        pc = 4 + i
        target = ret_allow if kind == 'allow' else ret_deny
        insns.append((JEQ_K, target - pc - 1, 0, nr))
    insns += [(RET_K, 0, 0, default), (RET_K, 0, 0, RET_ALLOW), (RET_K, 0, 0, deny_action), (RET_K, 0, 0, RET_KILL_PROCESS)]
    return b''.join(struct.pack('<HBBI', *i) for i in insns)


def write(path, data):
    with open(path, 'wb') as f:
        f.write(data)


# deny-mkdir.bpf is `sluice asm examples/deny-mkdir.asm -o examples/deny-mkdir.bpf` (x86_64 byte order).

# allow-sh-echo: what `/bin/sh -c 'echo hi'` (dash) needs, from strace, (getcwd: dash calls it when $PWD is not the working directory), plus what the JVM's own threads may call in
# the instant between installing the filter and execve (futex, madvise, sched_yield, sleeps, signals, exit).
# Anything else fails with EPERM.
SH_ECHO = [0, 1, 3, 9, 10, 11, 12, 13, 14, 15, 17, 21, 39, 59, 102, 104, 107, 108, 110, 158, 218, 231, 257, 262, 273, 302, 318, 334,
           79, 24, 28, 35, 60, 202, 219, 230]
write('examples/allow-sh-echo.bpf', seccomp_allow_list(sorted(SH_ECHO), [], RET_ERRNO | EPERM, RET_ERRNO | EPERM))


def seccomp_data(nr, args=(), arch=AUDIT_ARCH_X86_64):
    a = list(args) + [0] * (6 - len(args))
    return struct.pack('<iIQ6Q', nr, arch, 0, *[x & 0xFFFFFFFFFFFFFFFF for x in a])


# syscalls.data: getpid, mkdir, mkdirat, openat, a foreign arch (i386 getpid), an x32 number.
write('examples/syscalls.data', b''.join([
    seccomp_data(39), seccomp_data(83, [0x1000, 0o755]), seccomp_data(258, [-100, 0x1000, 0o755]), seccomp_data(257, [-100, 0x1000, 0]),
    seccomp_data(20, arch=0x40000003), seccomp_data(X32_SYSCALL_BIT | 39)]))


# sample.pcap: Ethernet frames for `tcp port 80` (tcp-port-80.bpf is tcpdump -dd 'tcp port 80' for this link type).
def eth(ethertype, payload):
    return b'\x00\x11\x22\x33\x44\x55' + b'\x66\x77\x88\x99\xaa\xbb' + struct.pack('>H', ethertype) + payload


def ipv4(proto, payload, frag=0):
    header = struct.pack('>BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), 1, frag, 64, proto, 0, bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    return header + payload


def ipv6(next_header, payload):
    return struct.pack('>IHBB16s16s', 0x60000000, len(payload), next_header, 64, b'\x20\x01' + b'\x00' * 13 + b'\x01',
                       b'\x20\x01' + b'\x00' * 13 + b'\x02') + payload


def tcp(sport, dport):
    return struct.pack('>HHIIBBHHH', sport, dport, 1, 0, 0x50, 0x02, 8192, 0, 0)


def udp(sport, dport):
    return struct.pack('>HHHH', sport, dport, 8, 0)


packets = [
    eth(0x0800, ipv4(6, tcp(40000, 80))),           # accepted
    eth(0x0800, ipv4(6, tcp(80, 40000))),           # accepted (source port)
    eth(0x0800, ipv4(6, tcp(40000, 443))),          # rejected
    eth(0x0800, ipv4(17, udp(40000, 80))),          # rejected: udp
    eth(0x86DD, ipv6(6, tcp(40000, 80))),           # accepted: IPv6
    eth(0x86DD, ipv6(17, udp(53, 53))),             # rejected
    eth(0x0806, b'\x00\x01\x08\x00\x06\x04\x00\x01' + b'\x00' * 20),  # ARP: rejected
    eth(0x0800, ipv4(6, tcp(40000, 80), frag=0x0001)),  # non-first fragment: rejected (no ports)
]
records = []
for i, p in enumerate(packets):
    records.append((p, len(p)))
# A packet cut by the snap length before the ports: the load fails, so it is rejected (kernel and libpcap agree).
records.append((eth(0x0800, ipv4(6, tcp(40000, 80)))[:36], 54))
pcap = struct.pack('<IHHiIII', 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
for i, (data, wire) in enumerate(records):
    pcap += struct.pack('<IIII', 1700000000 + i, 0, len(data), wire) + data
write('examples/sample.pcap', pcap)
# The same capture cut in the middle of its last record, as a capture interrupted while writing leaves it.
write('examples/truncated.pcap', pcap + struct.pack('<IIII', 1700000100, 0, 60, 60) + b'\x00' * 10)

# tcp-port-80.bpf: `tcpdump -r examples/sample.pcap -dd 'tcp port 80'` (tcpdump 4.99, libpcap 1.10, Ethernet).
TCPDUMP_DD = """
{ 0x28, 0, 0, 0x0000000c },
{ 0x15, 0, 6, 0x000086dd },
{ 0x30, 0, 0, 0x00000014 },
{ 0x15, 0, 15, 0x00000006 },
{ 0x28, 0, 0, 0x00000036 },
{ 0x15, 12, 0, 0x00000050 },
{ 0x28, 0, 0, 0x00000038 },
{ 0x15, 10, 11, 0x00000050 },
{ 0x15, 0, 10, 0x00000800 },
{ 0x30, 0, 0, 0x00000017 },
{ 0x15, 0, 8, 0x00000006 },
{ 0x28, 0, 0, 0x00000014 },
{ 0x45, 6, 0, 0x00001fff },
{ 0xb1, 0, 0, 0x0000000e },
{ 0x48, 0, 0, 0x0000000e },
{ 0x15, 2, 0, 0x00000050 },
{ 0x48, 0, 0, 0x00000010 },
{ 0x15, 0, 1, 0x00000050 },
{ 0x6, 0, 0, 0x0000ffff },
{ 0x6, 0, 0, 0x00000000 },
"""
insns = []
for line in TCPDUMP_DD.strip().splitlines():
    code, jt, jf, k = [int(x.strip(), 0) for x in line.strip().strip('{},').split(',') if x.strip()]
    insns.append(struct.pack('<HBBI', code, jt, jf, k))
write('examples/tcp-port-80.bpf', b''.join(insns))
