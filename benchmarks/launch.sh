#!/usr/bin/env bash
# Command start-up, side by side in one hyperfine run (issue 12 item 4; docs/performance.md "Command start-up"):
#   a bare `java -version` of the same JDK; `sluice check` of a small policy and `sluice exec POLICY -- /bin/true`
#   (against `/bin/true` alone), each as a repeat run (the policy cache holds the file: the warm-up runs wrote it)
#   and as a first run (the cache directory emptied before every run); `sluice check` with the Graal compiler forced
#   on (SLUICE_JIT=on, the start every command had before); and the standalone tarball's bin/sluice.
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
warm="$out/cache-warm"   # XDG_CACHE_HOME of the repeat runs
cold="$out/cache-cold"   # XDG_CACHE_HOME of the first runs: emptied before each
"$root/sluice.sh" check "$policy" >/dev/null # builds the launcher if it is stale
names=() commands=() prepares=()
bench() { # NAME PREPARE COMMAND
    names+=(-n "$1") prepares+=(--prepare "$2") commands+=("$3")
}
bench "java -version" true "$JAVA_HOME/bin/java -version"
bench "sluice check" true "env XDG_CACHE_HOME=$warm $root/sluice.sh check $policy"
bench "sluice check, first run" "rm -rf $cold" "env XDG_CACHE_HOME=$cold $root/sluice.sh check $policy"
bench "sluice check (Graal on)" true "env XDG_CACHE_HOME=$warm SLUICE_JIT=on $root/sluice.sh check $policy"
bench "standalone check" true "env XDG_CACHE_HOME=$warm $standalone check $policy"
bench "standalone check, first run" "rm -rf $cold" "env XDG_CACHE_HOME=$cold $standalone check $policy"
bench "/bin/true" true "/bin/true"
bench "sluice exec -- /bin/true" true "env XDG_CACHE_HOME=$warm $root/sluice.sh exec $policy -- /bin/true"
bench "sluice exec -- /bin/true, first run" "rm -rf $cold" "env XDG_CACHE_HOME=$cold $root/sluice.sh exec $policy -- /bin/true"
bench "standalone exec -- /bin/true" true "env XDG_CACHE_HOME=$warm $standalone exec $policy -- /bin/true"
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
# hyperfine takes the -n and --prepare options in the order of the commands they belong to.
hyperfine -N --warmup 3 --runs "$runs" --export-json "$out/launch.json" --style none \
    "${names[@]}" "${prepares[@]}" "${commands[@]}" >/dev/null
python3 - "$out/launch.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
m = lambda n: r[n]["mean"]
jv, true = m("java -version"), m("/bin/true")
# CPU time (user + system) as well: on a loaded machine the wall times stretch unevenly, the CPU times much less.
cpu = lambda n: r[n]["user"] + r[n]["system"]
print("| command | mean | sd | vs `java -version` | CPU (user+sys) | CPU vs `java -version` |")
print("|---|---|---|---|---|---|")
for n, x in r.items():
    print(f"| `{n}` | {x['mean']*1000:.0f} ms | {x['stddev']*1000:.0f} ms | {x['mean']/jv:.1f}x | {cpu(n)*1000:.0f} ms | {cpu(n)/cpu('java -version'):.1f}x |")
limit = max(0.25, 8 * jv)
for n in ("sluice check", "sluice check, first run", "standalone check", "standalone check, first run"):
    print(f"{n}: {m(n)/jv:.1f}x java -version (target <= 8x): {'met' if m(n) <= 8 * jv else 'MISSED'}")
for n in ("sluice exec -- /bin/true", "sluice exec -- /bin/true, first run", "standalone exec -- /bin/true"):
    added = m(n) - true
    print(f"{n}: adds {added*1000:.0f} ms over /bin/true (target <= {limit*1000:.0f} ms): {'met' if added <= limit else 'MISSED'}")
print(f"Graal on vs default start for check: {m('sluice check (Graal on)')/m('sluice check'):.1f}x slower")
PY
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
