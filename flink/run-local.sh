#!/usr/bin/env bash
# Runs dev.sluice.flink.PcapFilterJob on a local Flink MiniCluster inside one JVM, set up as a TaskManager must be
# (docs/flink.md): JDK 25, the JVMCI flags with the Graal compiler jars on the upgrade module path, and Truffle,
# polyglot and the Sluice jars on the JVM's own class path beside Flink's, the job's classes last.
#   flink/run-local.sh --input PATH --filter PROGRAM --output DIR [--count] [job options]
# Prints the number of matching packets on its last line (it adds --count). Builds the module first when needed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
. "$root/scripts/find-jdk25.sh"
sluice_find_jdk25
target="$here/target"
jar="$target/sluice-flink-0.1.0-SNAPSHOT.jar"
if [ ! -f "$jar" ] || [ ! -d "$target/flink-lib" ] || [ ! -d "$target/flink-local" ] \
    || [ -n "$(find "$root/language" "$here/src/main" "$here/pom.xml" -path '*/src/main/*' -newer "$jar" -print -quit 2>/dev/null)" ]; then
    echo "run-local.sh: building (./mvnw package -DskipTests -pl flink -am)..." >&2
    (cd "$root" && ./mvnw -B -q -DskipTests -pl flink -am package >&2)
fi
count=(--count)
for a in "$@"; do
    if [ "$a" = "--count" ]; then count=(); fi
done
exec "$JAVA_HOME/bin/java" \
    -XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI --upgrade-module-path="$target/compiler" \
    --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -Xss8m \
    -Dpolyglot.engine.userResourceCache="$target/truffle-cache" \
    -Dlog4j2.configurationFile="$here/src/local/log4j2.properties" \
    -cp "$target/flink-lib/*:$target/flink-local/*:$jar" \
    dev.sluice.flink.PcapFilterJob "$@" "${count[@]}"
