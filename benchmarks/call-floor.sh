#!/usr/bin/env bash
# The host-to-guest floor of Sluice's single call, in one JMH run (docs/performance.md, "Single call: the
# host-to-guest floor"): CallFloorBenchmark times Value.execute(byte[]) per packet into Sluice's tcp port 80 filter,
# a `ret #0` filter and GraalJS functions of the same shape, with the JVM flags of benchmarks/compare.sh.
# Usage: benchmarks/call-floor.sh [JMH options...]   (default: -f 1 -wi 5 -i 5 -w 1s -r 1s)
# Prints the load average before and after, the JMH table and each trial's fastest/median pass (call-floor-min), then
# runs all callees in one JVM in rotation (CallFloorBenchmark.main; SLUICE_CALL_FLOOR_SECONDS, default 20) for ratios
# under one load. SLUICE_CALL_FLOOR_JMH=no skips the JMH part; SLUICE_CALL_FLOOR_CALLEES="a b ..." chooses the callees
# of the rotation (variants: a Sluice callee with -unblinded, any with -entered; js-constant and js-tcp-port-80 must be among them).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bench="$root/benchmarks"
. "$root/scripts/find-jdk25.sh"
sluice_find_jdk25
(cd "$root" && ./mvnw -q -o -DskipTests -pl benchmarks -am package) >&2
[ $# -gt 0 ] || set -- -f 1 -wi 5 -i 5 -w 1s -r 1s
cp="$bench/target/sluice-benchmarks.jar:$(printf '%s:' "$bench"/target/lib/*.jar)"
echo "load before: $(cat /proc/loadavg)"
[ "${SLUICE_CALL_FLOOR_JMH:-yes}" = no ] || "$JAVA_HOME/bin/java" -XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI "--upgrade-module-path=$bench/target/compiler" \
    --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
    "-Dpolyglot.engine.userResourceCache=$bench/target/truffle-cache" \
    "-Dsluice.bench.data=$bench/data" -cp "$cp" org.openjdk.jmh.Main CallFloorBenchmark "$@"
echo "load after JMH: $(cat /proc/loadavg)"
# Then all callees in one JVM, timed in rotation: the ratios under one and the same load.
"$JAVA_HOME/bin/java" -XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI "--upgrade-module-path=$bench/target/compiler" \
    --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
    "-Dpolyglot.engine.userResourceCache=$bench/target/truffle-cache" \
    "-Dsluice.bench.data=$bench/data" -cp "$cp" dev.sluice.benchmarks.CallFloorBenchmark "${SLUICE_CALL_FLOOR_SECONDS:-20}" \
    ${SLUICE_CALL_FLOOR_CALLEES:-}
