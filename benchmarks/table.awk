# Formats benchmarks/target/compare/results.txt (written by compare.sh) as the comparison table.
# Ratios are Sluice's cost divided by the peer's: below 1 means Sluice is faster.
$1 == "#" { print; next }
$1 == "insns" { insns[$2] = $3 }
$1 == "libpcap" { pcap[$2] = $3; order[++n] = $2 }
$1 == "kernel" { sub(/^seccomp-/, "", $2); sub(/\.bpf$/, "", $2); kernel[$2, $3] = $6; base[$3] = $4 }
$1 == "sluice" { t[$2, $3, $4, $5] = $6 }
function cell(v) { return v == "" ? "     -" : sprintf("%6.2f", v) }
function ratio(a, b) { return (a == "" || b == "" || b <= 0) ? "    -" : sprintf("%5.2f", a / b) }
function verdict(ok, what) { return (ok ? "MET    " : "MISSED ") what }
END {
    print ""
    print "Packet filters: ns per packet over the 10,000-frame set (ratio = Sluice / libpcap; below 1 = Sluice faster)"
    printf "%-14s %5s %8s | %8s %6s | %8s %6s | %s\n", "filter", "insns", "libpcap", "batch", "ratio", "single", "ratio", "interpreter-only: batch single"
    for (i = 1; i <= n; i++) {
        f = order[i]
        b = t["socket", f, "compiled", "batch"]; s = t["socket", f, "compiled", "singleCall"]
        printf "%-14s %5s %8s | %8s %6s | %8s %6s | %s %s\n", f, insns[f], cell(pcap[f]), cell(b), ratio(b, pcap[f]), cell(s), ratio(s, pcap[f]),
            cell(t["socket", f, "interpreter", "batch"]), cell(t["socket", f, "interpreter", "singleCall"])
    }
    print ""
    print "Seccomp: kernel = added ns per syscall with the filter installed (loop with filter - loop without);"
    print "Sluice = ns per record over the 10,000-record syscall mix (ratio = Sluice / kernel)"
    printf "%-8s %5s | %8s %8s | %8s %6s %6s | %8s | %s\n", "policy", "insns", "getppid", "persona.", "batch", "/getp", "/pers", "single", "interpreter-only: batch single"
    for (p in insns) if (p == "large" || p == "jitk") {
        b = t["seccomp", p, "compiled", "batch"]; s = t["seccomp", p, "compiled", "singleCall"]
        printf "%-8s %5s | %8s %8s | %8s %6s %6s | %8s | %s %s\n", p, insns[p], cell(kernel[p, "getppid"]), cell(kernel[p, "personality"]),
            cell(b), ratio(b, kernel[p, "getppid"]), ratio(b, kernel[p, "personality"]), cell(s),
            cell(t["seccomp", p, "interpreter", "batch"]), cell(t["seccomp", p, "interpreter", "singleCall"])
    }
    printf "(unfiltered syscall: getppid %s ns, personality %s ns)\n", cell(base["getppid"]), cell(base["personality"])
    print ""
    print "Targets (issue 9):"
    b = t["socket", "tcp-port-80", "compiled", "batch"]; s = t["socket", "tcp-port-80", "compiled", "singleCall"]; l = pcap["tcp-port-80"]
    if (b != "" && l != "") print "  " verdict(l / b >= 4, sprintf("batch tcp port 80 at least 4x faster than libpcap: %.2fx", l / b))
    if (s != "" && l != "") print "  " verdict(s / l <= 1.5, sprintf("single call at most 1.5x libpcap's cost (tcp port 80): %.2fx", s / l))
    b = t["seccomp", "large", "compiled", "batch"]
    if (b != "" && kernel["large", "getppid"] != "") print "  " verdict(b <= kernel["large", "getppid"], sprintf("seccomp large batch <= kernel filter cost (getppid probe): %.2f vs %.2f ns", b, kernel["large", "getppid"]))
    if (b != "" && kernel["large", "personality"] != "") print "  " verdict(b <= kernel["large", "personality"], sprintf("seccomp large batch <= kernel filter cost (personality probe, full filter run): %.2f vs %.2f ns", b, kernel["large", "personality"]))
}
