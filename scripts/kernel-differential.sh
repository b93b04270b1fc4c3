#!/usr/bin/env bash
# A large differential campaign against the live kernel (root, Linux x86_64): random programs run by the kernel and
# by Sluice interpreted and compiled by Graal, every (program, input) pair compared.
#
#   scripts/kernel-differential.sh [bpf|ebpf] [--pairs N] [--seed S]
#
# bpf (default): classic socket filters, N/100 programs x 100 packets (RandomProgramDifferentialTest
# #socketFiltersAgree); ebpf: socket filters and XDP programs, N/200 programs x 100 packets per program type
# (EbpfDifferentialTest). Default N = 1,000,000; the seed is random unless given. Prints the seed and the counts;
# exits non-zero on any mismatch. Each program costs one Graal compilation, so 10^6 pairs take tens of minutes.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
what=bpf
pairs=1000000
seed="$(od -An -N6 -tu8 /dev/urandom | tr -d ' ')"
while [ $# -gt 0 ]; do
    case "$1" in
        bpf|ebpf) what="$1"; shift ;;
        --pairs) pairs="$2"; shift 2 ;;
        --seed) seed="$2"; shift 2 ;;
        *) echo "usage: scripts/kernel-differential.sh [bpf|ebpf] [--pairs N] [--seed S]" >&2; exit 2 ;;
    esac
done
log="$root/tests/target/kernel-differential-$what-$seed.log"
mkdir -p "$root/tests/target"
if [ "$what" = bpf ]; then
    test='RandomProgramDifferentialTest#socketFiltersAgree'
    sizes=(-Dsluice.random.programs=$((pairs / 100)) -Dsluice.random.packets=100)
else
    test='EbpfDifferentialTest'
    sizes=(-Dsluice.ebpf.programs=$((pairs / 200)) -Dsluice.ebpf.packets=100)
fi
echo "scripts/kernel-differential.sh: $what, $pairs pairs, seed $seed; log in $log" >&2
set +e
env -u JAVA_HOME ./mvnw -B -pl tests -am verify "-Dtest=$test" -Dsurefire.failIfNoSpecifiedTests=false \
    "-Dsluice.random.seed=$seed" "${sizes[@]}" > "$log" 2>&1
status=$?
set -e
grep -E 'pairs compared|mismatches|kernel kept|programs \(|SKIPPED|Tests run:.*Fail' "$log" | grep -v '^\[INFO\] Tests run: [0-9]*, Failures: 0, Errors: 0, Skipped: 0$' | head -20 >&2 || true
exit "$status"
