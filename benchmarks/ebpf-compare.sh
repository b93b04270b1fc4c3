#!/usr/bin/env bash
# eBPF against the kernel's JIT, side by side in one run (issue 16, "eBPF"; docs/performance.md "eBPF against the
# kernel's JIT"):
#   - examples/ebpf/xdp-ipv4.s over the generated 10,000-frame packet set: Sluice's runBatch (JMH, compiled, verified:
#     proven packet loads without their guard) against the same instruction bytes loaded by bpf(BPF_PROG_LOAD) as an
#     XDP program and run by BPF_PROG_TEST_RUN on each frame (the kernel's own time per run, repeat 100), with the
#     kernel's empty XDP program (r0 = XDP_PASS) as its baseline;
#   - examples/ebpf/socket-tcp-port-80.s, a socket filter (legacy LD_ABS/LD_IND packet loads, skb->len), over the same
#     set: Sluice's runBatch (ebpf.ProgramType=socket_filter, the frames from their link-layer header) against the
#     kernel running it as BPF_PROG_TYPE_SOCKET_FILTER with a dummy Ethernet header in front of each frame (its test
#     run strips one, so the program sees the frame as on an AF_PACKET socket), with the empty socket filter as its
#     baseline;
#   - a counted loop of 10,000 trips of 3 instructions with the count as a constant (the kernel's verifier must bound
#     it), per trip: Sluice's EbpfBenchmark.constantLoop (verified, so no fuel checks) against the kernel running it as
#     a socket filter; and Sluice's EbpfBenchmark.loop, the count read from memory (unverified, under the fuel guard).
# The gcc -O2 limit of the same programs: benchmarks/native/ebpf2c.py translates the very instruction bytes to C (one
# statement per instruction, the program's own bounds checks and no others, a compiler barrier at the loop head so
# gcc cannot replace the loop by its result), benchmarks/native/ebpf_gcc_peer.c runs it with cc -O2 over the same
# capture, frames back to back as Sluice's batch gets them (fastest pass of about a second of passes). First,
# benchmarks/native/ebpf2c_check.py checks the translation itself against the kernel on small programs (the ALU,
# jumps, memory, and the socket filters' legacy loads and skb->len, in and out of bounds).
# The kernel and the gcc limit run before and after Sluice (--quick: the kernel only before); the verdicts of the
# compiled code that was timed, and of the gcc limit, must equal the kernel's frame by frame (count and FNV-1a hash),
# and the gcc loop's result the kernel's, or the script stops with exit 1. Figures: JMH means and the fastest pass
# (min) of the whole set.
# Last, the gcc limit and Sluice (blinding off and on) interleaved in one process over the same arrays, a pass of each
# in turn (Interleaved.java), XDP and the socket filter: every pass in the capture's order, then each round in
# another order of the same frames, five JVMs per program (the table takes the median); its count of nonzero verdicts
# must equal the kernel's.
# Usage: benchmarks/ebpf-compare.sh [--quick]      (root; needs a JDK 25 and cc)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bench="$root/benchmarks"
out="$bench/target/ebpf-compare"
quick=""
[ "${1:-}" = "--quick" ] && quick=yes
. "$root/scripts/find-jdk25.sh"
sluice_find_jdk25
log() { echo "[$(date -u +%H:%M:%S)] load $(cut -d' ' -f1 /proc/loadavg): $*" >&2; }

log "building the benchmarks module"
(cd "$root" && { ./mvnw -q -o -DskipTests -pl benchmarks -am package 2>/dev/null || ./mvnw -q -DskipTests -pl benchmarks -am package; }) >&2
rm -rf "$out" && mkdir -p "$out"
cc -O2 -Wall -o "$out/ebpf_kernel_peer" "$bench/native/ebpf_kernel_peer.c"
"$root/sluice.sh" asm --lang ebpf "$root/examples/ebpf/xdp-ipv4.s" -o "$out/xdp.bin"
"$root/sluice.sh" asm --lang ebpf "$root/examples/ebpf/socket-tcp-port-80.s" -o "$out/socket.bin"
printf 'mov %%r0, 0\nmov %%r3, 10000\nloop:\nadd %%r0, %%r3\nsub %%r3, 1\njne %%r3, 0, loop\nexit\n' > "$out/loop.s"
"$root/sluice.sh" asm --lang ebpf "$out/loop.s" -o "$out/loop.bin"
python3 "$bench/native/ebpf2c.py" "xdp=$out/xdp.bin" "socket:socket=$out/socket.bin" "loop=$out/loop.bin" > "$out/ebpf_programs.c"
cc -O2 -Wall -I "$bench/native" -o "$out/ebpf_gcc_peer" "$bench/native/ebpf_gcc_peer.c" "$out/ebpf_programs.c"
cc -O2 -Wall -shared -fPIC -I "$bench/native" -o "$out/libebpf_programs.so" "$out/ebpf_programs.c"
log "checking ebpf2c.py's translation against the kernel"
python3 "$bench/native/ebpf2c_check.py" "$out/ebpf2c-check" "$out/ebpf_kernel_peer" >&2

cp="$bench/target/sluice-benchmarks.jar:$(printf '%s:' "$bench"/target/lib/*.jar)"
pcap="$out/packets.pcap"
jvm=("$JAVA_HOME/bin/java" -XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI "--upgrade-module-path=$bench/target/compiler"
    --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow "-Dpolyglot.engine.userResourceCache=$bench/target/truffle-cache"
    "-Dsluice.bench.data=$bench/data" "-Dsluice.bench.pcap=$pcap" "-Dsluice.bench.examples=$root/examples"
    "-Dsluice.bench.verdicts=$out/sluice.txt" -cp "$cp")
"${jvm[@]}" dev.sluice.benchmarks.PacketSet "$pcap" > "$out/workload.txt"

kernel() { # WHEN
    log "kernel JIT ($1)"
    "$out/ebpf_kernel_peer" xdp "$out/xdp.bin" "$pcap" 100 | sed "s/^/$1 /" >> "$out/kernel.txt"
    "$out/ebpf_kernel_peer" socket "$out/socket.bin" "$pcap" 100 | sed "s/^/$1 /" >> "$out/kernel.txt"
    "$out/ebpf_kernel_peer" loop "$out/loop.bin" 10000 10 | sed "s/^/$1 /" >> "$out/kernel.txt"
}
gcc_limit() { # WHEN
    log "gcc -O2 limit ($1)"
    "$out/ebpf_gcc_peer" xdp xdp "$pcap" | sed "s/^/$1 /" >> "$out/gcc.txt"
    "$out/ebpf_gcc_peer" socket socket "$pcap" | sed "s/^/$1 /" >> "$out/gcc.txt"
    "$out/ebpf_gcc_peer" loop loop 10000 | sed "s/^/$1 /" >> "$out/gcc.txt"
}
kernel before
gcc_limit before
log "Sluice (JMH, compiled, verified)"
if [ -n "$quick" ]; then iterations=(-wi 2 -w 1s -i 2 -r 1s -f 1 -jvmArgsAppend -Dsluice.bench.warmSeconds=5); else iterations=(-wi 3 -w 1s -i 5 -r 1s -f 1); fi
"${jvm[@]}" org.openjdk.jmh.Main EbpfBenchmark -p tier=compiled -p verify=true -p blinding=off "${iterations[@]}" \
    -rf csv -rff "$out/jmh.csv" > "$out/jmh.log" 2>&1 || { tail -30 "$out/jmh.log" >&2; exit 1; }
gcc_limit after
[ -n "$quick" ] || kernel after
log "the gcc limit and Sluice interleaved in one process (repeated and shuffled orders)"
# Five JVMs per program in turn (one JVM's figures can stray from the others', as in compare.sh); the table takes the
# median of their medians.
rounds=3000; jvms=5; [ -n "$quick" ] && rounds=300 && jvms=1
for kind in xdp socket; do
    source_file="$root/examples/ebpf/xdp-ipv4.s"; [ "$kind" = socket ] && source_file="$root/examples/ebpf/socket-tcp-port-80.s"
    for _ in $(seq $jvms); do
        "${jvm[@]}" -Dinterleaved.kind=$kind "-Dinterleaved.source=$source_file" dev.sluice.benchmarks.Interleaved \
            "$out/libebpf_programs.so" $kind $rounds 2>> "$out/jmh.log" >> "$out/interleaved.txt"
    done
done

python3 - "$out" <<'PY'
import csv, statistics, sys
out = sys.argv[1]
def figures(path):
    fig = {}
    for line in open(path):
        when, _, kind, name, value, *rest = line.split()
        fig.setdefault((kind, name), []).append((value, rest[0]) if name == "verdicts" else float(value))
    return fig
k = figures(f"{out}/kernel.txt")
g = figures(f"{out}/gcc.txt")
# sluice.txt has a line per JMH trial: every trial's verdicts must agree, and the fastest pass is the smallest MIN.
s = {}
for line in open(f"{out}/sluice.txt"):
    f = line.split()
    key = (f[0], f[1])
    if f[0] == "sluice-ebpf-verdicts":
        if key in s and s[key] != f[4:]:
            sys.exit(f"ebpf-compare: FAILED: Sluice's compiled verdicts differ between trials: {s[key]} and {f[4:]}")
        s[key] = f[4:]
    elif key not in s or float(f[4]) < float(s[key][0]):
        s[key] = f[4:]
jmh = {r["Benchmark"].split(".")[-1]: float(r["Score"]) for r in csv.DictReader(open(f"{out}/jmh.csv"))}
verdicts = {}
for kind in ("xdp", "socket"):
    kv = set(k[(kind, "verdicts")])
    sv = tuple(s[("sluice-ebpf-verdicts", kind)])
    if len(kv) != 1 or sv != next(iter(kv)):
        sys.exit(f"ebpf-compare: FAILED: Sluice's compiled {kind} verdicts {sv} differ from the kernel's {kv}")
    gv = set(g[(kind, "verdicts")])
    if gv != kv:
        sys.exit(f"ebpf-compare: FAILED: the gcc limit's {kind} verdicts {gv} differ from the kernel's {kv}")
    verdicts[kind] = sv
if set(g[("loop", "result")]) != set(k[("loop", "result")]):
    sys.exit(f"ebpf-compare: FAILED: the gcc loop returns {g[('loop', 'result')]}, the kernel's {k[('loop', 'result')]}")
gx, gt = min(g[("xdp", "program")]), min(g[("loop", "trip")])
kx, ke = min(k[("xdp", "program")]), min(k[("xdp", "empty")])
sx_min = float(s[("sluice-ebpf-min", "xdp")][0])
gs = min(g[("socket", "program")])
ks, kse = min(k[("socket", "program")]), min(k[("socket", "empty")])
ss_min = float(s[("sluice-ebpf-min", "socket")][0])
kt = min(k[("loop", "trip")])
st_min = float(s[("sluice-ebpf-min", "loop")][0])
sc_min = float(s[("sluice-ebpf-min", "constant-loop")][0])
for kind, (nonzero, fnv) in verdicts.items():
    print(f"# {kind} verdicts: Sluice's compiled code, the gcc limit and the kernel agree on all frames (nonzero {nonzero}, FNV-1a {fnv})")
print("| program | Sluice (JMH mean) | Sluice (fastest pass) | kernel JIT (TEST_RUN) | kernel net of its empty program | gcc -O2 limit | Sluice min / kernel | Sluice min / kernel net | Sluice min / gcc |")
print("|---|---|---|---|---|---|---|---|---|")
print(f"| xdp-ipv4, ns/packet | {jmh['xdpBatch']:.2f} | {sx_min:.2f} | {kx:.2f} (empty {ke:.2f}) | {kx - ke:.2f} | {gx:.2f} | {sx_min / kx:.2f}x | {sx_min / (kx - ke):.2f}x | {sx_min / gx:.2f}x |")
print(f"| socket-tcp-port-80, ns/packet | {jmh['socketBatch']:.2f} | {ss_min:.2f} | {ks:.2f} (empty {kse:.2f}) | {ks - kse:.2f} | {gs:.2f} | {ss_min / ks:.2f}x | {ss_min / (ks - kse):.2f}x | {ss_min / gs:.2f}x |")
print(f"| loop, constant count (verified: no fuel), ns/trip | {jmh['constantLoop']:.3f} | {sc_min:.3f} | {kt:.3f} (net of the empty run) | {kt:.3f} | {gt:.3f} | {sc_min / kt:.2f}x | {sc_min / kt:.2f}x | {sc_min / gt:.2f}x |")
print(f"| loop, count from memory (unverified: fuel), ns/trip | {jmh['loop']:.3f} | {st_min:.3f} | (the kernel refuses an unbounded loop) | | {gt:.3f} (its constant-count loop) | {st_min / kt:.2f}x | {st_min / kt:.2f}x | {st_min / gt:.2f}x |")
# One set of lines per JVM: min = the fastest pass of any, a ratio = the median of the JVMs' medians.
il, ilrs = {}, {}
for line in open(f"{out}/interleaved.txt"):
    f = line.split()
    if f[0] == "interleaved":
        key = (f[1], f[2], f[3])
        il[key] = min(il.get(key, float(f[4])), float(f[4]))
    elif f[0] == "interleaved-ratio":
        ilrs.setdefault((f[1], f[2], f[3]), []).append(float(f[4]))
    elif f[0] == "interleaved-count":
        want = int(verdicts[f[1]][0])
        if int(f[2]) != want:
            sys.exit(f"ebpf-compare: FAILED: the interleaved {f[1]} run counted {f[2]} nonzero verdicts, the kernel {want}")
ilr = {key: statistics.median(values) for key, values in ilrs.items()}
print()
print("Interleaved in one process (Interleaved.java; docs/performance.md, \"Interleaved passes\"): the gcc limit and Sluice's")
print("runBatch over the same Java arrays, every r0 stored, a pass of each in turn; repeated = every pass in the capture's")
print("order, shuffled = each round another order of the same frames. min = fastest pass, ns per packet; x = median over")
print("the rounds of Sluice's pass / the limit's pass of the same round (Sluice: blinding off, the default; blinded: ebpf.ConstantBlinding=on);")
print("each program in several JVMs in turn: min = the fastest of all, x = the median of the JVMs' medians (each JVM's in the last column)")
print()
print("| program | order | gcc -O2 limit (min) | Sluice (min) | Sluice / limit | Sluice blinded (min) | blinded / limit | blinded / Sluice | each JVM: Sluice / limit; blinded / Sluice |")
print("|---|---|---|---|---|---|---|---|---|")
for kind in ("xdp", "socket"):
    for mode in ("repeated", "shuffled"):
        each = ", ".join(f"{x:.2f}" for x in ilrs[(kind, mode, 'sluice/limit')]) + "; " \
            + ", ".join(f"{1 / x:.2f}" for x in ilrs[(kind, mode, 'sluice/sluice-blinded')])
        print(f"| {kind} | {mode} | {il[(kind, mode, 'limit')]:.2f} | {il[(kind, mode, 'sluice')]:.2f} | {ilr[(kind, mode, 'sluice/limit')]:.2f}x"
              f" | {il[(kind, mode, 'sluice-blinded')]:.2f} | {ilr[(kind, mode, 'sluice-blinded/limit')]:.2f}x | {1 / ilr[(kind, mode, 'sluice/sluice-blinded')]:.2f}x | {each} |")
PY
