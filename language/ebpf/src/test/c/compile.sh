#!/usr/bin/env bash
# Compiles the C test programs here into eBPF objects in OUTDIR (argument 1) with the command users run:
#   clang -target bpf -O2 -g -c FILE.c -o OUTDIR/FILE.o
# Called by Maven (generate-test-resources) so that the tests read real compiler output. Without a clang that has the
# BPF target it writes OUTDIR/SKIPPED with the reason and exits 0: the tests that need the objects skip visibly.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:?usage: compile.sh OUTDIR}"
mkdir -p "$out"
rm -f "$out"/*.o "$out"/SKIPPED
clang="${CLANG:-clang}"
if ! command -v "$clang" >/dev/null 2>&1; then
    echo "clang not found on PATH (install it: apt-get install clang)" > "$out/SKIPPED"
elif ! "$clang" -print-targets 2>/dev/null | grep -qw bpf; then
    echo "$("$clang" --version | head -1) has no BPF target (clang -print-targets)" > "$out/SKIPPED"
fi
if [ -f "$out/SKIPPED" ]; then
    echo "SKIPPED compiling the eBPF C test programs: $(cat "$out/SKIPPED")" >&2
    exit 0
fi
n=0
for src in "$here"/*.c; do
    "$clang" -target bpf -O2 -g -c "$src" -o "$out/$(basename "${src%.c}").o"
    n=$((n + 1))
done
echo "compiled $n eBPF C test programs with $("$clang" --version | head -1) into $out"
