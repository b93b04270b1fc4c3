# Formats benchmarks/target/compare/results.txt (written by compare.sh) as the comparison tables.
# Ratios are Sluice's cost divided by the peer's: below 1 means Sluice is faster.
$1 == "#" { print; next }
$1 == "insns" { insns[$2] = $3 }
# peer WHEN PEER NAME NS ACCEPTED HASH (WHEN: before or after Sluice's JMH run of the same filter)
$1 == "peer" {
    if ($3 == "kernel-empty") { empty[$2] += $5; emptyRuns[$2]++; next }
    if (!(($4) in seen)) { seen[$4] = 1; order[++n] = $4 }
    peer[$3, $4, $2] = $5
}
$1 == "kernel" { sub(/^seccomp-/, "", $2); sub(/\.bpf$/, "", $2); kernel[$2, $3] = $6; base[$3] = $4 }
$1 == "sluice" { t[$2, $3, $4, $5] = $6; if ($4 ~ /^base-/) hasBase = 1 }
function cell(v) { return v == "" ? "     -" : sprintf("%6.2f", v) }
function ratio(a, b) { return (a == "" || b == "" || b <= 0) ? "    -" : sprintf("%5.2f", a / b) }
function mean(p, f) { return (peer[p, f, "before"] + peer[p, f, "after"]) / 2 }
function drift(p, f) { return sprintf("%+4.0f%%", 100 * (peer[p, f, "after"] - peer[p, f, "before"]) / peer[p, f, "before"]) }
function change(f, tier, bench,    a, b) {
    a = t["socket", f, "base-" tier, bench]; b = t["socket", f, tier, bench]
    return (a == "" || b == "") ? sprintf("%-24s", "-") : sprintf("%7.2f -> %6.2f (%+4.0f%%)", a, b, 100 * (b - a) / a)
}
function verdict(ok, what) { return (ok ? "MET    " : "MISSED ") what }
END {
    print ""
    print "Packet filters: the peers, ns per packet over the 10,000-frame set (mean of the runs just before and just after"
    print "Sluice's JMH run of the same filter; drift = after vs before). limit = the filter as straight-line C, gcc -O2."
    print "kernel = the kernel's JIT, its own time per BPF_PROG_TEST_RUN run (each packet 100 times in a row)."
    printf "%-14s %5s | %13s | %13s | %13s\n", "filter", "insns", "limit (drift)", "libpcap", "kernel JIT"
    for (i = 1; i <= n; i++) {
        f = order[i]
        printf "%-14s %5s | %6.2f (%s) | %6.2f (%s) | %6.2f (%s)\n", f, insns[f], mean("limit", f), drift("limit", f),
            mean("libpcap", f), drift("libpcap", f), mean("kernel", f), drift("kernel", f)
    }
    printf "(the kernel's test run of an empty program, ret #0: %.2f ns per run)\n", (empty["before"] + empty["after"]) / (emptyRuns["before"] + emptyRuns["after"])
    print ""
    print "Sluice, ns per packet (JMH), and ratios to the peers above (below 1 = Sluice faster)"
    printf "%-14s | %7s %6s %6s %6s | %7s %6s %8s | %7s %6s %7s | %s\n", "filter", "batch", "/limit", "/kern.", "/pcap",
        "unblind", "/limit", "blinding", "single", "/pcap", "unblind", "interpreter-only: batch single"
    for (i = 1; i <= n; i++) {
        f = order[i]
        b = t["socket", f, "compiled", "batch"]; u = t["socket", f, "unblinded", "batch"]; s = t["socket", f, "compiled", "singleCall"]
        printf "%-14s | %7s %6s %6s %6s | %7s %6s %8s | %7s %6s %7s | %s %s\n", f, cell(b), ratio(b, mean("limit", f)), ratio(b, mean("kernel", f)),
            ratio(b, mean("libpcap", f)), cell(u), ratio(u, mean("limit", f)), (b == "" || u == "" ? "-" : sprintf("%+6.0f%%", 100 * (b - u) / u)),
            cell(s), ratio(s, mean("libpcap", f)), cell(t["socket", f, "unblinded", "singleCall"]),
            cell(t["socket", f, "interpreter", "batch"]), cell(t["socket", f, "interpreter", "singleCall"])
    }
    print "(batch, single: the default settings, constant blinding on for unsigned programs; unblind: bpf.ConstantBlinding=off)"
    if (hasBase) {
        print ""
        print "What the engine changes since the baseline bought (same run; ns per packet, baseline -> this commit)"
        printf "%-14s | %-24s | %-24s | %-24s\n", "filter", "batch (default)", "batch (blinding off)", "single call (default)"
        for (i = 1; i <= n; i++) {
            f = order[i]
            printf "%-14s | %s | %s | %s\n", f, change(f, "compiled", "batch"), change(f, "unblinded", "batch"), change(f, "compiled", "singleCall")
        }
    }
    print ""
    print "Seccomp: kernel = ns per syscall added by the filter (loop with the filter - loop without; unfiltered call in brackets);"
    print "Sluice = ns per record, on the same probe call repeated (as the kernel loop) and on the 10,000-record syscall mix"
    printf "%-6s %5s | %-24s | %-17s %-17s | %-8s %-8s | %s\n", "policy", "insns", "kernel: getppid  persona.", "Sluice: getppid", "personality", "mix", "mix", "interpreter-only mix:"
    printf "%-6s %5s | %-24s | %-17s %-17s | %-8s %-8s | %s\n", "", "", "", "batch (ratio)", "batch (ratio)", "batch", "single", "batch  single"
    for (p in insns) if (p == "large" || p == "jitk") {
        kg = kernel[p, "getppid"]; kp = kernel[p, "personality"]
        bg = t["seccomp", p ":getppid", "compiled", "batch"]; bp = t["seccomp", p ":personality", "compiled", "batch"]
        printf "%-6s %5s | %8s %15s | %8s (%5s)  %8s (%5s)  | %8s %8s | %s %s\n", p, insns[p], cell(kg), (kp == "" ? "-" : cell(kp)),
            cell(bg), ratio(bg, kg), cell(bp), ratio(bp, kp), cell(t["seccomp", p ":mix", "compiled", "batch"]), cell(t["seccomp", p ":mix", "compiled", "singleCall"]),
            cell(t["seccomp", p ":mix", "interpreter", "batch"]), cell(t["seccomp", p ":mix", "interpreter", "singleCall"])
    }
    printf "(unfiltered system call: getppid %s ns, personality %s ns; the Jitk policy kills personality, so it has no kernel figure for it)\n", cell(base["getppid"]), cell(base["personality"])
    print ""
    print "Targets (issue 16; default settings):"
    for (i = 1; i <= n; i++) {
        f = order[i]; b = t["socket", f, "compiled", "batch"]
        if (b == "") continue
        print "  " verdict(b <= 1.2 * mean("limit", f), sprintf("batch %s at most 1.2x the gcc -O2 limit: %.2fx", f, b / mean("limit", f)))
        print "  " verdict(b <= mean("kernel", f), sprintf("batch %s at most 1.0x the kernel's JIT: %.2fx", f, b / mean("kernel", f)))
        u = t["socket", f, "unblinded", "batch"]
        if (u != "") print "  " verdict(b <= 1.1 * u, sprintf("blinding on %s at most 10%% over unblinded: %+.0f%%", f, 100 * (b - u) / u))
    }
    s = t["socket", "tcp-port-80", "compiled", "singleCall"]
    if (s != "") print "  " verdict(s <= 15, sprintf("single call tcp port 80 at most 15 ns: %.2f ns", s))
}
