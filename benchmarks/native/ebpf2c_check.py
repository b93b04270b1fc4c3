#!/usr/bin/env python3
"""Checks ebpf2c.py against the kernel (root): small eBPF programs, one per semantic corner of RFC 9669 that the
translation spells out (32-bit ALU zero-extension, masked shift counts, division and modulo by zero, signed division,
arithmetic shifts, byte swaps, sign-extending moves and loads, signed and 32-bit jumps, the stack), each run by the
kernel as a socket filter (ebpf_kernel_peer loop) and by the gcc -O2 translation; r0 must agree (folded to 32 bits,
low ^ high, as the kernel's test run returns 32 bits). Then socket filters translated with ebpf2c's socket type, for
the legacy packet loads and skb->len (in-bounds loads of each size at the packet's first and last bytes, loads one
byte past its end, LD_IND with negative, overflowing and 64-bit offsets, the context copied and kept across the loads):
each run by the kernel as a socket filter on one 60-byte frame (ebpf_kernel_peer socket, with its dummy Ethernet
header in front) and by the translation on the same frame; r0 must agree. Then the forms ebpf2c must refuse (calls,
atomics, map loads, LD_ABS outside socket programs and at a negative offset, other context fields, other uses of the
context): exit status 2 and a message naming the instruction.

Usage: ebpf2c_check.py WORKDIR KERNEL_PEER      (ebpf-compare.sh runs it before using the translation)
Exit 1 on any disagreement.
"""
import os
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def ins(code, dst=0, src=0, off=0, imm=0):
    return struct.pack("<BBhi", code, dst | src << 4, off, imm)


def lddw(dst, value, src=0):
    value &= (1 << 64) - 1
    low, high = value & 0xffffffff, value >> 32
    return ins(0x18, dst, src, 0, low - (1 << 32) if low >> 31 else low) + ins(0, 0, 0, 0, high - (1 << 32) if high >> 31 else high)


def mov(dst, imm):
    return ins(0xb7, dst, 0, 0, imm)


# r0's 64 bits folded into the 32 the kernel's test run returns: r9 = r0 >> 32; r0 ^= r9; exit.
FOLD = ins(0xbf, 9, 0) + ins(0x77, 9, 0, 0, 32) + ins(0xaf, 0, 9) + ins(0x95)


def ctx_to_r6():
    return ins(0xbf, 6, 1)  # the kernel's legacy loads need the context in r6


def ld_abs(size, k):
    return ins(0x20 | {1: 0x10, 2: 0x08, 4: 0x00}[size], 0, 0, 0, k)


def ld_ind(size, src, k):
    return ins(0x40 | {1: 0x10, 2: 0x08, 4: 0x00}[size], 0, src, 0, k)


def ldxw(dst, src, off):
    return ins(0x61, dst, src, off)


def branch(setup, jump):
    """r0 = 1 when the jump is taken, 2 when not."""
    return setup + mov(0, 1) + jump + mov(0, 2)


PROGRAMS = {
    "add32_zero_extends": lddw(0, 0xfffffffffffffff0) + ins(0x04, 0, 0, 0, 0x20),
    "mul32_wraps": lddw(0, 0x1234567890abcdef) + mov(2, 0x10001) + ins(0x2c, 0, 2),
    "div64_by_zero": mov(0, 7) + mov(2, 0) + ins(0x3f, 0, 2),
    "div32_by_zero": lddw(0, 0x500000007) + mov(2, 0) + ins(0x3c, 0, 2),
    "mod64_by_zero": lddw(0, 0x100000007) + mov(2, 0) + ins(0x9f, 0, 2),
    "mod32_by_zero": lddw(0, 0x100000007) + mov(2, 0) + ins(0x9c, 0, 2),
    "div64": lddw(0, 0xfedcba9876543210) + mov(2, 1000) + ins(0x3f, 0, 2),
    "mod32_imm": lddw(0, 0xfedcba9876543210) + ins(0x94, 0, 0, 0, 1000),
    "sdiv64": mov(0, -7) + mov(2, 2) + ins(0x3f, 0, 2, 1),
    "smod64": mov(0, -7) + mov(2, 2) + ins(0x9f, 0, 2, 1),
    "sdiv64_min_by_minus_one": lddw(0, 1 << 63) + mov(2, -1) + ins(0x3f, 0, 2, 1),
    "smod32_by_zero": lddw(0, 0xaaaaaaaafffffff9) + mov(2, 0) + ins(0x9c, 0, 2, 1),
    "sdiv32_imm": mov(0, -100) + ins(0x34, 0, 0, 1, 7),
    "lsh64_count_masked": mov(0, 3) + mov(2, 65) + ins(0x6f, 0, 2),
    "rsh32_count_masked": lddw(0, 0xffffffff80000000) + mov(2, 33) + ins(0x7c, 0, 2),
    "arsh32": lddw(0, 0x1280000000) + ins(0xc4, 0, 0, 0, 4),
    "arsh64": lddw(0, 1 << 63) + ins(0xc7, 0, 0, 0, 63),
    "neg32": lddw(0, 0x0000000500000001) + ins(0x84, 0),
    "neg64": mov(0, 1) + ins(0x87, 0),
    "mov32_imm_zero_extends": lddw(0, -1) + ins(0xb4, 0, 0, 0, -2),
    "movsx8": mov(2, 0x80) + ins(0xbf, 0, 2, 8),
    "movsx16_32": mov(2, 0x8001) + ins(0xbc, 0, 2, 16),
    "movsx32": lddw(2, 0x80000000) + ins(0xbf, 0, 2, 32),
    "be16": lddw(0, 0x1122334455667788) + ins(0xdc, 0, 0, 0, 16),
    "be32": lddw(0, 0x1122334455667788) + ins(0xdc, 0, 0, 0, 32),
    "be64": lddw(0, 0x1122334455667788) + ins(0xdc, 0, 0, 0, 64),
    "le16": lddw(0, 0x1122334455667788) + ins(0xd4, 0, 0, 0, 16),
    "bswap32": lddw(0, 0x1122334455667788) + ins(0xd7, 0, 0, 0, 32),
    "or_and_xor_sub": mov(0, 0x0f0) + ins(0x47, 0, 0, 0, 0x00f) + ins(0x57, 0, 0, 0, 0x0ff) + ins(0xa7, 0, 0, 0, -1)
    + ins(0x17, 0, 0, 0, 5),
    "stack_dw_then_w": lddw(2, 0x1122334455667788) + ins(0x7b, 10, 2, -8) + ins(0x61, 0, 10, -4),
    "stack_st_b_h": ins(0x7a, 10, 0, -16, -1) + ins(0x72, 10, 0, -16, 0x12) + ins(0x6a, 10, 0, -14, 0x3456)
    + ins(0x79, 0, 10, -16),
    "stack_ldxsh": ins(0x6a, 10, 0, -2, -3) + ins(0x89, 0, 10, -2),
    "stack_ldxsb": ins(0x72, 10, 0, -1, 0x80) + ins(0x91, 0, 10, -1),
    "jgt_unsigned": branch(mov(2, -1), ins(0x25, 2, 0, 1, 5)),
    "jsgt_signed": branch(mov(2, -1), ins(0x65, 2, 0, 1, 5)),
    "jslt_reg": branch(mov(2, -1) + mov(3, 0), ins(0xcd, 2, 3, 1)),
    "jle_equal": branch(mov(2, 9), ins(0xb5, 2, 0, 1, 9)),
    "jset": branch(mov(2, 0x10), ins(0x45, 2, 0, 1, 0x30)),
    "jeq32_low_half": branch(lddw(2, 0x700000005), ins(0x16, 2, 0, 1, 5)),
    "jsge32": branch(lddw(2, 0x80000000), ins(0x76, 2, 0, 1, 0)),
    "jne_imm_sign_extended": branch(lddw(2, 0xffffffff), ins(0x55, 2, 0, 1, -1)),
    "gotol_jmp32_ja": mov(0, 1) + ins(0x55, 0, 0, 1, 1) + ins(0x06, 0, 0, 0, 1) + mov(0, 2) + ins(0x07, 0, 0, 0, 40),
    "counted_loop": mov(0, 0) + mov(3, 100) + ins(0x0f, 0, 3) + ins(0x17, 3, 0, 0, 1) + ins(0x55, 3, 0, -3, 0),
}

# The frame the socket programs run on: 60 bytes, an IPv4 Ethernet type at 12, byte 20 with its top bit set.
FRAME = bytes((i * 7 + 3) & 0xff for i in range(60))
FRAME = FRAME[:12] + b"\x08\x00" + FRAME[14:]
# "After an out-of-packet load r0 = 5" shows that the load ended the program (with 0) rather than going on.
AFTER = mov(0, 5)

SOCKET_PROGRAMS = {
    "ldabsb_first_byte": ctx_to_r6() + ld_abs(1, 0),
    "ldabsh_ethernet_type": ctx_to_r6() + ld_abs(2, 12),
    "ldabsw_last_four_bytes": ctx_to_r6() + ld_abs(4, 56),
    "ldabsb_last_byte": ctx_to_r6() + ld_abs(1, 59),
    "ldabsw_one_byte_past_end": ctx_to_r6() + ld_abs(4, 57) + AFTER,
    "ldabsh_straddles_end": ctx_to_r6() + ld_abs(2, 59) + AFTER,
    "ldabsb_at_end": ctx_to_r6() + ld_abs(1, 60) + AFTER,
    "ldabsw_far_past_end": ctx_to_r6() + ld_abs(4, 0x7ffffff0) + AFTER,
    "ldabsw_zero_extended": branch(ctx_to_r6() + ld_abs(4, 20) + ins(0xbf, 8, 0), ins(0x65, 8, 0, 1, 0)),
    "ldindb": ctx_to_r6() + mov(7, 2) + ld_ind(1, 7, 3),
    "ldindh_negative_register": ctx_to_r6() + mov(7, -2) + ld_ind(2, 7, 14),
    "ldindw_64_bit_sum_truncated": ctx_to_r6() + lddw(7, 0x100000004) + ld_ind(4, 7, 0),
    "ldindb_negative_offset": ctx_to_r6() + mov(7, -1) + ld_ind(1, 7, 0) + AFTER,
    "ldindh_offset_overflows_int": ctx_to_r6() + mov(7, 0x7fffffff) + ld_ind(2, 7, 1) + AFTER,
    "ldindw_last_four_bytes": ctx_to_r6() + mov(7, 48) + ld_ind(4, 7, 8),
    "ldindw_one_byte_past_end": ctx_to_r6() + mov(7, 49) + ld_ind(4, 7, 8) + AFTER,
    "skb_len": ctx_to_r6() + ldxw(0, 6, 0),
    "skb_len_through_r1": ldxw(0, 1, 0),
    "skb_len_after_legacy_load": ctx_to_r6() + ld_abs(1, 0) + ldxw(0, 6, 0),
    "context_copied_on_both_paths": ctx_to_r6() + mov(0, 0) + ins(0x15, 0, 0, 1, 0) + ctx_to_r6() + ldxw(0, 6, 0),
    "loads_combined": ctx_to_r6() + ld_abs(2, 12) + ins(0xbf, 8, 0) + ld_abs(1, 23) + ins(0x67, 8, 0, 0, 8)
    + ins(0x0f, 0, 8) + mov(7, 4) + ld_ind(2, 7, 30) + ins(0x0f, 0, 8),
}

REFUSED = {
    "helper_call": (mov(0, 0) + ins(0x85, 0, 0, 0, 5) + ins(0x95), "calls"),
    "atomic_add": (mov(0, 0) + ins(0x7b, 10, 0, -8) + ins(0xdb, 10, 0, -8) + ins(0x95), "atomic"),
    "map_load": (lddw(1, 3, src=1) + mov(0, 0) + ins(0x95), "lddw with src 1"),
    "ld_abs": (ins(0x20, 0, 0, 0, 12) + ins(0x95), "LD_ABS"),
    "context_field": (ins(0x61, 0, 1, 8) + ins(0x95), "data_end"),
    "context_arithmetic": (ins(0x07, 1, 0, 0, 8) + ldxw(0, 1, 0) + ins(0x95), "context"),
    "falls_off": (mov(0, 0), "fall off"),
    "context_returned": (ins(0xbf, 0, 1) + ins(0x95), "context"),
    "socket:ld_abs_negative": (ctx_to_r6() + ld_abs(1, -0x100000) + ins(0x95), "SKF_NET_OFF"),
    "socket:ld_dw": (ctx_to_r6() + ins(0x38, 0, 0, 0, 0) + ins(0x95), "not covered"),
    "socket:context_field": (ldxw(0, 1, 16) + ins(0x95), "its len"),
    "socket:context_on_some_paths": (mov(0, 0) + ins(0x15, 0, 0, 1, 0) + ctx_to_r6() + ldxw(0, 6, 0) + ins(0x95),
                                     "some paths"),
    "socket:context_compared": (ctx_to_r6() + mov(0, 0) + ins(0x15, 6, 0, 0, 0) + ins(0x95), "context"),
    "socket:context_stored": (ins(0x7b, 10, 1, -8) + mov(0, 0) + ins(0x95), "context"),
    "socket:ld_ind_of_context": (ctx_to_r6() + ld_ind(1, 6, 0) + ins(0x95), "context"),
    "exit_in_jmp32": (mov(0, 0) + ins(0x96), "not covered"),
    "jump_outside": (ins(0x05, 0, 0, 5) + ins(0x95), "outside"),
}


def main(work, kernel_peer):
    os.makedirs(work, exist_ok=True)
    args = []
    for name, body in PROGRAMS.items():
        path = os.path.join(work, name + ".bin")
        with open(path, "wb") as f:
            f.write(body + FOLD)
        args.append("%s=%s" % (name, path))
    for name, body in SOCKET_PROGRAMS.items():
        path = os.path.join(work, name + ".bin")
        with open(path, "wb") as f:
            f.write(body + FOLD)
        args.append("socket:%s=%s" % (name, path))
    frame = os.path.join(work, "frame.bin")
    with open(frame, "wb") as f:
        f.write(FRAME)
    pcap = os.path.join(work, "frame.pcap")  # the same frame as a capture, for the kernel peer
    with open(pcap, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        f.write(struct.pack("<IIII", 0, 0, len(FRAME), len(FRAME)) + FRAME)
    c = os.path.join(work, "programs.c")
    with open(c, "w") as f:
        subprocess.run([sys.executable, os.path.join(HERE, "ebpf2c.py")] + args, stdout=f, check=True)
    main_c = os.path.join(work, "main.c")
    with open(main_c, "w") as f:
        # Every program runs on the frame (the PROGRAMS do not read it): data is its first byte, data_end past its last.
        f.write('#include <stdio.h>\n#include "ebpf_programs.h"\nint main(int argc, char **argv) {\n'
                '    static uint8_t frame[65536];\n    FILE *f = argc > 1 ? fopen(argv[1], "rb") : 0;\n'
                '    if (!f) return 1;\n    size_t n = fread(frame, 1, sizeof frame, f);\n    fclose(f);\n'
                '    for (const struct ebpf_program *p = ebpf_programs; p->name; p++)\n'
                '        printf("%s %u\\n", p->name, (unsigned)p->one(frame, frame + n));\n    return 0;\n}\n')
    binary = os.path.join(work, "programs")
    subprocess.run(["cc", "-O2", "-Wall", "-I", HERE, "-o", binary, main_c, c], check=True)
    gcc = dict(line.split() for line in
               subprocess.run([binary, frame], capture_output=True, text=True, check=True).stdout.splitlines())

    def disagrees(name, args, marker):
        """Runs the kernel peer with `args`; reports whether its result (the line starting with `marker`) differs."""
        run = subprocess.run([kernel_peer] + args, capture_output=True, text=True)
        result = [line.split()[3] for line in run.stdout.splitlines() if line.startswith(marker)]
        if run.returncode != 0 or not result:
            print("ebpf2c check: %s: the kernel refuses it: %s" % (name, run.stderr.strip()[:300]))
            return 1
        if result[0] != gcc[name]:
            print("ebpf2c check: %s: the kernel returns %s, the gcc translation %s" % (name, result[0], gcc[name]))
            return 1
        return 0

    failures = 0
    for name in PROGRAMS:
        failures += disagrees(name, ["loop", os.path.join(work, name + ".bin"), "1", "1"], "kernel-ebpf loop result")
    for name in SOCKET_PROGRAMS:
        failures += disagrees(name, ["socket", os.path.join(work, name + ".bin"), pcap, "1"], "kernel-ebpf socket last")
    for typed_name, (body, words) in REFUSED.items():
        name = typed_name.partition(":")[2] or typed_name
        path = os.path.join(work, "refused-" + name + ".bin")
        with open(path, "wb") as f:
            f.write(body)
        run = subprocess.run([sys.executable, os.path.join(HERE, "ebpf2c.py"), "%s=%s" % (typed_name, path)],
                             capture_output=True, text=True)
        if run.returncode != 2 or words not in run.stderr or run.stdout:
            print("ebpf2c check: %s: expected exit 2 with '%s', got %d: %s" % (name, words, run.returncode, run.stderr.strip()))
            failures += 1
    if failures:
        print("ebpf2c check: FAILED: %d of %d" % (failures, len(PROGRAMS) + len(SOCKET_PROGRAMS) + len(REFUSED)))
        return 1
    print("ebpf2c check: %d programs and %d socket filters return what the kernel returns; %d refused forms refused"
          % (len(PROGRAMS), len(SOCKET_PROGRAMS), len(REFUSED)))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]) if len(sys.argv) == 3 else "usage: ebpf2c_check.py WORKDIR KERNEL_PEER")
