#!/usr/bin/env bash
# Coverage-guided fuzzing campaigns (Jazzer, libFuzzer's engine) for every entry point that takes untrusted input.
#
#   scripts/fuzz.sh --list                      the targets, one per line: name, then the @FuzzTest it runs
#   scripts/fuzz.sh TARGET [--minutes N] [--timeout S]
#                                               one campaign (default 10 minutes); exit 0 when it found nothing.
#                                               An input running longer than S seconds (default 300) is a finding.
#
# The targets are the @FuzzTest methods in tests/src/test/java/dev/sluice/tests/fuzz. A campaign starts from the
# inputs kept in the repository (tests/src/test/resources/dev/sluice/tests/fuzz/<Class>Inputs/<method>/, which
# `./mvnw verify` replays as regression tests) and a working corpus under tests/target/fuzz/TARGET/. At the end the
# inputs that reach new coverage are merged into the kept inputs (commit them), and a finding is copied there too,
# so that it stays a regression test once fixed. libFuzzer's statistics (executions, coverage) go to
# tests/target/fuzz/TARGET/log and the last lines are printed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

targets() {
    cat <<'EOF'
bpf-text            BpfFuzzTest#textFormats
bpf-raw             BpfFuzzTest#rawProgramsVerifyAndRun
bpf-kernel          KernelBpfFuzzTest#socketFiltersAgreeWithKernel                 graal
scpl                ScplFuzzTest#policiesCompileAndDecideAsTheyMean
oci                 ScplFuzzTest#ociProfilesImportToPoliciesThatCompile
ebpf-asm            EbpfFuzzTest#assemblyReadsBackAsWritten
ebpf-raw            EbpfFuzzTest#rawProgramsLoadOrAreRefused
ebpf-elf            EbpfFuzzTest#elfObjectsReadOrAreRefused
ebpf-kernel         KernelEbpfFuzzTest#programsTheKernelAcceptsRunAsInTheKernel    graal
inetdiag-filter     InetDiagFuzzTest#filtersCompileToBytecodeTheCheckerAccepts
inetdiag-bytecode   InetDiagFuzzTest#bytecodeCheckedAsTheKernelChecksAndRun
EOF
}

usage() {
    echo "usage: scripts/fuzz.sh --list | TARGET [--minutes N] [--timeout S]" >&2
    exit 2
}

[ $# -ge 1 ] || usage
if [ "$1" = "--list" ]; then
    targets
    exit 0
fi
target="$1"
shift
minutes=10
# libFuzzer's own default is 1200 s. 300 s still reports a real hang within minutes, while a niced campaign that
# shares two cores with builds (which starve it for a while) does not report a slow-but-finite input as a hang.
timeout=300
while [ $# -gt 0 ]; do
    case "$1" in
        --minutes) [ $# -ge 2 ] || usage; minutes="$2"; shift 2 ;;
        --timeout) [ $# -ge 2 ] || usage; timeout="$2"; shift 2 ;;
        *) usage ;;
    esac
done
case "$minutes" in ''|*[!0-9]*) echo "scripts/fuzz.sh: --minutes takes a whole number, not '$minutes'" >&2; exit 2 ;; esac
case "$timeout" in ''|*[!0-9]*) echo "scripts/fuzz.sh: --timeout takes a whole number of seconds, not '$timeout'" >&2; exit 2 ;; esac
test_ref="$(targets | awk -v t="$target" '$1 == t { print $2 }')"
if [ -z "$test_ref" ]; then
    echo "scripts/fuzz.sh: no target '$target'; scripts/fuzz.sh --list names them" >&2
    exit 2
fi
compiles="$(targets | awk -v t="$target" '$1 == t { print $3 }')"
class="${test_ref%%#*}"
method="${test_ref##*#}"

. "$root/scripts/find-jdk25.sh"
sluice_find_jdk25 || exit 1
work="$root/tests/target/fuzz/$target"
rm -rf "$work/findings"
mkdir -p "$work/corpus" "$work/findings"
classpath_file="$root/tests/target/fuzz/classpath.txt"

echo "scripts/fuzz.sh: compiling the tests and their classpath (./mvnw test-compile)..." >&2
env JAVA_HOME="$JAVA_HOME" ./mvnw -B -q -pl tests -am test-compile dependency:build-classpath \
    -Dmdep.outputFile="$classpath_file" -Dmdep.includeScope=test -DskipTests > "$work/build.log" 2>&1 || {
    tail -40 "$work/build.log" >&2
    exit 1
}

kept="$root/tests/src/test/resources/dev/sluice/tests/fuzz/${class}Inputs/$method"
mkdir -p "$kept"
classpath="$root/tests/target/test-classes:$(cat "$classpath_file")"
# The same JVM flags as the tests: Graal on the upgrade module path, so the kernel target can compile.
jvm=(-XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI "--upgrade-module-path=$root/tests/target/compiler"
     --enable-native-access=ALL-UNNAMED -XX:+EnableDynamicAgentLoading -Xss8m -Xmx3g
     -Dsluice.fuzz.campaign=true)
jazzer=(com.code_intelligence.jazzer.Jazzer "--target_class=dev.sluice.tests.fuzz.$class" "--target_method=$method"
        "--instrumentation_includes=dev.sluice.**" "--custom_hook_includes=dev.sluice.**")
if [ "$compiles" = graal ]; then
    # Targets that also run guest code compiled by Graal: Truffle partially evaluates the nodes, the interop libraries
    # and the guards, and Jazzer's coverage and hook calls inside them make that fail ("too deep inlining"). Coverage
    # comes from what decides which programs exist: the generator (tests), readers, instruction sets and verifiers.
    guided="dev.sluice.tests.**:dev.sluice.bpf.formats.**:dev.sluice.bpf.isa.**:dev.sluice.bpf.verify.**"
    guided+=":dev.sluice.ebpf.formats.**:dev.sluice.ebpf.isa.**:dev.sluice.ebpf.verify.**"
    jazzer=(com.code_intelligence.jazzer.Jazzer "--target_class=dev.sluice.tests.fuzz.$class" "--target_method=$method"
            "--instrumentation_includes=$guided" "--custom_hook_includes=$guided")
fi

echo "scripts/fuzz.sh: fuzzing $class#$method for $minutes minute(s); log in $work/log" >&2
set +e
"$JAVA_HOME/bin/java" "${jvm[@]}" -cp "$classpath" "${jazzer[@]}" \
    -max_total_time=$((minutes * 60)) -timeout=$timeout -rss_limit_mb=0 -print_final_stats=1 \
    "-artifact_prefix=$work/findings/" "$work/corpus" "$kept" > "$work/log" 2>&1
status=$?
set -e
grep -E '^#[0-9]+[[:space:]]+(DONE|pulse)|^stat::|^Done [0-9]+ runs|^== Java Exception|Test unit written|^SKIPPED' "$work/log" | tail -12 >&2 || true

# Keep what adds coverage (libFuzzer's merge writes into the first directory only what the others add).
"$JAVA_HOME/bin/java" "${jvm[@]}" -cp "$classpath" "${jazzer[@]}" -merge=1 -rss_limit_mb=0 "$kept" "$work/corpus" \
    > "$work/merge.log" 2>&1 || echo "scripts/fuzz.sh: merging the corpus failed; see $work/merge.log" >&2
echo "scripts/fuzz.sh: $(find "$kept" -type f | wc -l) kept inputs in ${kept#$root/}" >&2

# libFuzzer also writes inputs slower than -report_slow_units (10 s) there and goes on: a notice, not a finding (the
# work budget of FuzzChecks.budgeted judges cost, on CPU time rather than on a shared machine's wall time).
slow=$(find "$work/findings" -type f -name 'slow-unit-*' | wc -l)
[ "$slow" -eq 0 ] || echo "scripts/fuzz.sh: $slow input(s) ran longer than 10 s of wall time (not findings): $work/findings/slow-unit-*" >&2
findings=$(find "$work/findings" -type f ! -name 'slow-unit-*' | wc -l)
if [ "$status" -ne 0 ] || [ "$findings" -gt 0 ]; then
    for f in "$work/findings"/*; do
        case "$(basename "$f")" in slow-unit-*) continue ;; esac
        [ -f "$f" ] && cp "$f" "$kept/"
    done
    echo "scripts/fuzz.sh: $target found a problem (exit $status, $findings finding(s), copied into ${kept#$root/}); see $work/log" >&2
    exit 1
fi
echo "scripts/fuzz.sh: $target: no finding in $minutes minute(s)" >&2
