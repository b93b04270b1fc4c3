#!/usr/bin/env bash
# Runs the sluice command from a source checkout, building it first when needed.
# Commands start without JVMCI and with the JDK's AOT cache that the build trained (launcher/target/sluice.aot);
# --version and --engine.* options start with the Graal compiler (scripts/sluice-jit-choice.sh says why).
# SLUICE_JIT=on|off overrides the choice.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$root/scripts/find-jdk25.sh"
sluice_find_jdk25
jar="$root/launcher/target/sluice-launcher-0.1.0-SNAPSHOT.jar"
stale=""
if [ ! -f "$jar" ]; then
    stale=yes
elif [ -n "$(find "$root/language" "$root/launcher" -name target -prune -o -path '*/src/main/*' -newer "$jar" -print -quit 2>/dev/null)" ]; then
    stale=yes
fi
if [ -n "$stale" ]; then
    echo "sluice.sh: building (./mvnw package -DskipTests)..." >&2
    (cd "$root" && ./mvnw -q -DskipTests -pl launcher -am package >&2)
fi
. "$root/scripts/sluice-jit-choice.sh"
sluice_list_caller_fds
# The JIT mode's flags; the no-JIT flags are in scripts/sluice-no-jit.jvmargs, shared with the AOT training.
common=(--enable-native-access=org.graalvm.truffle,dev.sluice.launcher,dev.sluice.inetdiag
        -XX:+UseSerialGC -Xss8m --sun-misc-unsafe-memory-access=allow)
if sluice_wants_jit "$@"; then
    mode=(-XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI --upgrade-module-path="$root/launcher/target/compiler" "${common[@]}")
else
    mode=(-XX:AOTCache="$root/launcher/target/sluice.aot" -Xlog:aot=off -Xlog:cds=off @"$root/scripts/sluice-no-jit.jvmargs")
fi
exec "$JAVA_HOME/bin/java" "${mode[@]}" -Dsluice.callerFds="$sluice_caller_fds" \
    --module-path="$jar:$root/launcher/target/modules" \
    -Dpolyglot.engine.userResourceCache="$root/launcher/target/truffle-cache" \
    -m dev.sluice.launcher/dev.sluice.launcher.Main "$@"
