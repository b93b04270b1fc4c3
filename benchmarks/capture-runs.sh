#!/usr/bin/env bash
# `sluice run --pcap` with and without the Graal compiler, side by side in one hyperfine run (docs/performance.md,
# "Runs over a capture"): the 10,000-frame generated set, and the same frames repeated 20, 100 and 400 times
# (200,000 to 4,000,000 packets, 89 MB to 1.8 GB).
# Usage: benchmarks/capture-runs.sh [RUNS]   (needs hyperfine and python3; builds what it needs)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bench="$root/benchmarks"
out="$bench/target/capture-runs"
runs="${1:-3}"
. "$root/scripts/find-jdk25.sh"
sluice_find_jdk25
mkdir -p "$out"
if [ ! -f "$bench/target/sluice-benchmarks.jar" ]; then
    (cd "$root" && ./mvnw -q -DskipTests -pl benchmarks -am package) >&2
fi
cp="$bench/target/sluice-benchmarks.jar:$(printf '%s:' "$bench"/target/lib/*.jar)"
[ -f "$out/x1.pcap" ] || "$JAVA_HOME/bin/java" -cp "$cp" dev.sluice.benchmarks.PacketSet "$out/x1.pcap" >&2
for times in 20 100 400; do
    [ -f "$out/x$times.pcap" ] || python3 - "$out/x1.pcap" "$out/x$times.pcap" "$times" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
with open(sys.argv[2], "wb") as f:
    f.write(data[:24])  # the pcap global header once, then the records again and again
    for _ in range(int(sys.argv[3])):
        f.write(data[24:])
PY
done
"$root/sluice.sh" --version >/dev/null # builds the launcher if needed
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)" >"$out/report.md"
for times in 1 20 100 400; do
    cmd="$root/sluice.sh run $bench/data/tcp-port-80.ddd --profile socket --pcap $out/x$times.pcap --count"
    hyperfine -N -w 1 -r "$runs" --export-markdown "$out/x$times.md" -n "x$times default" "$cmd" \
        -n "x$times SLUICE_JIT=on" "env SLUICE_JIT=on $cmd" >&2
    cat "$out/x$times.md" >>"$out/report.md"
done
echo "# end, load average $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/report.md"
cat "$out/report.md"
