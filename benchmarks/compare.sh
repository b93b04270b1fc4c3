#!/usr/bin/env bash
# Sluice side by side with its peers, on this machine, in one run (see docs/performance.md).
# Packet filters (tcpdump programs over two 10,000-frame pcaps: `generated`, frames drawn independently (PacketSet),
# and `linkmix`, a link's flows in trains with heavy-tailed sizes (LinkMix)), per set and filter in turn, so that
# every peer is timed under the same conditions as Sluice:
#   native peers (benchmarks/native/pcap_peers.c): libpcap's bpf_filter; the limit = the filter translated to C by
#   bpf2c.py and compiled by gcc -O2, in the same loop; the kernel's JIT via BPF_PROG_LOAD + BPF_PROG_TEST_RUN
#   (the kernel's own time per run) and its empty-program baseline. Every peer's verdicts equal libpcap's, packet by
#   packet, or the harness stops.
#   Sluice (JMH, batch and single call, compiled with the default settings and with blinding off), then the native
#   peers again; the table uses the mean of the two native runs and shows how far they drifted.
#   The compiled code that was timed reports its verdicts after the measurement; they must equal libpcap's.
#   Then the gcc limit and Sluice (blinded and not) interleaved in one process over the same arrays, a pass of each in
#   turn (Interleaved.java): once with every pass in the capture's order, once with each round in another order of the
#   same packets, so that no branch predictor learns the set from pass to pass; five JVMs per filter in turn, the table
#   taking the median of their figures.
# Seccomp: the kernel's seccomp cost (benchmarks/native/seccomp_bench.c) and Sluice on the same seccomp programs.
# Each set's branch predictability per filter (BranchProfile: match rate, verdict changes, a bimodal predictor's
# mispredictions, path entropy), from a tracing interpreter whose verdicts must equal libpcap's.
# Prints a table of ns per packet / per syscall and the ratios; raw results stay in benchmarks/target/compare/.
#
# Usage: benchmarks/compare.sh [--quick] [--sets LIST] [--baseline REV] [--update-docs]
#   --quick: a smoke run with very short JMH settings; numbers are rough
#   --sets LIST: the packet sets to run, comma-separated (default generated,linkmix)
#   --baseline REV: also times the engine of commit REV (its modules built from `git archive REV`, run by this
#     commit's benchmarks) right after Sluice on each filter, so the table shows what the changes since REV bought,
#     before and after in one run
#   --update-docs: also writes the table into docs/performance.md (between the compare.sh markers)
#   --report-only: measures nothing; prints the table again from the raw results of the last run
# Needs: a JDK 25, cc, python3, libpcap-dev and tcpdump (installed with apt-get when run as root and missing); root
# for the kernel peers (bpf() and seccomp).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bench="$root/benchmarks"
out="$bench/target/compare"
quick=""
update_docs=""
baseline=""
report_only=""
sets=(generated linkmix)
usage() { echo "usage: benchmarks/compare.sh [--quick] [--sets generated,linkmix] [--baseline REV] [--update-docs] [--report-only]" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=yes ;;
        --update-docs) update_docs=yes ;;
        --report-only) report_only=yes ;;
        --baseline) [ $# -ge 2 ] || usage; baseline=$2; shift ;;
        --sets) [ $# -ge 2 ] || usage; IFS=, read -r -a sets <<< "$2"; shift ;;
        *) usage ;;
    esac
    shift
done
. "$root/scripts/find-jdk25.sh"
sluice_find_jdk25
log() { echo "compare.sh: $*" >&2; }

filters=(tcp-port-80 udp-dst-53 vlan-tcp-syn host-list)
for s in "${sets[@]}"; do case "$s" in generated | linkmix) ;; *) echo "compare.sh: unknown packet set '$s' (generated, linkmix)" >&2; exit 2 ;; esac; done
# The pcap of a packet set (the generated set keeps its old name: startup.sh reads it).
pcap_of() { if [ "$1" = generated ]; then echo "$out/packets.pcap"; else echo "$out/packets-$1.pcap"; fi; }
if [ -z "$report_only" ]; then # measure
# --- tools -------------------------------------------------------------------------------------------------------
missing=()
command -v cc >/dev/null || missing+=(gcc)
command -v python3 >/dev/null || missing+=(python3)
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
rm -f "$out"/jmh-*.csv "$out"/profile-*.txt "$out"/workload-*.txt
peer_args=()
for f in "${filters[@]}"; do peer_args+=("$f=$bench/data/$f.ddd"); done
python3 "$bench/native/bpf2c.py" "${peer_args[@]}" > "$bench/target/native/filters.c"
cc -O2 -Wall -Wno-unused-label -I"$bench/native" -o "$bench/target/native/pcap_peers" \
    "$bench/native/pcap_peers.c" "$bench/native/kernel_peer.c" "$bench/target/native/filters.c" -lpcap
cc -O2 -Wall -Wno-unused-label -shared -fPIC -I"$bench/native" -o "$bench/target/native/libfilters.so" "$bench/target/native/filters.c"
cc -O2 -Wall -o "$bench/target/native/seccomp_bench" "$bench/native/seccomp_bench.c"
if [ -n "$baseline" ]; then
    base_rev=$(git -C "$root" rev-parse --short "$baseline^{commit}")
    base_tree="$bench/target/baseline"
    log "building the baseline engine ($base_rev) from git archive in $base_tree"
    rm -rf "$base_tree" && mkdir -p "$base_tree"
    git -C "$root" archive "$base_rev" | tar -x -C "$base_tree"
    (cd "$base_tree" && { ./mvnw -q -o -DskipTests -pl benchmarks -am package 2>/dev/null || ./mvnw -q -DskipTests -pl benchmarks -am package; }) >&2
fi
cp="$bench/target/sluice-benchmarks.jar:$(printf '%s:' "$bench"/target/lib/*.jar)"
# The JVM for a packet set: JMH's forks inherit these flags, so the benchmarks read that set's pcap and write its
# verdicts file. The class path stays the last element (the baseline replaces it). JMH's lock is ignored: a second
# JMH on the machine would otherwise end a 35-minute run midway; the load average recorded at each step shows it.
jvm_for() {
    jvm=("$JAVA_HOME/bin/java" -XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI "--upgrade-module-path=$bench/target/compiler"
        --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow "-Dpolyglot.engine.userResourceCache=$bench/target/truffle-cache"
        "-Dsluice.bench.data=$bench/data" "-Dsluice.bench.pcap=$(pcap_of "$1")" "-Dsluice.bench.verdicts=$out/sluice-verdicts-$1.txt" -Djmh.ignoreLock=true -cp "$cp")
}
jvm_for generated

# --- workloads ---------------------------------------------------------------------------------------------------
printf '%s\n' "${sets[@]}" > "$out/sets.txt"
for s in "${sets[@]}"; do
    generator=dev.sluice.benchmarks.PacketSet
    [ "$s" = linkmix ] && generator=dev.sluice.benchmarks.LinkMix
    "${jvm[@]}" "$generator" "$(pcap_of "$s")" | tee "$out/workload-$s.txt" >&2
    "${jvm[@]}" dev.sluice.benchmarks.BranchProfile "$s" "$(pcap_of "$s")" "$bench/data" "${filters[@]}" > "$out/profile-$s.txt"
done

if [ -n "$quick" ]; then
    compiled=(-wi 2 -w 1s -i 1 -r 1s -f 1 -jvmArgsAppend "-Dsluice.bench.warmSeconds=5 -Dsluice.bench.settleSeconds=5")
    interpreted=(-wi 1 -w 1s -i 1 -r 1s -f 1)
    interleaved_rounds=300
    interleaved_jvms=1
else
    # Each compiled-tier trial first warms up until its roots have Tier 2 code (CompileWatch), then JMH warms up again.
    compiled=(-wi 3 -w 1s -i 4 -r 1s -f 1)
    interpreted=(-wi 3 -w 2s -i 3 -r 1s -f 1)
    interleaved_rounds=3000
    # The same build's interleaved figures move from JVM to JVM (one filter read 1.05-1.09x the limit in three JVMs and
    # 1.28x in a fourth, 2026-12-03): the table takes the median of five (about 8 s each).
    interleaved_jvms=5
fi
rm -f "$out"/sluice-verdicts*.txt "$out"/baseline-verdicts*.txt "$out"/peers-*.txt "$out"/interleaved-*.txt "$out/load.txt"
: > "$out/jmh-compiled.log"
: > "$out/jmh-interpreter.log"
load() { echo "load $1 $(cut -d' ' -f1 /proc/loadavg)" >> "$out/load.txt"; }
jmh() { # log csv args...
    local log=$1 csv=$2
    shift 2
    "${jvm[@]}" org.openjdk.jmh.Main "$@" -rf csv -rff "$csv" >> "$log" 2>&1 || { tail -30 "$log" >&2; exit 1; }
}

# --- packet filters: per set, native peers, Sluice, native peers again, filter by filter ---------------------------
for s in "${sets[@]}"; do
jvm_for "$s"
pcap=$(pcap_of "$s")
for f in "${filters[@]}"; do
    log "$s $f: native peers (libpcap, gcc -O2 limit, kernel JIT)"
    load "$s/$f:before"
    "$bench/target/native/pcap_peers" "$pcap" "$f=$bench/data/$f.ddd" | sed 's/^/before /' >> "$out/peers-$s-$f.txt"
    log "$s $f: Sluice, JMH (compiled: default settings and blinding off)"
    load "$s/$f:jmh"
    jmh "$out/jmh-compiled.log" "$out/jmh-compiled-socket-$s-$f.csv" SocketFilterBenchmark -p filter="$f" -p tier=compiled,unblinded "${compiled[@]}"
    if [ -n "$baseline" ]; then
        log "$s $f: the baseline engine ($base_rev), same benchmarks"
        # This commit's benchmark classes first, then the baseline's modules (its bpf language and core).
        base_cp="$bench/target/sluice-benchmarks.jar:$(printf '%s:' "$base_tree"/benchmarks/target/lib/*.jar)"
        jvm_base=("${jvm[@]}")
        jvm_base[${#jvm_base[@]}-1]=$base_cp
        jvm_base[3]="--upgrade-module-path=$base_tree/benchmarks/target/compiler"
        "${jvm_base[@]}" org.openjdk.jmh.Main SocketFilterBenchmark -p filter="$f" -p tier=compiled,unblinded "${compiled[@]}" \
            -jvmArgsAppend "-Dsluice.bench.verdicts=$out/baseline-verdicts-$s.txt" -rf csv -rff "$out/jmh-baseline-socket-$s-$f.csv" >> "$out/jmh-compiled.log" 2>&1 \
            || { tail -30 "$out/jmh-compiled.log" >&2; exit 1; }
    fi
    log "$s $f: native peers again"
    load "$s/$f:after"
    "$bench/target/native/pcap_peers" "$pcap" "$f=$bench/data/$f.ddd" | sed 's/^/after /' >> "$out/peers-$s-$f.txt"
    log "$s $f: the gcc limit and Sluice interleaved in one process (repeated and shuffled orders), $interleaved_jvms JVMs in turn"
    load "$s/$f:interleaved"
    for j in $(seq "$interleaved_jvms"); do
        "${jvm[@]}" dev.sluice.benchmarks.Interleaved "$bench/target/native/libfilters.so" "$f" "$interleaved_rounds" \
            2>> "$out/jmh-compiled.log" | awk -v s="$s" '{ $2 = s "/" $2; print }' > "$out/interleaved-$s-$f-$j.txt"
    done
done
log "$s: interpreter-only tier"
jmh "$out/jmh-interpreter.log" "$out/jmh-interpreter-socket-$s.csv" SocketFilterBenchmark -p tier=interpreter "${interpreted[@]}"

# The timed compiled code must have given libpcap's verdicts (count and per-packet hash), and so must the interpreter
# and BranchProfile's tracer (so its figures describe the paths libpcap takes).
while read -r _ f tier entry accepted hash; do
    theirs=$(awk -v f="$f" '$1=="before" && $2=="libpcap" && $3==f {print $5, $6; exit}' "$out/peers-$s-$f.txt")
    if [ "$accepted $hash" != "$theirs" ]; then
        echo "compare.sh: FAILED: $s $f ($tier, $entry) gave verdicts $accepted $hash, libpcap $theirs; the timings would not compare like with like" >&2
        exit 1
    fi
done < <(cat "$out/sluice-verdicts-$s.txt" "$out/baseline-verdicts-$s.txt" 2>/dev/null | grep '^sluice-verdicts ';
         awk '{print "profile", $3, "tracer", "-", $5, $6}' "$out/profile-$s.txt")
for f in "${filters[@]}"; do
    theirs=$(awk -v f="$f" '$1=="before" && $2=="libpcap" && $3==f {print $5; exit}' "$out/peers-$s-$f.txt")
    for j in $(seq "$interleaved_jvms"); do
        mine=$(awk '$1 == "interleaved-count" {print $3}' "$out/interleaved-$s-$f-$j.txt")
        [ "$mine" = "$theirs" ] || { echo "compare.sh: FAILED: $s $f: interleaved run $j accepted '$mine' packets, libpcap $theirs" >&2; exit 1; }
    done
done
checked=$(grep -c '^sluice-verdicts ' "$out/sluice-verdicts-$s.txt")
[ "$checked" -ge $(( ${#filters[@]} * 6 )) ] || { echo "compare.sh: FAILED: $s: only $checked Sluice runs reported their verdicts" >&2; exit 1; }
done
jvm_for generated

# --- seccomp -------------------------------------------------------------------------------------------------------
log "kernel seccomp"
load "seccomp:kernel"
: > "$out/kernel.txt"
for policy in large jitk; do
    for probe in getppid personality; do
        [ "$policy" = jitk ] && [ "$probe" = personality ] && continue # the Jitk policy kills personality()
        "$bench/target/native/seccomp_bench" "$bench/data/seccomp-$policy.bpf" "$probe" >> "$out/kernel.txt"
    done
done
"${jvm[@]}" dev.sluice.benchmarks.MatchCounts > "$out/sluice-counts.txt"
log "seccomp: Sluice, JMH"
load "seccomp:jmh"
# Compiled: both policies on the mix and on the getppid probe, the personality probe for the large policy only
# (the Jitk policy kills personality). Interpreter-only: the mix.
jmh "$out/jmh-compiled.log" "$out/jmh-compiled-seccomp-0.csv" SeccompBenchmark -p records=mix,getppid -p tier=compiled "${compiled[@]}"
jmh "$out/jmh-compiled.log" "$out/jmh-compiled-seccomp-1.csv" SeccompBenchmark -p policy=large -p records=personality -p tier=compiled "${compiled[@]}"
jmh "$out/jmh-interpreter.log" "$out/jmh-interpreter-seccomp.csv" SeccompBenchmark -p records=mix -p tier=interpreter "${interpreted[@]}"
load "end"

fi # measure
mapfile -t sets < "$out/sets.txt"
# --- table -------------------------------------------------------------------------------------------------------
{
    echo "# Sluice and its peers, $(date -u '+%Y-%m-%d %H:%M UTC'), $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, kernel $(uname -r)"
    echo "# JDK: $("$JAVA_HOME/bin/java" -version 2>&1 | sed -n 2p); $(head -1 "$bench/data/tcpdump-version.txt"), $(sed -n 2p "$bench/data/tcpdump-version.txt"); $(cc --version | head -1)"
    echo "# load average (1 min) at each step: $(awk '{printf "%s%s %s", sep, $2, $3; sep=", "}' "$out/load.txt")${quick:+; QUICK RUN: rough numbers}"
    echo "# compiled-tier trials measured before their roots reached Tier 2: $(grep -c 'not all at Tier 2' "$out/jmh-compiled.log" || true)"
    echo "# verdicts checked against libpcap, packet by packet (FNV-1a hash): $(cat "$out"/sluice-verdicts-*.txt | grep -c '^sluice-verdicts ') Sluice runs (the compiled code after its measurement), the gcc limit, the kernel JIT, BranchProfile's tracer"
    for s in "${sets[@]}"; do sed -n 's/^[^:]*: \(.*\)/# '"$s"' set: \1/p' "$out/workload-$s.txt"; done
    awk -F'\t' 'NR>1 {print "insns", $1, $2}' "$bench/data/filters.tsv"
    for policy in large jitk; do echo "insns $policy $(( $(stat -c %s "$bench/data/seccomp-$policy.bpf") / 8 ))"; done
    for s in "${sets[@]}"; do
        for f in "${filters[@]}"; do awk -v s="$s" '{ $3 = s "/" $3; print "peer", $0 }' "$out/peers-$s-$f.txt"; done
        cat "$out/profile-$s.txt"
    done
    cat "$out/kernel.txt"
    sed 's/^/counts /' "$out/sluice-counts.txt"
    cat "$out"/interleaved-*.txt 2>/dev/null || true
    for s in "${sets[@]}"; do
        grep '^sluice-min ' "$out/sluice-verdicts-$s.txt" | awk -v s="$s" '{ $2 = s "/" $2; print }'
        if [ -f "$out/baseline-verdicts-$s.txt" ]; then grep '^sluice-min ' "$out/baseline-verdicts-$s.txt" | awk -v s="$s" '{ $2 = s "/" $2; $3 = "base-" $3; print }'; fi
    done
    if [ -n "$baseline" ]; then
        base_rev=$(git -C "$root" rev-parse --short "$baseline^{commit}")
        echo "# baseline engine: $base_rev ($(git -C "$root" log -1 --format=%s "$base_rev" | cut -c1-80))"
    fi
    for csv in "$out"/jmh-*.csv; do
        prefix=""; case "$csv" in */jmh-baseline-*) prefix="base-" ;; esac
        pset=$(basename "$csv" | sed -n 's/^jmh-[a-z]*-socket-\([a-z]*\).*/\1/p')
        tr -d '"\r' < "$csv" | awk -F, -v prefix="$prefix" -v set="$pset" 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
        { n = split($1, p, "."); kind = p[n - 1] ~ /Seccomp/ ? "seccomp" : "socket";
          name = kind == "seccomp" ? $col["Param: policy"] ":" $col["Param: records"] : set "/" $col["Param: filter"];
          printf "sluice %s %s %s%s %s %.2f %s\n", kind, name, prefix, $col["Param: tier"], p[n], $col["Score"], $col["Score Error (99.9%)"] }'
    done
} > "$out/results.txt"
awk -f "$bench/table.awk" "$out/results.txt" | tee "$out/table.txt"

if [ -n "$update_docs" ]; then
    # The table replaces what lies between the two markers in docs/performance.md.
    doc="$root/docs/performance.md"
    awk -v table="$out/table.txt" '
        /<!-- compare.sh:begin -->/ { print; print "```"; while ((getline line < table) > 0) print line; print "```"; skip = 1; next }
        /<!-- compare.sh:end -->/ { skip = 0 }
        !skip { print }' "$doc" > "$doc.new" && mv "$doc.new" "$doc"
    log "docs/performance.md updated"
fi
