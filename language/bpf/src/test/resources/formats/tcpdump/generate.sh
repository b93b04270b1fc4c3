#!/bin/sh
# Regenerates the tcpdump golden files from expressions.txt: for each "name<TAB>options<TAB>expression" line,
# name.ddd / name.d / name.dd are tcpdump's -ddd / -d / -dd output. Needs tcpdump (apt-get install tcpdump); lines
# with "-i lo" compile for a live interface (the Linux vlan ancillary loads) and need root.
set -eu
cd "$(dirname "$0")"
tcpdump --version 2>&1 | head -2 > VERSION
grep -v '^#' expressions.txt | while IFS='	' read -r name opts expr; do
    [ -n "$name" ] || continue
    # shellcheck disable=SC2086
    tcpdump -ddd $opts "$expr" > "$name.ddd"
    tcpdump -d $opts "$expr" > "$name.d"
    tcpdump -dd $opts "$expr" > "$name.dd"
done
