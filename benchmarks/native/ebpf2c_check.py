#!/usr/bin/env python3
"""Checks ebpf2c.py against the kernel (root): small eBPF programs, one per semantic corner of RFC 9669 that the
translation spells out (32-bit ALU zero-extension, masked shift counts, division and modulo by zero, signed division,
arithmetic shifts, byte swaps, sign-extending moves and loads, signed and 32-bit jumps, the stack), each run by the
kernel as a socket filter (ebpf_kernel_peer loop) and by the gcc -O2 translation; r0 must agree (folded to 32 bits,
low ^ high, as the kernel's test run returns 32 bits). Then the forms ebpf2c must refuse (calls, atomics, map loads,
LD_ABS, other context fields): exit status 2 and a message naming the instruction.

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

REFUSED = {
    "helper_call": (mov(0, 0) + ins(0x85, 0, 0, 0, 5) + ins(0x95), "calls"),
    "atomic_add": (mov(0, 0) + ins(0x7b, 10, 0, -8) + ins(0xdb, 10, 0, -8) + ins(0x95), "atomic"),
    "map_load": (lddw(1, 3, src=1) + mov(0, 0) + ins(0x95), "lddw with src 1"),
    "ld_abs": (ins(0x20, 0, 0, 0, 12) + ins(0x95), "LD_ABS"),
    "context_field": (ins(0x61, 0, 1, 8) + ins(0x95), "data_end"),
    "context_copy": (ins(0xbf, 6, 1) + mov(0, 0) + ins(0x95), "context"),
    "falls_off": (mov(0, 0), "fall off"),
    "context_overwritten": (ins(0x61, 1, 1, 0) + mov(0, 0) + ins(0x95), "context"),
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
    c = os.path.join(work, "programs.c")
    with open(c, "w") as f:
        subprocess.run([sys.executable, os.path.join(HERE, "ebpf2c.py")] + args, stdout=f, check=True)
    main_c = os.path.join(work, "main.c")
    with open(main_c, "w") as f:
        f.write('#include <stdio.h>\n#include "ebpf_programs.h"\nint main(void) {\n'
                '    for (const struct ebpf_program *p = ebpf_programs; p->name; p++)\n'
                '        printf("%s %u\\n", p->name, (unsigned)p->one(0, 0));\n    return 0;\n}\n')
    binary = os.path.join(work, "programs")
    subprocess.run(["cc", "-O2", "-Wall", "-I", HERE, "-o", binary, main_c, c], check=True)
    gcc = dict(line.split() for line in subprocess.run([binary], capture_output=True, text=True, check=True).stdout.splitlines())
    failures = 0
    for name in PROGRAMS:
        run = subprocess.run([kernel_peer, "loop", os.path.join(work, name + ".bin"), "1", "1"], capture_output=True, text=True)
        result = [line.split()[3] for line in run.stdout.splitlines() if line.startswith("kernel-ebpf loop result")]
        if run.returncode != 0 or not result:
            print("ebpf2c check: %s: the kernel refuses it: %s" % (name, run.stderr.strip()[:300]))
            failures += 1
        elif result[0] != gcc[name]:
            print("ebpf2c check: %s: the kernel returns %s, the gcc translation %s" % (name, result[0], gcc[name]))
            failures += 1
    for name, (body, words) in REFUSED.items():
        path = os.path.join(work, name + ".bin")
        with open(path, "wb") as f:
            f.write(body)
        run = subprocess.run([sys.executable, os.path.join(HERE, "ebpf2c.py"), "%s=%s" % (name, path)],
                             capture_output=True, text=True)
        if run.returncode != 2 or words not in run.stderr or run.stdout:
            print("ebpf2c check: %s: expected exit 2 with '%s', got %d: %s" % (name, words, run.returncode, run.stderr.strip()))
            failures += 1
    if failures:
        print("ebpf2c check: FAILED: %d of %d" % (failures, len(PROGRAMS) + len(REFUSED)))
        return 1
    print("ebpf2c check: %d programs return what the kernel returns; %d refused forms refused"
          % (len(PROGRAMS), len(REFUSED)))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]) if len(sys.argv) == 3 else "usage: ebpf2c_check.py WORKDIR KERNEL_PEER")
