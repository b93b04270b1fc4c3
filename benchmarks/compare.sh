#!/usr/bin/env bash
# Sluice side by side with the native peers, on this machine, in one run (see docs/performance.md):
#   libpcap's bpf_filter (C, benchmarks/native/pcap_bench.c) and Sluice (JMH, single call and batch) on the same
#   tcpdump programs and the same 10,000-frame pcap; the kernel's seccomp cost (benchmarks/native/seccomp_bench.c,
#   getppid/personality loops with and without the filter) and Sluice on the same seccomp programs.
# Prints a table of ns per packet / per syscall and the ratios; raw results stay in benchmarks/target/compare/.
#
# Usage: benchmarks/compare.sh [--quick]     (--quick: a smoke run with very short JMH settings; numbers are rough)
# Needs: a JDK 25, cc, libpcap-dev and tcpdump (installed with apt-get when run as root and missing).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bench="$root/benchmarks"
out="$bench/target/compare"
quick=""
case "${1:-}" in
    --quick) quick=yes ;;
    "") ;;
    *) echo "usage: benchmarks/compare.sh [--quick]" >&2; exit 2 ;;
esac
. "$root/scripts/find-jdk25.sh"
sluice_find_jdk25
log() { echo "compare.sh: $*" >&2; }

# --- tools -------------------------------------------------------------------------------------------------------
missing=()
command -v cc >/dev/null || missing+=(gcc)
[ -f /usr/include/pcap/pcap.h ] || missing+=(libpcap-dev)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        log "installing ${missing[*]}"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "compare.sh: missing ${missing[*]}; install them (Debian: apt-get install ${missing[*]})" >&2
        exit 1
    fi
fi

# --- build -------------------------------------------------------------------------------------------------------
log "building the benchmarks module"
(cd "$root" && { ./mvnw -q -o -DskipTests -pl benchmarks -am package 2>/dev/null || ./mvnw -q -DskipTests -pl benchmarks -am package; }) >&2
mkdir -p "$out" "$bench/target/native"
cc -O2 -Wall -o "$bench/target/native/pcap_bench" "$bench/native/pcap_bench.c" -lpcap
cc -O2 -Wall -o "$bench/target/native/seccomp_bench" "$bench/native/seccomp_bench.c"
cp="$bench/target/sluice-benchmarks.jar:$(printf '%s:' "$bench"/target/lib/*.jar)"
pcap="$out/packets.pcap"
jvm=("$JAVA_HOME/bin/java" -XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI "--upgrade-module-path=$bench/target/compiler"
    --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow "-Dpolyglot.engine.userResourceCache=$bench/target/truffle-cache"
    "-Dsluice.bench.data=$bench/data" "-Dsluice.bench.pcap=$pcap" -cp "$cp")
filters=(tcp-port-80 udp-dst-53 vlan-tcp-syn host-list)

# --- workloads ---------------------------------------------------------------------------------------------------
"${jvm[@]}" dev.sluice.benchmarks.PacketSet "$pcap" | tee "$out/workload.txt" >&2

# --- native peers ------------------------------------------------------------------------------------------------
log "libpcap bpf_filter"
args=()
for f in "${filters[@]}"; do args+=("$bench/data/$f.ddd"); done
"$bench/target/native/pcap_bench" "$pcap" "${args[@]}" > "$out/libpcap.txt"
log "kernel seccomp"
: > "$out/kernel.txt"
for policy in large jitk; do
    for probe in getppid personality; do
        [ "$policy" = jitk ] && [ "$probe" = personality ] && continue # the Jitk policy kills personality()
        "$bench/target/native/seccomp_bench" "$bench/data/seccomp-$policy.bpf" "$probe" >> "$out/kernel.txt"
    done
done

# --- Sluice: same verdicts as libpcap first, then speed ------------------------------------------------------------
"${jvm[@]}" dev.sluice.benchmarks.MatchCounts "${filters[@]}" > "$out/sluice-counts.txt"
for f in "${filters[@]}"; do
    ours=$(awk -v f="$f" '$1=="socket" && $2==f {print $3}' "$out/sluice-counts.txt")
    theirs=$(awk -v f="$f" '$2==f {print $4}' "$out/libpcap.txt")
    if [ "$ours" != "$theirs" ]; then
        echo "compare.sh: FAILED: $f accepts $ours packets in Sluice and $theirs in libpcap; the timings would not compare like with like" >&2
        exit 1
    fi
done
if [ -n "$quick" ]; then
    compiled=(-wi 2 -w 1s -i 1 -r 1s -f 1)
    interpreted=(-wi 1 -w 1s -i 1 -r 1s -f 1)
else
    # Each compiled-tier trial first warms up until its roots have Tier 2 code (CompileWatch), then JMH warms up again.
    compiled=(-wi 3 -w 1s -i 5 -r 1s -f 1)
    interpreted=(-wi 2 -w 1s -i 3 -r 1s -f 1)
fi
for tier in compiled interpreter; do
    if [ "$tier" = compiled ]; then settings=("${compiled[@]}"); else settings=("${interpreted[@]}"); fi
    log "JMH, $tier tier"
    # The interpreter-only tier runs the seccomp policies on the syscall mix only.
    if [ "$tier" = compiled ]; then records=mix,getppid,personality; else records=mix; fi
    "${jvm[@]}" org.openjdk.jmh.Main 'SocketFilterBenchmark|SeccompBenchmark' -p tier=$tier -p records=$records "${settings[@]}" \
        -rf csv -rff "$out/jmh-$tier.csv" > "$out/jmh-$tier.log" 2>&1 || { tail -30 "$out/jmh-$tier.log" >&2; exit 1; }
done

# --- table -------------------------------------------------------------------------------------------------------
{
    echo "# Sluice vs native peers, $(date -u '+%Y-%m-%d %H:%M UTC'), $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, kernel $(uname -r)"
    echo "# JDK: $("$JAVA_HOME/bin/java" -version 2>&1 | sed -n 2p); $(head -1 "$bench/data/tcpdump-version.txt"), $(sed -n 2p "$bench/data/tcpdump-version.txt")"
    echo "# load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)${quick:+; QUICK RUN: rough numbers}"
    awk -F'\t' 'NR>1 {print "insns", $1, $2}' "$bench/data/filters.tsv"
    for policy in large jitk; do echo "insns $policy $(( $(stat -c %s "$bench/data/seccomp-$policy.bpf") / 8 ))"; done
    cat "$out/libpcap.txt" "$out/kernel.txt"
    cat "$out/sluice-counts.txt" | sed 's/^/counts /'
    for tier in compiled interpreter; do
        # Columns by header name: Benchmark, Score, Score Error, Param: filter / policy, Param: tier.
        tr -d '"\r' < "$out/jmh-$tier.csv" | awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
            { n = split($1, p, "."); kind = p[n - 1] ~ /Seccomp/ ? "seccomp" : "socket";
              name = kind == "seccomp" ? $col["Param: policy"] ":" $col["Param: records"] : $col["Param: filter"];
              printf "sluice %s %s %s %s %.2f %s\n", kind, name, $col["Param: tier"], p[n], $col["Score"], $col["Score Error (99.9%)"] }'
    done
} > "$out/results.txt"
awk -f "$bench/table.awk" "$out/results.txt" | tee "$out/table.txt"
