#!/usr/bin/env python3
"""Splits HotSpot's -XX:+PrintAssembly output into the code Graal installed for Truffle call targets, and
disassembles it with capstone (benchmarks/compiled-code.sh; docs/performance.md, "Reading the compiled code").

Debian's hsdis (libhsdis0-fcml) loads on JDK 25 but prints each method's machine code as hex words; this reads those
words back into bytes, keeps the annotations HotSpot prints beside them (oops, calls, safepoints), and writes one
file per Truffle compilation (HotSpot names them all OptimizedCallTarget::profiledPERoot, in the order they were
installed) with a summary line: code size, instructions, stack accesses, XORs, conditional moves, and the oops the
code embeds (which tell a Sluice root, and its body, from the host's).

Usage: hotspot_disasm.py PRINT_ASSEMBLY_OUTPUT OUTDIR
"""
import re
import sys
from pathlib import Path

try:
    from capstone import CS_ARCH_X86, CS_MODE_64, Cs
except ImportError:
    sys.exit("hotspot_disasm.py: python3-capstone is needed (Debian: apt-get install python3-capstone)")

METHOD = re.compile(r"^Compiled method \((\w+)\)\s+\S+\s+(\d+)\s+.*?(\S+::\S+)")
CODE_LINE = re.compile(r"^\s+0x([0-9a-f]+): (.*)$")
OOP = re.compile(r"oop\(a '([^']+)'")


def methods(lines):
    """Yields (compiler, compile id, name, lines) for each compiled method in the output."""
    current = None
    for line in lines:
        m = METHOD.match(line)
        if m:
            if current:
                yield current
            current = (m.group(1), m.group(2), m.group(3), [])
        elif current:
            current[3].append(line)
    if current:
        yield current


def machine_code(lines):
    """The method's bytes from its first code address, and its annotations by address."""
    code = bytearray()
    start = None
    notes = {}
    for line in lines:
        m = CODE_LINE.match(line)
        if not m:
            continue
        address, rest = int(m.group(1), 16), m.group(2)
        if rest.lstrip().startswith(";"):
            notes.setdefault(address, []).append(rest.strip())
            continue
        words = re.sub(r"[^0-9a-f]", "", rest.split(";")[0])
        if not words:
            continue
        if start is None:
            start = address
        gap = address - (start + len(code))
        if gap > 0:
            code += b"\x90" * gap
        code += bytes.fromhex(words)
    return start, bytes(code), notes


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[-1])
    source, out = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    disassembler = Cs(CS_ARCH_X86, CS_MODE_64)
    index = 0
    for compiler, compile_id, name, lines in methods(source.read_text(errors="replace").splitlines()):
        if compiler != "JVMCI" or "profiledPERoot" not in name:
            continue
        start, code, notes = machine_code(lines)
        if start is None:
            continue
        index += 1
        oops = sorted({o for o in OOP.findall("\n".join(lines)) if o.startswith("dev/sluice")})
        instructions = list(disassembler.disasm(code, start))
        text = []
        for insn in instructions:
            for note in notes.get(insn.address, []):
                text.append("        " + note)
            text.append(f"{insn.address:x}: {insn.mnemonic} {insn.op_str}")
        path = out / f"truffle-{index:02d}-id{compile_id}.s"
        path.write_text("\n".join(text) + "\n")
        count = lambda pred: sum(1 for i in instructions if pred(i))
        print(
            f"{path.name}: {len(code)} bytes, {len(instructions)} instructions, "
            f"{count(lambda i: 'rsp' in i.op_str)} stack accesses, {count(lambda i: i.mnemonic == 'xor')} xor, "
            f"{count(lambda i: i.mnemonic.startswith('cmov'))} cmov; {', '.join(oops) or 'no Sluice objects'}"
        )
    if index == 0:
        sys.exit("hotspot_disasm.py: no Truffle compilation in " + str(source))


if __name__ == "__main__":
    main()
