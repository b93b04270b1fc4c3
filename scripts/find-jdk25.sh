# Sourced by mvnw, sluice.sh and .ci/run (POSIX sh): sets JAVA_HOME to a JDK 25, or fails with what to install.
# Order: JAVA_HOME if it is 25, then a JDK 25 under /usr/lib/jvm (SLUICE_JVM_DIR overrides, for tests),
# then `java` on PATH if it is 25.
sluice_java_major() {
    # The JDK's release file answers without starting a JVM (about 0.1 s each); java -version when it has none.
    if [ -f "$1/release" ]; then
        sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" | head -1
    else
        "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1
    fi
}
sluice_is_jdk25() {
    [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] && [ "$(sluice_java_major "$1")" = "25" ]
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
