# Sourced by sluice.sh and the tarball's bin/sluice. sluice_wants_jit: does this command line start the JVM with the
# Graal compiler? Graal costs start-up (JVMCI, no class-data sharing with the compiler jars on the upgrade module path
# of sluice.sh, and the compiler's own warm-up, which the tarball's AOT cache shortens but does not remove), and a
# command's run ends before it pays for itself: over captures of every size measured (up to 1.8 GB), the interpreter
# alone finished 2-4x sooner (docs/performance.md, "Runs over a capture"), because the background compiler had not
# produced code for the batch before most of the run was over. So only --version (which reports the compiler) and
# engine options (--engine.*, e.g. TraceCompilation) start it. SLUICE_JIT=on|off overrides the choice.
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

# The descriptors the caller handed the start script, as "0,1,2,..." in sluice_caller_fds: `sluice exec` passes these,
# and no descriptor the JVM opened itself (its runtime image, entropy devices, jars), on to the command it runs under
# the policy (the launcher reads them from -Dsluice.callerFds). A variable, not output: a command substitution's pipe
# would be listed too. Checked after the listing, so the listing's own descriptor is left out.
sluice_list_caller_fds() {
    local fd
    sluice_caller_fds=""
    for fd in /proc/$$/fd/*; do
        [ -e "$fd" ] && sluice_caller_fds+="${fd##*/},"
    done
    sluice_caller_fds="${sluice_caller_fds%,}"
}
