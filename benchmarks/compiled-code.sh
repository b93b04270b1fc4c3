#!/usr/bin/env bash
# The machine code Graal compiled for Sluice's call targets, disassembled (docs/performance.md, "Reading the compiled
# code"): runs a Java main of the benchmarks module with HotSpot's -XX:+PrintAssembly and Debian's hsdis, then
# benchmarks/native/hotspot_disasm.py writes each Truffle compilation to OUTDIR as one .s file and prints a summary
# line per compilation (bytes, instructions, stack accesses, xor, cmov, the Sluice objects it embeds).
# Usage: benchmarks/compiled-code.sh OUTDIR [java options...] MAINCLASS [arguments...]
#   e.g., after benchmarks/ebpf-compare.sh:
#   benchmarks/compiled-code.sh /tmp/xdp -Dinterleaved.kind=xdp -Dinterleaved.source=examples/ebpf/xdp-ipv4.s \
#       -Dsluice.bench.pcap=benchmarks/target/ebpf-compare/packets.pcap dev.sluice.benchmarks.Interleaved \
#       benchmarks/target/ebpf-compare/libebpf_programs.so xdp 100
# Needs libhsdis0-fcml and python3-capstone (installed here when run as root with apt-get).
set -euo pipefail
[ $# -ge 2 ] || { sed -n '2,11p' "$0" >&2; exit 2; }
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bench="$root/benchmarks"
out="$1"; shift
. "$root/scripts/find-jdk25.sh"
sluice_find_jdk25
hsdis=/usr/lib/x86_64-linux-gnu/libhsdis.so.0
if [ ! -f "$hsdis" ] || ! /usr/bin/python3 -c 'import capstone' 2>/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libhsdis0-fcml python3-capstone >/dev/null
    else
        echo "compiled-code.sh: needs libhsdis0-fcml and python3-capstone (apt-get install libhsdis0-fcml python3-capstone)" >&2
        exit 1
    fi
fi
if [ ! -f "$bench/target/sluice-benchmarks.jar" ]; then
    (cd "$root" && ./mvnw -q -DskipTests -pl benchmarks -am package) >&2
fi
mkdir -p "$out" && rm -f "$out"/truffle-*.s
# HotSpot looks for hsdis-<arch>.so on the library path; Debian installs it as libhsdis.so.0.
ln -sf "$hsdis" "$out/hsdis-amd64.so"
cp="$bench/target/sluice-benchmarks.jar:$(printf '%s:' "$bench"/target/lib/*.jar)"
(cd "$root" && LD_LIBRARY_PATH="$out" "$JAVA_HOME/bin/java" -XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI \
    "--upgrade-module-path=$bench/target/compiler" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
    "-Dpolyglot.engine.userResourceCache=$bench/target/truffle-cache" "-Dsluice.bench.data=$bench/data" \
    "-Dsluice.bench.examples=$root/examples" -XX:+UnlockDiagnosticVMOptions -XX:+PrintAssembly -cp "$cp" "$@") \
    > "$out/print-assembly.txt" 2>&1 || { tail -20 "$out/print-assembly.txt" >&2; exit 1; }
# The program's own report, where the assembly printed between its lines left it whole.
grep -a -E '^(interleaved|coldstart|  runRecords|filter )' "$out/print-assembly.txt" | grep -v ';' || true
/usr/bin/python3 "$bench/native/hotspot_disasm.py" "$out/print-assembly.txt" "$out"
