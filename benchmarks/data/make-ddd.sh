#!/usr/bin/env bash
# Regenerates the packet-filter workloads with tcpdump (libpcap's compiler) for Ethernet (-y EN10MB).
# The committed .ddd files were made with the versions recorded in tcpdump-version.txt.
set -euo pipefail
cd "$(dirname "$0")"
hosts=""
for i in $(seq 1 16); do hosts="$hosts${hosts:+ or }host 10.0.0.$i"; done
host_list="$hosts or net 192.168.0.0/16 or net 172.16.0.0/12 or net 100.64.0.0/10"
emit() { # name expression
    tcpdump -y EN10MB -ddd "$2" > "$1.ddd"
    printf '%s\t%s\t%s\n' "$1" "$(head -1 "$1.ddd")" "$2" >> filters.tsv
}
printf 'name\tinstructions\texpression\n' > filters.tsv
emit tcp-port-80 'tcp port 80'
emit udp-dst-53 'ip and udp and dst port 53'
emit vlan-tcp-syn 'vlan and tcp[tcpflags] & tcp-syn != 0'
emit host-list "$host_list"
tcpdump --version 2>&1 | head -2 > tcpdump-version.txt
