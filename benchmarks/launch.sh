#!/usr/bin/env bash
# Command start-up, side by side in one hyperfine run (issue 12 item 4; docs/performance.md "Command start-up"):
#   a bare `java -version` of the same JDK; `sluice check` of a small policy with the default start (no JVMCI, AOT
#   cache) and with the Graal compiler forced on (SLUICE_JIT=on, the start every command had before); `sluice exec
#   POLICY -- /bin/true` against `/bin/true` alone; and the standalone tarball's bin/sluice (its own jlink runtime).
# Targets: check <= 8x `java -version`; exec adds <= max(0.25 s, 8x `java -version`) over /bin/true.
# Usage: benchmarks/launch.sh [RUNS]     (after ./mvnw package; needs hyperfine, installed with apt-get when root)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${1:-20}"
out="$root/benchmarks/target/launch"
. "$root/scripts/find-jdk25.sh"
sluice_find_jdk25
if ! command -v hyperfine >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get install -y -qq hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
    else
        echo "launch.sh: needs hyperfine (apt-get install hyperfine)" >&2
        exit 2
    fi
fi
tarball="$(ls "$root"/component/target/sluice-*-linux-amd64.tar.gz 2>/dev/null | head -1)"
[ -n "$tarball" ] && [ -f "$root/launcher/target/sluice.aot" ] || { echo "launch.sh: build first: ./mvnw package -DskipTests" >&2; exit 2; }
rm -rf "$out" && mkdir -p "$out/unpacked"
tar xzf "$tarball" -C "$out/unpacked"
standalone="$(ls -d "$out"/unpacked/sluice-*)/bin/sluice"
policy="$root/examples/deny-mkdir.scpl"
"$root/sluice.sh" check "$policy" >/dev/null # builds the launcher if it is stale
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
hyperfine -N --warmup 3 --runs "$runs" --export-json "$out/launch.json" --style none \
    -n "java -version" "$JAVA_HOME/bin/java -version" \
    -n "sluice check" "$root/sluice.sh check $policy" \
    -n "sluice check (Graal on)" "env SLUICE_JIT=on $root/sluice.sh check $policy" \
    -n "standalone check" "$standalone check $policy" \
    -n "/bin/true" "/bin/true" \
    -n "sluice exec -- /bin/true" "$root/sluice.sh exec $policy -- /bin/true" \
    -n "standalone exec -- /bin/true" "$standalone exec $policy -- /bin/true" >/dev/null
python3 - "$out/launch.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
m = lambda n: r[n]["mean"]
jv, true = m("java -version"), m("/bin/true")
print("| command | mean | sd | vs `java -version` |")
print("|---|---|---|---|")
for n, x in r.items():
    print(f"| `{n}` | {x['mean']*1000:.0f} ms | {x['stddev']*1000:.0f} ms | {x['mean']/jv:.1f}x |")
limit = max(0.25, 8 * jv)
for n in ("sluice check", "standalone check"):
    print(f"{n}: {m(n)/jv:.1f}x java -version (target <= 8x): {'met' if m(n) <= 8 * jv else 'MISSED'}")
for n in ("sluice exec -- /bin/true", "standalone exec -- /bin/true"):
    added = m(n) - true
    print(f"{n}: adds {added*1000:.0f} ms over /bin/true (target <= {limit*1000:.0f} ms): {'met' if added <= limit else 'MISSED'}")
print(f"Graal on vs default start for check: {m('sluice check (Graal on)')/m('sluice check'):.1f}x slower")
PY
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
