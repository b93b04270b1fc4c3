#!/usr/bin/env bash
# The chunk-size benchmark of docs/flink.md (not a test): dev.sluice.flink.ChunkSizeBenchmark on a local MiniCluster,
# with the JVM set up as run-local.sh sets it up. Arguments: DIR [PACKETS_PER_FILE [FILES [REPEATS [EXPRESSION]]]].
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
. "$root/scripts/find-jdk25.sh"
sluice_find_jdk25
target="$here/target"
(cd "$root" && ./mvnw -B -q -DskipTests -pl flink -am package >&2)
exec "$JAVA_HOME/bin/java" \
    -XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI --upgrade-module-path="$target/compiler" \
    --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -Xss8m -Xmx4g \
    -Dpolyglot.engine.userResourceCache="$target/truffle-cache" \
    -Dlog4j2.configurationFile="$here/src/local/log4j2.properties" \
    -cp "$target/flink-lib/*:$target/flink-local/*:$target/sluice-flink-0.1.0-SNAPSHOT.jar:$target/test-classes" \
    dev.sluice.flink.ChunkSizeBenchmark "$@"
