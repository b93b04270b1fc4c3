#!/usr/bin/env bash
# The plugin executable for bpf_conformance's runner (it takes one path):
#   bpf_conformance_runner --test_file_directory tests --plugin_path scripts/bpf-conformance-plugin.sh --cpu_version v4
# It runs `sluice conformance-plugin` with the runner's arguments and stdin.
exec "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/sluice.sh" conformance-plugin "$@"
