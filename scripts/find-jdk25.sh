# Sourced by sluice.sh and .ci/run: sets JAVA_HOME to a JDK 25, or fails with what to install.
# Order: JAVA_HOME if it is 25, then a JDK 25 under /usr/lib/jvm, then `java` on PATH if it is 25.
sluice_java_major() {
    "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1
}
sluice_find_jdk25() {
    if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] && [ "$(sluice_java_major "$JAVA_HOME")" = "25" ]; then
        return 0
    fi
    for d in /usr/lib/jvm/*; do
        if [ -x "$d/bin/java" ] && [ -x "$d/bin/javac" ] && [ "$(sluice_java_major "$d")" = "25" ]; then
            export JAVA_HOME="$d"
            return 0
        fi
    done
    if command -v java >/dev/null 2>&1; then
        local j
        j="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
        if [ "$(sluice_java_major "$j")" = "25" ]; then
            export JAVA_HOME="$j"
            return 0
        fi
    fi
    echo "error: Sluice needs a JDK 25 (25.0.3 or later 25.x) and found none." >&2
    echo "       Set JAVA_HOME, or install one, e.g. on Debian/Ubuntu: apt-get install temurin-25-jdk (Adoptium repository)" >&2
    echo "       or download Temurin 25 from adoptium.net and point JAVA_HOME at it." >&2
    return 1
}
