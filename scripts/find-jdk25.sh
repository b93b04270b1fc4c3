# Sourced by mvnw, sluice.sh and .ci/run (POSIX sh): sets JAVA_HOME to a JDK 25, or fails with what to install.
# Order: JAVA_HOME if it is 25, then a JDK 25 under /usr/lib/jvm (SLUICE_JVM_DIR overrides, for tests),
# then `java` on PATH if it is 25.
sluice_java_major() {
    # Sets sluice_major to the JDK's major version. The release file answers without starting a JVM (about 0.1 s
    # each), and is read with the shell's own read and patterns: no process is started, which every command pays for
    # (sluice.sh runs this before each start).
    sluice_major=""
    if [ -f "$1/release" ]; then
        while IFS= read -r sluice_line || [ -n "$sluice_line" ]; do
            case "$sluice_line" in
                JAVA_VERSION=\"[0-9]*)
                    sluice_major="${sluice_line#JAVA_VERSION=\"}"
                    sluice_major="${sluice_major%%[!0-9]*}"
                    return 0
                    ;;
            esac
        done < "$1/release"
    else
        sluice_major="$("$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)"
    fi
}
sluice_is_jdk25() {
    [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] && sluice_java_major "$1" && [ "$sluice_major" = "25" ]
}
sluice_find_jdk25() {
    if [ -n "${JAVA_HOME:-}" ] && sluice_is_jdk25 "$JAVA_HOME"; then
        return 0
    fi
    sluice_given="${JAVA_HOME:-}"
    sluice_found=""
    for d in "${SLUICE_JVM_DIR:-/usr/lib/jvm}"/*; do
        if sluice_is_jdk25 "$d"; then sluice_found="$d"; break; fi
    done
    if [ -z "$sluice_found" ] && command -v java >/dev/null 2>&1; then
        j="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
        if sluice_is_jdk25 "$j"; then sluice_found="$j"; fi
    fi
    if [ -z "$sluice_found" ]; then
        echo "error: Sluice needs a JDK 25 and found none (JAVA_HOME, ${SLUICE_JVM_DIR:-/usr/lib/jvm}, PATH): install one (Debian/Ubuntu: apt-get install temurin-25-jdk from the Adoptium repository) or set JAVA_HOME to it." >&2
        return 1
    fi
    if [ -n "$sluice_given" ]; then
        echo "note: JAVA_HOME=$sluice_given is not a JDK 25; using $sluice_found" >&2
    fi
    export JAVA_HOME="$sluice_found"
    return 0
}
