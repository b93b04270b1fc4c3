#!/usr/bin/env bash
# Trains the JDK's AOT cache of the short commands (called at package by launcher/pom.xml and by the tarball's
# component/src/build/runtime.sh): the hidden `aot-training` command runs on the bundled examples with
# -XX:AOTMode=record, then -XX:AOTMode=create writes the cache. Both runs take the flags of sluice-no-jit.jvmargs,
# the file sluice.sh and bin/sluice start the JVM with, so the cache matches the runs that use it. The JDK prints
# its progress lines whatever -Xlog says; they go to OUTPUT.log, shown only when a step fails.
# SLUICE_AOT_FLAGS names another flags file and SLUICE_AOT_TRAINING another workload (the tarball's cache of the
# runs with the Graal compiler: lib/sluice-jit.jvmargs and `aot-training --compile`).
# Usage: sluice-aot-train.sh JAVA OUTPUT.aot EXAMPLES_DIR [JVM OPTIONS, e.g. --module-path=...]
set -euo pipefail
java="$1"
out="$2"
examples="$3"
shift 3
flags="${SLUICE_AOT_FLAGS:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/sluice-no-jit.jvmargs}"
read -r -a training <<<"${SLUICE_AOT_TRAINING:-aot-training}"
conf="$out.conf"
log="$out.log"
rm -f "$out" "$conf"
if ! "$java" -XX:AOTMode=record -XX:AOTConfiguration="$conf" -Xlog:aot=error -Xlog:cds=error @"$flags" "$@" \
        -m dev.sluice.launcher/dev.sluice.launcher.Main "${training[@]}" "$examples" >"$log" 2>&1 ||
    ! "$java" -XX:AOTMode=create -XX:AOTConfiguration="$conf" -XX:AOTCache="$out" -Xlog:aot=error -Xlog:cds=error @"$flags" "$@" \
        -m dev.sluice.launcher/dev.sluice.launcher.Main >>"$log" 2>&1; then
    echo "sluice-aot-train.sh: training the AOT cache $out failed:" >&2
    cat "$log" >&2
    exit 1
fi
rm -f "$conf" "$log"
