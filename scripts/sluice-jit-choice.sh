# Sourced by sluice.sh and the tarball's bin/sluice: does this command line start the JVM with the Graal compiler?
# Graal costs start-up (JVMCI, no class-data sharing with the compiler jars on the upgrade module path of sluice.sh,
# and the compiler's own warm-up, which the tarball's AOT cache shortens but does not remove), and a command's run
# ends before it pays for itself: over captures of every
# size measured (up to 1.8 GB), the interpreter alone finished 2-4x sooner (docs/performance.md, "Runs over a
# capture"), because the background compiler had not produced code for the batch before most of the run was over. So
# only --version (which reports the compiler) and engine options (--engine.*, e.g. TraceCompilation) start it.
# SLUICE_JIT=on|off overrides the choice.
sluice_wants_jit() {
    case "${SLUICE_JIT:-auto}" in
        on | 1 | yes) return 0 ;;
        off | 0 | no) return 1 ;;
    esac
    local a
    for a in "$@"; do
        case "$a" in
            --) break ;;
            --version | -V | --engine.*) return 0 ;;
        esac
    done
    return 1
}
