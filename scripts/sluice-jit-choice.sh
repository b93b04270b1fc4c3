# Sourced by sluice.sh and the tarball's bin/sluice: does this command line start the JVM with the Graal compiler?
# Graal costs start-up (JVMCI, no class-data sharing with the compiler jars on the upgrade module path) and pays for
# itself only on long runs: `run` over a capture (--pcap) or a data file (--data), and --version (which reports the
# compiler). Engine options (--engine.*) ask for the compiler too. SLUICE_JIT=on|off overrides the choice.
sluice_wants_jit() {
    case "${SLUICE_JIT:-auto}" in
        on | 1 | yes) return 0 ;;
        off | 0 | no) return 1 ;;
    esac
    local subcommand="" a
    for a in "$@"; do
        case "$a" in
            --) break ;;
            --version | -V | --engine.*) return 0 ;;
            -*) ;;
            *) if [ -z "$subcommand" ]; then subcommand="$a"; fi ;;
        esac
    done
    if [ "$subcommand" = "run" ]; then
        for a in "$@"; do
            case "$a" in
                --) break ;;
                --pcap | --pcap=* | --data | --data=*) return 0 ;;
            esac
        done
    fi
    return 1
}
