#!/usr/bin/env bash
# Builds the standalone tarball's Java runtime (called by component/pom.xml at package):
# 1. jlink: a runtime image of every module in STAGE/modules (the launcher, the languages, Truffle, polyglot,
#    picocli, Jackson) plus JVMCI, so `bin/sluice` needs no installed JDK. The Graal compiler (compiler.jar) stays
#    outside the image, for --upgrade-module-path when a run wants it.
# 2. The AOT cache for the short commands, trained with the image's own java on the bundled examples. Classes in a
#    runtime image are found by module name, not by path, so the cache still applies after the tarball is unpacked
#    anywhere.
# 3. The AOT cache for runs with the Graal compiler (runtime/lib/sluice-jit.aot), trained on compilations, with the
#    compiler's directory open on descriptor 77 as bin/sluice opens it (lib/sluice-jit.jvmargs says why).
# Usage: runtime.sh JDK_HOME STAGE_DIR EXAMPLES_DIR
set -euo pipefail
jdk="$1"
stage="$2"
examples="$3"
rm -rf "$stage/runtime" "$stage/jmods"
mkdir -p "$stage/jmods"
for jar in "$stage"/modules/*.jar; do
    case "$(basename "$jar")" in
        compiler.jar) ;;
        *) mv "$jar" "$stage/jmods/" ;;
    esac
done
"$jdk/bin/jlink" --module-path "$stage/jmods" --add-modules ALL-MODULE-PATH,jdk.internal.vm.ci,jdk.unsupported,jdk.management \
    --output "$stage/runtime" --strip-debug --no-header-files --no-man-pages --compress zip-6
rm -rf "$stage/jmods"
# The AOT cache, trained with the image's own java and the flags bin/sluice starts it with (lib/sluice-no-jit.jvmargs).
train="$(dirname "${BASH_SOURCE[0]}")/../../../scripts/sluice-aot-train.sh"
"$train" "$stage/runtime/bin/java" "$stage/runtime/lib/sluice.aot" "$examples"
# The JIT cache (Graal's classes, loaded and linked, and the profiles of its methods).
(
    exec 77<"$stage/modules"
    SLUICE_AOT_FLAGS="$(dirname "${BASH_SOURCE[0]}")/../lib/sluice-jit.jvmargs" SLUICE_AOT_TRAINING="aot-training --compile" \
        "$train" "$stage/runtime/bin/java" "$stage/runtime/lib/sluice-jit.aot" "$examples" \
        -Dpolyglot.engine.userResourceCache="$stage/truffle-cache"
)
