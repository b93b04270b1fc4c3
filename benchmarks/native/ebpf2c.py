#!/usr/bin/env python3
"""Translates eBPF instruction bytes into C, for the gcc -O2 limit of ebpf-compare.sh (issue 16, "eBPF").

The input is what `sluice asm --lang ebpf` writes: 8-byte little-endian slots in the encoding of RFC 9669 (opcode,
dst and src registers, a signed 16-bit offset, a signed 32-bit immediate; lddw takes two slots). Each program becomes
`static inline uint64_t ebpf_NAME(const uint8_t *data, const uint8_t *data_end)`: eleven uint64_t registers and a
512-byte stack as locals, one labelled C statement per instruction, jumps as gotos, with RFC 9669's semantics (32-bit
ALU results zero-extended, shift counts masked, division by zero gives 0, modulo by zero leaves dst). gcc -O2 then
compiles it as an ahead-of-time JIT would; ebpf_gcc_peer.c runs it over the same packets as the kernel's JIT.

The context, by program type (`TYPE:NAME=PROGRAM.bin`; xdp when no type is given):
- xdp: r1 points to a `struct xdp_md`, whose `data` and `data_end` (offsets 0 and 4, 32 bits) are what an XDP program
  loads. The kernel's verifier rewrites those two context loads into loads of the packet's start and end pointers (64
  bits); the translation does the same, a 32-bit load of ctx+0 or ctx+4 becomes `data` or `data_end`.
- socket: r1 points to a `struct __sk_buff`, of which `len` (offset 0, 32 bits) is translated: `data_end - data`,
  the frame seen from its link-layer header as on an AF_PACKET socket (ebpf-compare.sh gives the kernel's test run a
  dummy Ethernet header in front of each frame so that its skb->data and skb->len are the same). The legacy packet
  loads, LD_ABS (offset imm) and LD_IND (offset src + imm, added in 64 bits and truncated to a signed 32-bit int, as
  the kernel's bpf_gen_ld_abs passes it to its load helpers in net/core/filter.c), read 1, 2 or 4 bytes big-endian
  into r0 (zero-extended); a load that does not lie wholly inside the packet ends the program with r0 = 0, as the
  kernel's rewrite does (`if r0 s< 0: r0 = 0; exit` after the helper). Negative offsets: an LD_ABS at one (the
  kernel's SKF_NET_OFF/SKF_LL_OFF windows onto the network and link-layer headers) is refused; an LD_IND whose
  offset comes out negative ends the program with 0, which is the kernel's result except inside those two windows
  (offsets from -0x200000 and -0x100000 up to the packet's length past them), which the translation does not model.
A register holds the context where every path to it copied it there from r1 (`mov rD, rS`, 64 bits); a simple data-
flow pass follows that. The context may only be copied and loaded from at the fields above: any other use (arithmetic,
a comparison, a store, returning it, a load at another field or of another size, or a load through a register that
holds it on some paths only) is refused, so a context register is never read as a number in the C.

Packet accesses get no bounds check: the kernel's verifier proved each of them in bounds through the program's own
comparisons with data_end, and those comparisons are translated like any other jump. The C has exactly the program's
own checks, no more, as the kernel's JIT code has.

Loops: at the head of every loop (the target of a backward jump) the registers the program writes pass through an
empty asm statement, which emits no instruction but hides their values from gcc. Without it gcc -O2 replaces a
counted loop by its result (ebpf-compare.sh's 10,000-trip loop compiled to `mov $0x2fb0408,%eax; ret`, checked with
objdump -d), and the limit would time no loop at all; with it, each trip runs the program's instructions, as the
kernel's JIT runs them.

Refused, with the instruction's index and exit status 2: helper and program calls, atomics, map and other pseudo
lddw forms, the legacy packet loads outside socket programs, jumps out of the program or into an lddw's second slot,
and any fall-through past the last instruction.

Usage: ebpf2c.py [TYPE:]NAME=PROGRAM.bin... > programs.c      (TYPE: xdp, the default, or socket)
The output also defines `ebpf_programs[]`: each name with its function (see ebpf_programs.h).
"""
import re
import struct
import sys

LD, LDX, ST, STX, ALU, JMP, JMP32, ALU64 = range(8)
SIZES = {0x00: 32, 0x08: 16, 0x10: 8, 0x18: 64}
ALU_OPS = {0x00: "+", 0x10: "-", 0x20: "*", 0x40: "|", 0x50: "&", 0xa0: "^"}
JMP_OPS = {0x10: "==", 0x20: ">", 0x30: ">=", 0x50: "!=", 0x60: ">", 0x70: ">=", 0xa0: "<", 0xb0: "<=",
           0xc0: "<", 0xd0: "<="}
SIGNED_JUMPS = {0x60, 0x70, 0xc0, 0xd0}
CONTEXT = 1
FRAME = 10
LD_ABS, LD_IND = 0x20, 0x40

# The context fields each program type translates: 32-bit loads at these offsets, as C expressions.
CONTEXT_FIELDS = {
    "xdp": {0: "(uint64_t)(uintptr_t)data", 4: "(uint64_t)(uintptr_t)data_end"},
    "socket": {0: "(uint64_t)(uint32_t)(data_end - data)"},
}
FIELD_NAMES = {
    "xdp": "the XDP context: only its data (offset 0) and data_end (offset 4) are translated",
    "socket": "the socket filter's context: only copies of it and its len (offset 0) are translated",
}
PACKET_LENGTH = "(uint64_t)(data_end - data)"


class Refused(Exception):
    pass


def decode(blob):
    if len(blob) % 8:
        raise Refused("%d bytes is not a whole number of 8-byte instructions" % len(blob))
    insns = []
    for at in range(0, len(blob), 8):
        code, regs, off, imm = struct.unpack_from("<BBhi", blob, at)
        insns.append((code, regs & 0xf, regs >> 4, off, imm))
    return insns


def reg(n):
    if n > 10:
        raise Refused("register r%d does not exist" % n)
    return "r%d" % n


def operand(code, src, imm, bits):
    """The second operand: a register, or the immediate (sign-extended to 64 bits, or as 32 bits)."""
    if code & 0x08:
        return reg(src) if bits == 64 else "(uint32_t)%s" % reg(src)
    return "(uint64_t)%dLL" % imm if bits == 64 else "(uint32_t)%du" % (imm & 0xffffffff)


def alu(code, dst, src, off, imm):
    bits = 64 if code & 7 == ALU64 else 32
    op = code & 0xf0
    d = reg(dst)
    x = operand(code, src, imm, bits)
    ut, st = ("uint64_t", "int64_t") if bits == 64 else ("uint32_t", "int32_t")
    dv = d if bits == 64 else "(uint32_t)%s" % d

    def assign(expr):  # a 32-bit result is zero-extended into the 64-bit register
        return "%s = %s;" % (d, expr if bits == 64 else "(uint32_t)(%s)" % expr)

    if op in ALU_OPS and off == 0:
        return assign("%s %s %s" % (dv, ALU_OPS[op], x))
    if op in (0x60, 0x70, 0xc0) and off == 0:  # shifts: the count masked to the width
        count = "(%s & %d)" % (x, bits - 1)
        if op == 0xc0:
            return assign("(%s)((%s)%s >> %s)" % (ut, st, dv, count))
        return assign("%s %s %s" % (dv, "<<" if op == 0x60 else ">>", count))
    if op == 0x80 and off == 0 and not code & 0x08:
        return assign("-%s" % dv)
    if op in (0x30, 0x90) and off == 0:  # unsigned: x / 0 = 0, x % 0 = x
        if op == 0x30:
            return assign("%s ? %s / %s : 0" % (x, dv, x))
        return assign("%s ? %s %% %s : %s" % (x, dv, x, dv))
    if op in (0x30, 0x90) and off == 1:  # signed: x / 0 = 0, x % 0 = x; MIN / -1 wraps, MIN % -1 = 0
        sx = "(%s)%s" % (st, x)
        sd = "(%s)%s" % (st, dv)
        if op == 0x30:
            return assign("%s == 0 ? 0 : %s == -1 ? -%s : (%s)(%s / %s)" % (sx, sx, dv, ut, sd, sx))
        return assign("%s == 0 ? %s : %s == -1 ? 0 : (%s)(%s %% %s)" % (sx, dv, sx, ut, sd, sx))
    if op == 0xb0 and off == 0:
        return assign(x)
    if op == 0xb0 and off in (8, 16, 32) and code & 0x08 and not (bits == 32 and off == 32):  # movsx
        return assign("(%s)(int%d_t)%s" % (st, off, reg(src)))
    if op == 0xd0 and off == 0 and imm in (16, 32, 64) and code != 0xdf:  # byte swaps, on a little-endian host
        if code & 0x08 or code & 7 == ALU64:  # to big-endian, or the unconditional bswap (ALU64 class)
            return "%s = __builtin_bswap%d((uint%d_t)%s);" % (d, imm, imm, d)
        return "%s = (uint%d_t)%s;" % (d, imm, d)  # to little-endian: a truncation
    raise Refused("ALU opcode %#04x with offset %d is not covered" % (code, off))


def jump(pc, code, dst, src, off, imm):
    op = code & 0xf0
    if op in (0x80, 0x90) and code & 7 == JMP32:
        raise Refused("jump opcode %#04x is not covered" % code)
    if op == 0x80:
        raise Refused("calls (helpers, subprograms, kfuncs) are not translated")
    if op == 0x90:
        return "return r0;", []
    if op == 0x00:
        target = pc + 1 + (imm if code & 7 == JMP32 else off)
        return "goto L%d;" % target, [target]
    bits = 64 if code & 7 == JMP else 32
    if op not in JMP_OPS and op != 0x40:
        raise Refused("jump opcode %#04x is not covered" % code)
    left = reg(dst) if bits == 64 else "(uint32_t)%s" % reg(dst)
    right = operand(code, src, imm, bits)
    if op == 0x40:
        cond = "(%s & %s) != 0" % (left, right)
    elif op in SIGNED_JUMPS:
        st = "int64_t" if bits == 64 else "int32_t"
        cond = "(%s)%s %s (%s)%s" % (st, left, JMP_OPS[op], st, right)
    else:
        cond = "%s %s %s" % (left, JMP_OPS[op], right)
    target = pc + 1 + off
    return "if (%s) goto L%d;" % (cond, target), [target]


def memory(code, dst, src, off, imm):
    cls, mode, bits = code & 7, code & 0xe0, SIZES[code & 0x18]
    if cls == LDX:
        if mode == 0x60:
            return "%s = ld%d(%s + (uint64_t)%dLL);" % (reg(dst), bits, reg(src), off)
        if mode == 0x80 and bits < 64:  # sign-extending load
            return "%s = (uint64_t)(int64_t)(int%d_t)ld%d(%s + (uint64_t)%dLL);" % (reg(dst), bits, bits, reg(src), off)
    elif cls == ST and mode == 0x60:
        return "st%d(%s + (uint64_t)%dLL, (uint64_t)%dLL);" % (bits, reg(dst), off, imm)
    elif cls == STX and mode == 0x60:
        return "st%d(%s + (uint64_t)%dLL, %s);" % (bits, reg(dst), off, reg(src))
    elif cls == STX and mode == 0xc0:
        raise Refused("atomic operations are not translated")
    raise Refused("memory opcode %#04x is not covered" % code)


def reads(code, dst, src, off):
    """The registers an instruction reads as operands."""
    cls, op = code & 7, code & 0xf0
    if code == 0x18:
        return set()
    if cls in (ALU, ALU64):
        if op == 0xd0:  # byte swaps: their 0x08 bit is the byte order, not a source register
            return {dst}
        used = {src} if code & 0x08 else set()
        return used if op == 0xb0 else used | {dst}  # mov does not read dst
    if cls in (JMP, JMP32):
        if op == 0x90:
            return {0}
        if op in (0x00, 0x80):
            return set()
        return {dst, src} if code & 0x08 else {dst}
    if cls == LDX:
        return {src}
    if cls == ST:
        return {dst}
    if cls == STX:
        return {dst, src}
    return {src} if code & 0xe0 == LD_IND else set()  # LD_ABS, LD_IND (their r6 is the context by the kernel's rule)


def successors(pc, code, off, imm):
    cls, op = code & 7, code & 0xf0
    if code == 0x18:
        return [pc + 2]
    if cls in (JMP, JMP32):
        if op == 0x90:
            return []
        if op == 0x00:
            return [pc + 1 + (imm if cls == JMP32 else off)]
        if op != 0x80:
            return [pc + 1, pc + 1 + off]
    return [pc + 1]


def context_registers(insns):
    """{pc: (must, may)}: the registers holding the context on every path to the instruction, and on some path."""
    states = {0: (frozenset({CONTEXT}), frozenset({CONTEXT}))}
    work = [0]
    while work:
        pc = work.pop()
        must, may = states[pc]
        code, dst, src, off, imm = insns[pc]
        cls = code & 7
        if code == 0xbf and off == 0:  # mov64 dst, src: the copy holds what the source holds
            must = must - {dst} | ({dst} if src in must else set())
            may = may - {dst} | ({dst} if src in may else set())
        elif code == 0x18 or cls in (ALU, ALU64, LDX):
            must, may = must - {dst}, may - {dst}
        elif cls == LD or (cls == JMP and code & 0xf0 == 0x80):  # calls (the legacy loads are calls in the kernel)
            must, may = must - {0, 1, 2, 3, 4, 5}, may - {0, 1, 2, 3, 4, 5}
        for t in successors(pc, code, off, imm):
            if not 0 <= t < len(insns):
                continue  # refused by translate()
            old = states.get(t)
            new = (must, may) if old is None else (old[0] & must, old[1] | may)
            if new != old:
                states[t] = new
                work.append(t)
    return states


def legacy_load(program_type, code, src, imm):
    """LD_ABS or LD_IND of a socket program (see the top of this file)."""
    mode, bits = code & 0xe0, SIZES[code & 0x18]
    if program_type != "socket":
        raise Refused("the legacy packet loads (LD_ABS, LD_IND) are translated in socket programs only")
    if mode not in (LD_ABS, LD_IND) or bits == 64:
        raise Refused("LD opcode %#04x is not covered" % code)
    size = bits // 8
    if mode == LD_ABS:
        if imm < 0:
            raise Refused("LD_ABS at a negative offset (the kernel's SKF_NET_OFF/SKF_LL_OFF windows) is not translated")
        return "{ if (%s < (uint64_t)%dULL) return 0; r0 = pkt%d(data + %d); }" % (PACKET_LENGTH, imm + size, bits, imm)
    return ("{ int32_t o = (int32_t)(uint32_t)(%s + (uint64_t)%dLL); if (o < 0 || %s < (uint64_t)o + %d) return 0;"
            " r0 = pkt%d(data + o); }" % (reg(src), imm, PACKET_LENGTH, size, bits))


def translate(insns, program_type="xdp"):
    """[(pc, statement)], the set of jump targets, the set of loop heads and the registers the program writes."""
    out, targets, loop_heads, written = [], set(), set(), {0}
    second_slots = set()
    contexts = context_registers(insns)
    fields = CONTEXT_FIELDS[program_type]
    pc = 0
    while pc < len(insns):
        code, dst, src, off, imm = insns[pc]
        cls = code & 7
        must, may = contexts.get(pc, (frozenset(), frozenset()))
        try:
            if code == 0xbf and off == 0:  # a copy may carry the context
                pass
            elif cls == LDX and src in may:
                if src not in must:
                    raise Refused("r%d holds the context on some paths only" % src)
                if code & 0xe0 != 0x60 or SIZES[code & 0x18] != 32 or off not in fields:
                    raise Refused("r%d is %s" % (src, FIELD_NAMES[program_type]))
                if dst == FRAME:
                    raise Refused("r10, the frame pointer, is read-only")
                written.add(dst)
                out.append((pc, "%s = %s;" % (reg(dst), fields[off])))
                pc += 1
                continue
            else:
                for r in sorted(reads(code, dst, src, off) & may):
                    raise Refused("r%d is %s" % (r, FIELD_NAMES[program_type]))
            if code == 0x18:  # lddw
                if src != 0:
                    raise Refused("lddw with src %d (a map or other pseudo load) is not translated" % src)
                if pc + 1 >= len(insns) or insns[pc + 1][0] != 0:
                    raise Refused("lddw without its second slot")
                value = (imm & 0xffffffff) | ((insns[pc + 1][4] & 0xffffffff) << 32)
                if dst == FRAME:
                    raise Refused("lddw writes r%d" % dst)
                out.append((pc, "%s = 0x%016xULL;" % (reg(dst), value)))
                written.add(dst)
                second_slots.add(pc + 1)
                pc += 2
                continue
            if cls == LD:
                out.append((pc, legacy_load(program_type, code, src, imm)))
                pc += 1
                continue
            if dst == FRAME and cls in (LDX, ALU, ALU64):
                raise Refused("r10, the frame pointer, is read-only")
            if cls in (ALU, ALU64, LDX):
                written.add(dst)
            if cls in (ALU, ALU64):
                out.append((pc, alu(code, dst, src, off, imm)))
            elif cls in (JMP, JMP32):
                statement, to = jump(pc, code, dst, src, off, imm)
                for t in to:
                    if not 0 <= t < len(insns):
                        raise Refused("jump to instruction %d, outside the program" % t)
                    targets.add(t)
                    if t <= pc:
                        loop_heads.add(t)
                out.append((pc, statement))
            else:
                out.append((pc, memory(code, dst, src, off, imm)))
        except Refused as e:
            raise Refused("instruction %d (opcode %#04x): %s" % (pc, code, e))
        pc += 1
    for t in targets & second_slots:
        raise Refused("a jump lands on instruction %d, the second slot of an lddw" % t)
    last = out[-1][1] if out else ""
    if not (last.startswith("return") or last.startswith("goto")):
        raise Refused("the last instruction neither exits nor jumps: a run would fall off the end")
    return out, targets, loop_heads, sorted(written)


def main(args):
    if not args:
        sys.stderr.write("usage: ebpf2c.py [TYPE:]NAME=PROGRAM.bin... > programs.c\n")
        return 2
    programs = []
    for arg in args:
        name, sep, path = arg.partition("=")
        program_type, colon, bare = name.partition(":")
        name, program_type = (bare, program_type) if colon else (name, "xdp")
        if not sep or program_type not in CONTEXT_FIELDS:
            sys.stderr.write("ebpf2c: %s is not [TYPE:]NAME=PROGRAM.bin with TYPE xdp or socket\n" % arg)
            return 2
        with open(path, "rb") as f:
            blob = f.read()
        try:
            insns = decode(blob)
            if not insns:
                raise Refused("no instructions")
            programs.append((name, re.sub(r"\W", "_", name), translate(insns, program_type)))
        except Refused as e:
            sys.stderr.write("ebpf2c: %s: %s\n" % (path, e))
            return 2
    print("/* Generated by benchmarks/native/ebpf2c.py from eBPF instruction bytes; do not edit. */")
    print("#include <stdint.h>\n#include \"ebpf_programs.h\"\n")
    for bits in (8, 16, 32, 64):
        print("static inline uint64_t ld%d(uint64_t a) { uint%d_t v; __builtin_memcpy(&v, (const void *)(uintptr_t)a, %d); return v; }"
              % (bits, bits, bits // 8))
        print("static inline void st%d(uint64_t a, uint64_t v) { uint%d_t w = (uint%d_t)v; __builtin_memcpy((void *)(uintptr_t)a, &w, %d); }"
              % (bits, bits, bits, bits // 8))
    for bits, swap in ((8, "v"), (16, "__builtin_bswap16(v)"), (32, "__builtin_bswap32(v)")):  # legacy loads
        print("static inline uint64_t pkt%d(const uint8_t *p) { uint%d_t v; __builtin_memcpy(&v, p, %d); return %s; }"
              % (bits, bits, bits // 8, swap))
    print()
    for name, ident, (statements, targets, loop_heads, written) in programs:
        barrier = "__asm__(\"\" : %s);" % ", ".join("\"+r\"(r%d)" % r for r in written)
        print("static inline uint64_t ebpf_%s(const uint8_t *data, const uint8_t *data_end) {" % ident)
        print("    uint64_t stack[64]; /* the 512-byte stack; r10 points past its end */")
        print("    uint64_t r0 = 0, r1 = 0, r2 = 0, r3 = 0, r4 = 0, r5 = 0, r6 = 0, r7 = 0, r8 = 0, r9 = 0; /* r1: the context, never read as a number */")
        print("    uint64_t r10 = (uint64_t)(uintptr_t)(stack + 64);")
        print("    (void)data; (void)data_end; (void)r1; (void)r2; (void)r3; (void)r4; (void)r5; (void)r6; (void)r7; (void)r8; (void)r9; (void)r10;")
        for pc, statement in statements:
            label = "L%d: " % pc if pc in targets else "    "
            if pc in loop_heads:  # hides the registers from gcc at each trip (see the top of ebpf2c.py)
                statement = "%s %s" % (barrier, statement)
            print("%s%s" % (label, statement))
        print("}")
        print("static uint64_t one_%s(const uint8_t *data, const uint8_t *data_end) { return ebpf_%s(data, data_end); }"
              % (ident, ident))
        print("static uint64_t run_%s(const struct ebpf_frame *f, size_t n) {" % ident)
        print("    uint64_t sum = 0; /* of the verdicts, so that gcc computes every one */")
        print("    for (size_t i = 0; i < n; i++) sum += ebpf_%s(f[i].data, f[i].data + f[i].len);" % ident)
        print("    return sum;\n}")
        print("static long spans_%s(const uint8_t *data, const int *offsets, const int *lengths, size_t n, uint64_t *results) {" % ident)
        print("    long nonzero = 0; /* the runs with a nonzero r0, what Sluice's runBatch returns, beside every r0 */")
        print("    for (size_t i = 0; i < n; i++) {")
        print("        results[i] = ebpf_%s(data + offsets[i], data + offsets[i] + lengths[i]);" % ident)
        print("        nonzero += results[i] != 0;")
        print("    }")
        print("    return nonzero;\n}\n")
    print("const struct ebpf_program ebpf_programs[] = {")
    for name, ident, _ in programs:
        print("    {\"%s\", one_%s, run_%s, spans_%s}," % (name, ident, ident, ident))
    print("    {0, 0, 0, 0}\n};")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
