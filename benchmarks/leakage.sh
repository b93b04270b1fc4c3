#!/usr/bin/env bash
# dudect-style timing-leakage report for constant-time mode (see docs/constant-time.md).
# Usage: benchmarks/leakage.sh [samples-per-class]   (default 200000)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bench="$root/benchmarks"
. "$root/scripts/find-jdk25.sh"
sluice_find_jdk25
(cd "$root" && { ./mvnw -q -o -DskipTests -pl benchmarks -am package 2>/dev/null || ./mvnw -q -DskipTests -pl benchmarks -am package; }) >&2
cp="$bench/target/sluice-benchmarks.jar:$(printf '%s:' "$bench"/target/lib/*.jar)"
exec "$JAVA_HOME/bin/java" -XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI "--upgrade-module-path=$bench/target/compiler" \
    --enable-native-access=ALL-UNNAMED "-Dpolyglot.engine.userResourceCache=$bench/target/truffle-cache" \
    -cp "$cp" dev.sluice.benchmarks.ConstantTimeLeakage "$@"
