#!/usr/bin/env bash
# scripts/launcher-checks.sh: what ./jetstart must survive, checked on a fresh clone of this
# commit in a folder whose path has a space (about 2 minutes: one build, one cache training).
#   1. launchers started together in the fresh clone, 0-9 s apart: every one prints its report
#      (they built in the same target/ folders at once and failed: "bad class file")
#   2. a truncated AOT cache: stdout is still the report alone, and the cache is trained again
#   3. an AOT cache the JVM cannot use (-XX:-UseCompressedOops, as -Xmx32g or more): stdout clean
#   4. a clone the user cannot write to (as nobody, when run as root): no training attempted
#   5. JAVA_HOME pointing at nothing: the JDK 25 under /usr/lib/jvm is found
#   6. the launcher started through a symbolic link in another folder (~/bin/jetstart)
# Usage: scripts/launcher-checks.sh [COMMIT] (default HEAD; an older commit shows what was broken).
# Prints one line per check; exit status 1 when one failed. The clone is deleted at the end.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/jetstart-launcher.XXXXXX")
trap 'rm -rf "$work"' EXIT
clone="$work/with space/jetstart"
mkdir -p "$work/with space"
git clone --quiet --no-hardlinks "$repo" "$clone"
git -C "$clone" checkout --quiet --detach "$(git -C "$repo" rev-parse "${1:-HEAD}")"
store="$work/store"
cp -r "$repo/testdata/fixtures/nats-2.15.1-small/store" "$store"
failed=0
check() { # check NAME CONDITION-STATUS
  if [ "$2" = 0 ]; then echo "ok    $1"; else echo "FAIL  $1"; failed=1; fi
}
json_only() { # the file holds one JSON object and nothing before it
  [ "$(head -c 1 "$1")" = "{" ] && [ "$(wc -l <"$1")" -eq 1 ]
}

# 1
pids=()
for delay in 0 2 5 9; do
  (sleep "$delay"; cd "$clone" && ./jetstart inspect "$store" --json >"$work/race.$delay.out" 2>"$work/race.$delay.err") &
  pids+=($!)
done
ok=0
for i in "${!pids[@]}"; do wait "${pids[$i]}" || ok=1; done
for delay in 0 2 5 9; do json_only "$work/race.$delay.out" || ok=1; done
check "4 launchers started 0-9 s apart in a fresh clone all print their report" "$ok"

# 2
aot="$clone/cli/target/jetstart.aot"   # a small store's read: no vector module, so this cache
truncate -s 1000000 "$aot"
ok=0
(cd "$clone" && ./jetstart inspect "$store" --json >"$work/trunc.out" 2>"$work/trunc.err") || ok=1
json_only "$work/trunc.out" || ok=1
grep -q "training the start-up cache" "$work/trunc.err" || ok=1
[ "$(wc -c <"$aot")" -gt 1000000 ] || ok=1
check "a truncated AOT cache is trained again and stdout holds only the report" "$ok"

# 3
ok=0
(cd "$clone" && JETSTART_JAVA_OPTS=-XX:-UseCompressedOops ./jetstart inspect "$store" --json >"$work/oops.out" 2>"$work/oops.err") || ok=1
json_only "$work/oops.out" || ok=1
check "an AOT cache the JVM cannot use warns on stderr, not on stdout" "$ok"

# 4
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
  rm -f "$clone"/cli/target/*.aot "$clone"/cli/target/*.aot.id
  chmod -R a+rX "$work"
  ok=0
  (cd "$clone" && setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$work" \
    ./jetstart inspect "$store" --json >"$work/ro.out" 2>"$work/ro.err") || ok=1
  json_only "$work/ro.out" || ok=1
  if grep -q "training the start-up cache" "$work/ro.err"; then ok=1; fi
  check "a clone the user cannot write to runs without training a cache" "$ok"
else
  echo "skip  a clone the user cannot write to (run as root with setpriv to check it)"
fi

# 5
ok=0
(cd "$clone" && JAVA_HOME=/nonexistent ./jetstart --version >"$work/jh.out" 2>&1) || ok=1
grep -q "on JDK 2[5-9]" "$work/jh.out" || ok=1
check "JAVA_HOME pointing at nothing: a JDK 25 is found" "$ok"

# 6
ok=0
mkdir -p "$work/bin"
ln -s "$clone/jetstart" "$work/bin/jetstart"
(cd "$work" && bin/jetstart --version >"$work/ln.out" 2>&1) || ok=1
grep -q "on JDK 2[5-9]" "$work/ln.out" || ok=1
check "started through a symbolic link in another folder" "$ok"

exit "$failed"
