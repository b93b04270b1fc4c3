#!/usr/bin/env bash
# Cold start and memory (see docs/performance.md):
#  - ColdStart: eval of a 4096-instruction socket filter to its first compiled execution, each mode in a fresh JVM:
#    eager (engine.CompileImmediately=true, engine.BackgroundCompilation=false), eager after one small compilation
#    (eager-warm) and after eight 1024-instruction compilations (eager-hot: the compiler itself JIT-compiled), and
#    default (Truffle's thresholds); eager-aot: eager in a runtime image without the JDK's stub compiler module, the
#    compiler on the plain module path and the JDK's AOT cache trained on one eager run (docs/performance.md, "The
#    compiler's classes from an AOT cache"), alternated with eager on the stock JDK; split 1|2|4: one program or its
#    halves or quarters, compiled in parallel in the background, to the last part's code (ColdStart.split);
#  - EbpfColdStart: a 4096-instruction eBPF program with its loads proven (verified) and guarded (unverified), eager,
#    the compiler warm;
#  - resident memory (/usr/bin/time -v, maximum RSS) of `sluice run --pcap` over the 10,000-frame set and of
#    `sluice check` on the large seccomp policy.
# Usage: benchmarks/startup.sh   (after benchmarks/compare.sh, or it builds what it needs)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bench="$root/benchmarks"
out="$bench/target/compare"
. "$root/scripts/find-jdk25.sh"
sluice_find_jdk25
mkdir -p "$out"
if [ ! -f "$bench/target/sluice-benchmarks.jar" ]; then
    (cd "$root" && ./mvnw -q -DskipTests -pl benchmarks -am package) >&2
fi
cp="$bench/target/sluice-benchmarks.jar:$(printf '%s:' "$bench"/target/lib/*.jar)"
jvm=("$JAVA_HOME/bin/java" -XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI "--upgrade-module-path=$bench/target/compiler"
    --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow "-Dpolyglot.engine.userResourceCache=$bench/target/truffle-cache" -cp "$cp")
pcap="$out/packets.pcap"
[ -f "$pcap" ] || "${jvm[@]}" dev.sluice.benchmarks.PacketSet "$pcap" >&2
{
    echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
    for mode in eager eager-warm eager-hot default; do
        "${jvm[@]}" dev.sluice.benchmarks.ColdStart "$mode" 4096
    done
    # eBPF: a verified and an unverified 4096-instruction program, the compiler warm (EbpfColdStart).
    for mode in verified unverified; do
        "${jvm[@]}" dev.sluice.benchmarks.EbpfColdStart "$mode" 4096 8 2>/dev/null
    done
    # split: the upper bound of compiling a program's parts in parallel (ColdStart.split), twice, alternated.
    for _ in 1 2; do
        for parts in 1 2 4; do
            "${jvm[@]}" dev.sluice.benchmarks.ColdStart split "$parts"
        done
    done
    # eager-aot: the image (no jdk.graal.compiler in it), then the cache, then three pairs with the stock layout.
    image="$out/coldstart-runtime"
    if [ ! -x "$image/bin/java" ]; then
        "$JAVA_HOME/bin/jlink" --add-modules java.base,java.logging,java.management,jdk.management,jdk.unsupported,jdk.internal.vm.ci,java.sql,jdk.jfr,java.desktop,jdk.zipfs,java.net.http \
            --output "$image" --no-header-files --no-man-pages >&2
    fi
    # truffle-compiler, word and collections go on the module path with the compiler, not on the class path.
    aotcp="$bench/target/sluice-benchmarks.jar:$(printf '%s:' "$bench"/target/lib/*.jar | tr ':' '\n' |
        grep -v -e '/truffle-compiler-' -e '/word-' -e '/collections-' | paste -sd:)"
    aotjvm=("$image/bin/java" -XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI --module-path "$bench/target/compiler"
        --add-modules jdk.graal.compiler,org.graalvm.truffle.compiler --enable-native-access=ALL-UNNAMED
        --sun-misc-unsafe-memory-access=allow "-Dpolyglot.engine.userResourceCache=$bench/target/truffle-cache" -cp "$aotcp")
    rm -f "$out/coldstart.aot" "$out/coldstart.aotconf"
    "${aotjvm[@]}" -XX:AOTMode=record -XX:AOTConfiguration="$out/coldstart.aotconf" -Xlog:aot=error -Xlog:cds=error \
        dev.sluice.benchmarks.ColdStart eager 4096 >/dev/null 2>&1
    "${aotjvm[@]}" -XX:AOTMode=create -XX:AOTConfiguration="$out/coldstart.aotconf" -XX:AOTCache="$out/coldstart.aot" \
        -Xlog:aot=error -Xlog:cds=error >/dev/null 2>&1
    for _ in 1 2 3; do
        "${jvm[@]}" dev.sluice.benchmarks.ColdStart eager 4096
        # -XX:AOTMode=on: a cache the JVM cannot use stops the run instead of being ignored.
        "${aotjvm[@]}" -XX:AOTCache="$out/coldstart.aot" -XX:AOTMode=on dev.sluice.benchmarks.ColdStart eager 4096 |
            sed 's/^coldstart eager /coldstart eager-aot /'
    done
    "$root/sluice.sh" check "$bench/data/seccomp-large.bpf" >/dev/null 2>&1 || true # builds the launcher if needed
    rss() { /usr/bin/time -f '%M %e' "$@" 2>&1 >/dev/null | tail -1; }
    read -r kb secs < <(rss "$root/sluice.sh" run "$bench/data/tcp-port-80.ddd" --profile socket --pcap "$pcap" --count)
    echo "memory: sluice run --pcap (10,000 frames, tcp port 80): max RSS $((kb / 1024)) MB, $secs s"
    read -r kb secs < <(rss "$root/sluice.sh" check "$bench/data/seccomp-large.bpf")
    echo "memory: sluice check (772-instruction seccomp policy): max RSS $((kb / 1024)) MB, $secs s"
} | tee "$out/startup.txt"
