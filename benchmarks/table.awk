# Formats benchmarks/target/compare/results.txt (written by compare.sh) as the comparison tables.
# Ratios are Sluice's cost divided by the peer's: below 1 means Sluice is faster. Packet filters are keyed SET/FILTER
# (SET: generated or linkmix).
$1 == "#" { print; next }
$1 == "insns" { insns[$2] = $3 }
# peer WHEN PEER NAME NS ACCEPTED HASH MIN (WHEN: before or after Sluice's JMH run of the same filter; NS: median
# round; MIN: the fastest pass over the whole set, per packet)
$1 == "peer" {
    if ($3 == "kernel-empty") { emptyMin = (emptyMin == "" || $8 < emptyMin) ? $8 : emptyMin; next }
    if (!(($4) in seen)) { seen[$4] = 1; order[++n] = $4 }
    peer[$3, $4, $2] = $5
    if (!(($3, $4) in best) || $8 < best[$3, $4]) best[$3, $4] = $8
}
$1 == "kernel" { sub(/^seccomp-/, "", $2); sub(/\.bpf$/, "", $2); kernel[$2, $3] = $6; base[$3] = $4 }
# sluice-min FILTER TIER ENTRY MIN MEDIAN: the fastest and the median pass of the code JMH timed, after its measurement
$1 == "sluice-min" { smin[$2, $3, $4] = $5 }
$1 == "sluice" { t[$2, $3, $4, $5] = $6; if ($4 ~ /^base-/) hasBase = 1 }
# interleaved SET/FILTER MODE PARTY MIN P10 MEDIAN; interleaved-ratio SET/FILTER MODE A/B MEDIAN P10 P90 (Interleaved.java),
# one set of lines per JVM (compare.sh runs several per filter): min = the fastest pass of any JVM, a ratio = the median
# of the JVMs' medians (ilr), each JVM's own kept in the order of the runs (ilrs)
$1 == "interleaved" { if (!(($2, $3, $4) in il) || $5 < il[$2, $3, $4]) il[$2, $3, $4] = $5; if (!($2 in ilSeen)) { ilSeen[$2] = 1; nil++ } }
$1 == "interleaved-ratio" { k = $2 SUBSEP $3 SUBSEP $4; ilrs[k] = (k in ilrs) ? ilrs[k] " " $5 : $5 }
# profile SET FILTER PACKETS ACCEPTED HASH MATCH% CHANGES% MISPREDICTS/PKT BRANCHES/PKT H H|PREV (BranchProfile)
$1 == "profile" { k = $2 "/" $3; if (!(k in prof)) porder[++np] = k; prof[k] = sprintf("%6.2f %8.2f %9.3f %9.2f %7.3f %7.3f", $7, $8, $9, $10, $11, $12) }
function setOf(k,    a) { split(k, a, "/"); return a[1] }
function filterOf(k,    a) { split(k, a, "/"); return a[2] }
function cell(v) { return v == "" ? "     -" : sprintf("%6.2f", v) }
function ratio(a, b) { return (a == "" || b == "" || b <= 0) ? "    -" : sprintf("%5.2f", a / b) }
function drift(p, f) { return sprintf("%+4.0f%%", 100 * (peer[p, f, "after"] - peer[p, f, "before"]) / peer[p, f, "before"]) }
function change(f, tier, bench,    a, b) {
    a = smin[f, "base-" tier, bench]; b = smin[f, tier, bench]
    return (a == "" || b == "") ? sprintf("%-24s", "-") : sprintf("%7.2f -> %6.2f (%+4.0f%%)", a, b, 100 * (b - a) / a)
}
function verdict(ok, what) { return (ok ? "MET    " : "MISSED ") what }
function median(list,    v, m, i, j, x) {
    m = split(list, v, " ")
    for (i = 2; i <= m; i++) { x = v[i] + 0; for (j = i - 1; j >= 1 && v[j] + 0 > x; j--) v[j + 1] = v[j]; v[j + 1] = x }
    return m % 2 ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
}
# Each JVM's figure, when there were several: " (JVMs: 1.05, 1.08, 1.21)"
function perJvm(k, scale, fmt,    v, m, i, s) {
    m = split(ilrs[k], v, " ")
    if (m < 2) return ""
    for (i = 1; i <= m; i++) s = s (i > 1 ? ", " : "") sprintf(fmt, scale ? 100 * (v[i] - 1) : v[i])
    return " (JVMs: " s ")"
}
END {
    for (k in ilrs) ilr[k] = median(ilrs[k])
    print ""
    print "Packet sets (10,000 frames each): generated = frames drawn independently (PacketSet); linkmix = a link's flows, heavy-"
    print "tailed sizes, packets in trains (LinkMix). How predictable each filter's branches are on each set, from BranchProfile's"
    print "tracing interpreter (its verdicts equal libpcap's): match = accepted; changes = verdict differs from the previous"
    print "packet's; bimodal = mispredictions per packet of a 2-bit counter per conditional jump; H = entropy of the path"
    print "through the filter, H|prev = given the previous packet's path (bits)"
    printf "%-9s %-14s | %6s %8s %9s %9s %7s %7s\n", "set", "filter", "match%", "changes%", "bimodal", "branches", "H", "H|prev"
    for (i = 1; i <= np; i++) printf "%-9s %-14s | %s\n", setOf(porder[i]), filterOf(porder[i]), prof[porder[i]]
    print ""
    print "Packet filters, ns per packet over each 10,000-frame set. Every figure is the fastest pass over the whole set (min),"
    print "the cost when nothing else ran on the core: the machine is shared. The peers ran just before and just after"
    print "Sluice on the same filter (min of both); med = median timed round, with its drift from before to after."
    print "limit = the filter as straight-line C, gcc -O2, same loop. kernel = the kernel's JIT, its own time per"
    print "BPF_PROG_TEST_RUN run, each packet 100 times in a row (so its branches are predicted), mean over the packets."
    printf "%-9s %-14s %5s | %-24s | %-24s | %s\n", "set", "filter", "insns", "limit: min  med (drift)", "libpcap: min  med (drift)", "kernel JIT: min"
    for (i = 1; i <= n; i++) {
        f = order[i]
        printf "%-9s %-14s %5s | %6.2f %7.2f (%s) | %6.2f %7.2f (%s) | %6.2f\n", setOf(f), filterOf(f), insns[filterOf(f)], best["limit", f], (peer["limit", f, "before"] + peer["limit", f, "after"]) / 2,
            drift("limit", f), best["libpcap", f], (peer["libpcap", f, "before"] + peer["libpcap", f, "after"]) / 2, drift("libpcap", f), best["kernel", f]
    }
    printf "(the kernel's test run of an empty program, ret #0: %.2f ns per run)\n", emptyMin
    print ""
    print "Sluice, ns per packet: min = fastest pass (as the peers); JMH = JMH's mean. Ratios of the mins (below 1 = Sluice faster)"
    printf "%-9s %-14s | %6s %6s %6s %6s %6s | %6s %6s %8s | %6s %6s %6s | %s\n", "set", "filter", "batch", "/limit", "/kern.", "/pcap", "JMH",
        "unbl.", "/limit", "blinding", "single", "/pcap", "JMH", "interpreter-only JMH: batch single"
    for (i = 1; i <= n; i++) {
        f = order[i]
        b = smin[f, "compiled", "batch"]; u = smin[f, "unblinded", "batch"]; s = smin[f, "compiled", "singleCall"]
        printf "%-9s %-14s | %6s %6s %6s %6s %6s | %6s %6s %8s | %6s %6s %6s | %s %s\n", setOf(f), filterOf(f), cell(b), ratio(b, best["limit", f]), ratio(b, best["kernel", f]),
            ratio(b, best["libpcap", f]), cell(t["socket", f, "compiled", "batch"]), cell(u), ratio(u, best["limit", f]),
            (b == "" || u == "" ? "-" : sprintf("%+6.0f%%", 100 * (b - u) / u)), cell(s), ratio(s, best["libpcap", f]), cell(t["socket", f, "compiled", "singleCall"]),
            cell(t["socket", f, "interpreter", "batch"]), cell(t["socket", f, "interpreter", "singleCall"])
    }
    print "(batch, single: the default settings, constant blinding on for unsigned programs; unbl.: bpf.ConstantBlinding=off)"
    if (nil > 0) {
        print ""
        print "Interleaved in one process (Interleaved.java): the gcc limit and Sluice's batch (counts only) over the same Java"
        print "arrays, a pass of each in turn, round after round, so that all meet the same moment of a shared machine."
        print "repeated = every pass in the capture's order, as timed above; shuffled = each round another order of the same"
        print "packets, so that no branch predictor learns the set's outcomes from pass to pass (a link never repeats itself;"
        print "on the link mix this also breaks up the flows' trains). min = fastest pass, ns per packet; x = median over the"
        print "rounds of Sluice's pass / the limit's pass of the same round; blinding = median of blinded / unblinded. Each"
        print "filter runs in several JVMs in turn (one JVM's figures can stray from the others'): min = the fastest of all, x and"
        print "blinding = the median of the JVMs' medians (each JVM's in the targets below)"
        printf "%-9s %-14s | %-40s | %s\n", "", "", "repeated (the capture's order)", "shuffled (no two passes alike)"
        printf "%-9s %-14s |", "set", "filter"
        for (m = 1; m <= 2; m++) printf "   %6s %6s %5s %6s %5s %6s %s", "limit", "batch", "x", "unbl.", "x", "blind.", m == 1 ? "|" : ""
        printf "\n"
        for (i = 1; i <= n; i++) {
            f = order[i]
            if (!(f in ilSeen)) continue
            printf "%-9s %-14s |", setOf(f), filterOf(f)
            for (m = 1; m <= 2; m++) {
                mode = m == 1 ? "repeated" : "shuffled"
                printf "   %6s %6s %5s %6s %5s %+5.0f%% %s", cell(il[f, mode, "limit"]), cell(il[f, mode, "sluice"]), sprintf("%5.2f", ilr[f, mode, "sluice/limit"]),
                    cell(il[f, mode, "sluice-unblinded"]), sprintf("%5.2f", ilr[f, mode, "sluice-unblinded/limit"]), 100 * (ilr[f, mode, "sluice/sluice-unblinded"] - 1), m == 1 ? "|" : ""
            }
            printf "\n"
        }
    }
    if (hasBase) {
        print ""
        print "What the engine changes since the baseline bought (same run; min ns per packet, baseline -> this commit)"
        printf "%-9s %-14s | %-24s | %-24s | %-24s\n", "set", "filter", "batch (default)", "batch (blinding off)", "single call (default)"
        for (i = 1; i <= n; i++) {
            f = order[i]
            printf "%-9s %-14s | %s | %s | %s\n", setOf(f), filterOf(f), change(f, "compiled", "batch"), change(f, "unblinded", "batch"), change(f, "compiled", "singleCall")
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
        f = order[i]; b = smin[f, "compiled", "batch"]
        if (b == "") continue
        print "  " verdict(b <= 1.2 * best["limit", f], sprintf("batch %s at most 1.2x the gcc -O2 limit: %.2fx", f, b / best["limit", f]))
        print "  " verdict(b <= best["kernel", f], sprintf("batch %s at most 1.0x the kernel's JIT: %.2fx", f, b / best["kernel", f]))
        u = smin[f, "unblinded", "batch"]
        if (u != "") print "  " verdict(b <= 1.1 * u, sprintf("blinding on %s at most 10%% over unblinded: %+.0f%%", f, 100 * (b - u) / u))
    }
    for (i = 1; i <= n; i++) {
        f = order[i]; x = ilr[f, "shuffled", "sluice/limit"]; bl = ilr[f, "shuffled", "sluice/sluice-unblinded"]
        if (x == "") continue
        print "  " verdict(x <= 1.2, sprintf("batch %s at most 1.2x the gcc -O2 limit, interleaved, shuffled orders: %.2fx%s (fastest passes: %.2fx)", f, x,
            perJvm(f SUBSEP "shuffled" SUBSEP "sluice/limit", 0, "%.2f"), il[f, "shuffled", "sluice"] / il[f, "shuffled", "limit"]))
        print "  " verdict(bl <= 1.1, sprintf("blinding on %s at most 10%% over unblinded, interleaved, shuffled orders: %+.0f%%%s", f, 100 * (bl - 1),
            perJvm(f SUBSEP "shuffled" SUBSEP "sluice/sluice-unblinded", 1, "%+.0f%%")))
    }
    for (i = 1; i <= n; i++) {
        f = order[i]; s = smin[f, "compiled", "singleCall"]
        if (filterOf(f) == "tcp-port-80" && s != "") print "  " verdict(s <= 15, sprintf("single call tcp port 80 (%s) at most 15 ns: %.2f ns (min; JMH mean %.2f)", setOf(f), s, t["socket", f, "compiled", "singleCall"]))
    }
}
