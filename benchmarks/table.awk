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
    print "Targets (issue 9):"
    b = t["socket", "tcp-port-80", "compiled", "batch"]; s = t["socket", "tcp-port-80", "compiled", "singleCall"]; l = pcap["tcp-port-80"]
    if (b != "" && l != "") print "  " verdict(l / b >= 4, sprintf("batch tcp port 80 at least 4x faster than libpcap: %.2fx", l / b))
    if (s != "" && l != "") print "  " verdict(s / l <= 1.5, sprintf("single call at most 1.5x libpcap's cost (tcp port 80): %.2fx", s / l))
    kg = kernel["large", "getppid"]; kp = kernel["large", "personality"]
    b = t["seccomp", "large:getppid", "compiled", "batch"]
    if (b != "" && kg != "") print "  " verdict(b <= kg, sprintf("seccomp large, batch <= kernel filter cost, getppid (kernel's constant-action cache): %.2f vs %.2f ns", b, kg))
    b = t["seccomp", "large:personality", "compiled", "batch"]
    if (b != "" && kp != "") print "  " verdict(b <= kp, sprintf("seccomp large, batch <= kernel filter cost, personality (full filter run): %.2f vs %.2f ns", b, kp))
    b = t["seccomp", "large:mix", "compiled", "batch"]
    if (b != "" && kp != "") print "  " verdict(b <= kp, sprintf("seccomp large, batch on the syscall mix <= kernel cost of a full filter run: %.2f vs %.2f ns", b, kp))
}
