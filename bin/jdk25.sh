# Sourced by ./mvnw, ./jetstart and .ci/run: exports JAVA_HOME pointing at a JDK >= 25.
# Why a script and not maven-toolchains auto-discovery: discovery re-runs in every module of every
# build (seconds each), and ./jetstart must find the JDK without Maven anyway. One finder serves both.
# Order: JAVA_HOME when it is >= 25; then the newest JDK >= 25 under /usr/lib/jvm; else a clear error.

jetstart_java_major() {
  # Prints the feature version of the JDK at $1 (e.g. 25), or nothing if it is not a JDK.
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  if [ -f "$1/release" ]; then
    sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" | head -n 1
  else
    "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1
  fi
}

jetstart_find_jdk25() {
  local v best="" bestv=0 d noglob=0
  # ./mvnw runs under `set -f`; the directory scan below needs globbing.
  case $- in *f*) noglob=1; set +f ;; esac
  if [ -n "${JAVA_HOME:-}" ]; then
    v=$(jetstart_java_major "$JAVA_HOME")
    if [ -n "$v" ] && [ "$v" -ge 25 ]; then [ "$noglob" = 1 ] && set -f; echo "$JAVA_HOME"; return 0; fi
  fi
  for d in /usr/lib/jvm/*/ /opt/java/*/ /usr/local/lib/jvm/*/; do
    [ -d "$d" ] || continue
    d=${d%/}
    v=$(jetstart_java_major "$d")
    if [ -n "$v" ] && [ "$v" -ge 25 ] && [ "$v" -gt "$bestv" ]; then best=$d; bestv=$v; fi
  done
  [ "$noglob" = 1 ] && set -f
  [ -n "$best" ] && { echo "$best"; return 0; }
  return 1
}

if JETSTART_JDK=$(jetstart_find_jdk25); then
  export JAVA_HOME="$JETSTART_JDK"
else
  echo "jetstart needs a JDK 25 or newer, and none was found." >&2
  echo "  Looked at: JAVA_HOME=${JAVA_HOME:-<unset>}, /usr/lib/jvm/*, /opt/java/*, /usr/local/lib/jvm/*" >&2
  echo "  Install one (Debian/Ubuntu with the Adoptium repository: apt-get install temurin-25-jdk)" >&2
  echo "  or set JAVA_HOME to a JDK 25 installation, then run the command again." >&2
  return 1 2>/dev/null || exit 1
fi
