#!/usr/bin/env bash
# Fetches real nats-server builds for the integration tests from Debian's own packages:
#   bookworm -> 2.9.x, trixie -> 2.10.x, sid -> the newest packaged (2.15.x at the time of writing).
#
# How, without touching the machine's apt setup: for each suite a private apt configuration under
# .cache/nats-servers/apt/<suite>/ (APT_CONFIG) with its own sources, lists, cache, status and
# preferences. The sources are the machine's own (/etc/apt/sources.list, sources.list.d/*.list and
# *.sources) with only the suite name changed: same URIs, components, options and signed-by
# keyrings; no mirror host is written here. Then `apt-get update`, `apt-get download nats-server`
# and `dpkg -x` into .cache/nats-servers/<suite>/. The binary is a Go program needing only libc, so
# nothing is installed. Each binary is linked as .cache/nats-servers/bin/nats-server-<version>,
# which is where the tests look (or JETSTART_NATS_SERVERS).
#
# Idempotent and cached: a suite whose binary is already there is not fetched again (use --refresh
# to ask the mirrors for a newer build). A suite that cannot be fetched is reported and skipped;
# the exit status is non-zero only when no server at all is available.
#
# Usage: scripts/fetch-nats-servers.sh [--refresh] [suite ...]     (default suites: bookworm trixie sid)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cache="$root/.cache/nats-servers"
refresh=0
suites=()
for arg in "$@"; do
  case $arg in
    --refresh) refresh=1 ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fetch-nats-servers: unknown option $arg" >&2; exit 2 ;;
    *) suites+=("$arg") ;;
  esac
done
[ ${#suites[@]} -gt 0 ] || suites=(bookworm trixie sid)

say() { echo "fetch-nats-servers: $*"; }

mkdir -p "$cache/bin"
# Two builds at once (a CI job and a developer's shell) must not interleave apt runs on one cache.
exec 9>"$cache/.lock"
if command -v flock >/dev/null 2>&1; then flock 9; fi

# The release this machine's sources are written for; its suite names are the ones rewritten.
# Without VERSION_CODENAME (e.g. sid/testing images) the first plain suite in the sources is used.
host_codename=""
if [ -r /etc/os-release ]; then
  host_codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
fi

# map_suite <suite-in-sources> <target>: prints the suite to use for <target>, or nothing to drop it.
# The release itself becomes the target; its -updates/-security/-proposed-updates pockets become the
# target's (sid has none, so they are dropped); -backports and foreign suites are dropped.
map_suite() {
  local s=$1 target=$2
  case $s in
    "$host_codename") echo "$target" ;;
    "$host_codename"-updates|"$host_codename"-security|"$host_codename"-proposed-updates)
      [ "$target" = sid ] || [ "$target" = unstable ] || echo "$target-${s#"$host_codename"-}" ;;
    *) ;;
  esac
}

# rewrite_list <file> <target>: one-line format ("deb [opts] uri suite comp..."); keeps the line as
# it is except the suite; deb-src lines are dropped (only binary packages are needed).
rewrite_list() {
  local file=$1 target=$2 line line_rest type opts uri suite rest new
  while IFS= read -r line || [ -n "$line" ]; do
    line=${line%%#*}
    read -r type line_rest <<<"$line" || true
    [ "${type:-}" = deb ] || continue
    opts=""
    if [[ $line_rest == \[* ]]; then
      opts="${line_rest%%]*}]"
      line_rest=${line_rest#*]}
    fi
    read -r uri suite rest <<<"$line_rest"
    [ -n "${suite:-}" ] || continue
    new=$(map_suite "$suite" "$target")
    [ -n "$new" ] || continue
    echo "deb ${opts:+$opts }$uri $new $rest"
  done <"$file"
}

# rewrite_sources <file> <target>: deb822 format; each stanza is kept verbatim (URIs, Components,
# Signed-By including inline keys, options) except Types (deb only) and Suites (mapped).
rewrite_sources() {
  local file=$1 target=$2
  awk -v target="$target" -v host="$host_codename" '
    function map(s) {
      if (s == host) return target
      if (s == host "-updates" || s == host "-security" || s == host "-proposed-updates") {
        if (target == "sid" || target == "unstable") return ""
        return target substr(s, length(host) + 1)
      }
      return ""
    }
    function flush(   i, n, parts, out, t, keep) {
      if (nlines == 0) return
      keep = enabled && hasdeb && suites != ""
      if (keep) {
        n = split(suites, parts, /[ \t]+/); out = ""
        for (i = 1; i <= n; i++) if (parts[i] != "") { t = map(parts[i]); if (t != "" && index(" " out " ", " " t " ") == 0) out = out (out == "" ? "" : " ") t }
        if (out != "") {
          if (printed) print ""
          for (i = 1; i <= nlines; i++) {
            if (lines[i] ~ /^[Tt]ypes:/) print "Types: deb"
            else if (lines[i] ~ /^[Ss]uites:/) print "Suites: " out
            else print lines[i]
          }
          printed = 1
        }
      }
      nlines = 0; suites = ""; hasdeb = 0; enabled = 1; field = ""
    }
    BEGIN { nlines = 0; enabled = 1; printed = 0 }
    /^#/ { next }
    /^[ \t]*$/ { flush(); next }
    {
      if ($0 ~ /^[^ \t]/) { field = tolower(substr($0, 1, index($0, ":") - 1)) }
      lines[++nlines] = $0
      v = substr($0, index($0, ":") + 1); gsub(/^[ \t]+|[ \t]+$/, "", v)
      if ($0 ~ /^[Ss]uites:/) suites = v
      if ($0 ~ /^[Tt]ypes:/) hasdeb = (index(" " v " ", " deb ") > 0)
      if ($0 ~ /^[Ee]nabled:/) enabled = (tolower(v) != "no")
    }
    END { flush() }
  ' "$file"
}

# private_apt <suite>: writes the private apt configuration for <suite>; prints its apt.conf path.
private_apt() {
  local suite=$1 d f n=0 native
  d="$cache/apt/$suite"
  mkdir -p "$d/sources.list.d" "$d/lists/partial" "$d/cache/archives/partial" "$d/conf.d" "$d/preferences.d"
  : >"$d/status"
  rm -f "$d/sources.list.d/"*
  if [ -z "$host_codename" ]; then
    host_codename=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
      | awk '$1=="deb"{for(i=2;i<=NF;i++) if($i !~ /^\[|\]$|=/ && $i ~ /:\/\//){print $(i+1); exit}}')
    [ -n "$host_codename" ] || host_codename=$(awk 'tolower($1)=="suites:"{print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  fi
  if [ -f /etc/apt/sources.list ]; then
    rewrite_list /etc/apt/sources.list "$suite" >"$d/sources.list.d/00-sources.list"
  fi
  for f in /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    rewrite_list "$f" "$suite" >"$d/sources.list.d/$(basename "$f")"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    rewrite_sources "$f" "$suite" >"$d/sources.list.d/$(basename "$f")"
  done
  for f in "$d/sources.list.d/"*; do
    if [ -s "$f" ]; then n=$((n + 1)); else rm -f "$f"; fi
  done
  [ "$n" -gt 0 ] || return 1

  # The machine's apt.conf.d is kept (proxies, Check-Valid-Until for snapshot mirrors), linked into
  # a private parts folder that ends with our own file: it clears the hooks those parts install
  # (PackageKit, AppStream refresh) so a private update never triggers system-side work, and it
  # re-asserts the private folders in case a system part set them.
  rm -f "$d/conf.d/"*
  [ -f /etc/apt/apt.conf ] && ln -s /etc/apt/apt.conf "$d/conf.d/00system-apt.conf"
  for f in /etc/apt/apt.conf.d/*; do
    [ -f "$f" ] || continue
    case $(basename "$f") in *[!A-Za-z0-9_.-]*|*.dpkg-*|*.ucf-*|*~) continue ;; esac
    ln -s "$f" "$d/conf.d/$(basename "$f")"
  done
  native=$(dpkg --print-architecture)
  cat >"$d/apt.conf" <<EOF
// Private apt configuration for fetching nats-server from Debian $suite; written by $0.
Dir::Etc::main "/dev/null";
Dir::Etc::parts "$d/conf.d";
Dir::Etc::SourceList "/dev/null";
Dir::Etc::SourceParts "$d/sources.list.d";
Dir::Etc::preferences "/dev/null";
Dir::Etc::preferencesparts "$d/preferences.d";
Dir::State "$d";
Dir::State::Lists "$d/lists";
Dir::State::status "$d/status";
Dir::State::extended_states "$d/extended_states";
Dir::Cache "$d/cache";
Dir::Cache::archives "$d/cache/archives";
APT::Architectures { "$native"; };
Acquire::Languages "none";
Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled "false";
EOF
  {
    echo "// Last part read: undo system hooks, keep every folder private."
    echo "#clear APT::Update::Pre-Invoke;"
    echo "#clear APT::Update::Post-Invoke;"
    echo "#clear APT::Update::Post-Invoke-Success;"
    echo "#clear DPkg::Pre-Invoke;"
    echo "#clear DPkg::Post-Invoke;"
    echo "#clear DPkg::Pre-Install-Pkgs;"
    grep '^Dir::' "$d/apt.conf"
  } >"$d/conf.d/zzzz-jetstart-private"
  echo "$d/apt.conf"
}

# version_of <binary>: "2.10.27" from "nats-server: v2.10.27".
version_of() { "$1" --version 2>/dev/null | sed -n 's/.*v\([0-9][0-9.]*[0-9A-Za-z.+-]*\).*/\1/p' | head -n 1; }

# link_binary <suite> <path inside the suite folder>
link_binary() {
  local suite=$1 rel=$2 v l
  v=$(version_of "$cache/$suite/$rel")
  if [ -z "$v" ]; then say "$suite: $rel does not run (nats-server --version failed)"; return 1; fi
  # A refreshed suite replaces its old build's link; builds from other suites stay.
  for l in "$cache/bin"/nats-server-*; do
    if [ -L "$l" ]; then case $(readlink "$l") in "../$suite/"*) rm -f "$l" ;; esac; fi
  done
  ln -sfn "../$suite/$rel" "$cache/bin/nats-server-$v"
  echo "$v" >"$cache/$suite/VERSION"
  say "$suite: nats-server $v -> .cache/nats-servers/bin/nats-server-$v"
}

fetch_suite() {
  local suite=$1 conf d log deb candidate rel
  d="$cache/$suite"
  if [ "$refresh" = 0 ] && [ -f "$d/VERSION" ] && [ -x "$cache/bin/nats-server-$(cat "$d/VERSION")" ]; then
    say "$suite: nats-server $(cat "$d/VERSION") (cached)"
    return 0
  fi
  if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg >/dev/null 2>&1; then
    say "$suite: unavailable (needs apt-get and dpkg, i.e. a Debian or Ubuntu machine; or set JETSTART_NATS_SERVERS)"
    return 1
  fi
  if ! conf=$(private_apt "$suite"); then
    say "$suite: unavailable (no Debian source in /etc/apt to derive it from)"
    return 1
  fi
  log="$cache/apt/$suite/update.log"
  say "$suite: apt-get update (private config, log: ${log#"$root"/})"
  if ! APT_CONFIG="$conf" apt-get -q -o APT::Update::Error-Mode=any update >"$log" 2>&1; then
    # Error-Mode=any makes a missing pocket (e.g. no trixie-updates on a mirror) an error too;
    # what matters is whether nats-server is known afterwards.
    say "$suite: apt-get update reported errors (see ${log#"$root"/}); trying what was fetched"
  fi
  candidate=$(APT_CONFIG="$conf" apt-cache policy nats-server 2>/dev/null | awk '/Candidate:/{print $2}')
  if [ -z "$candidate" ] || [ "$candidate" = "(none)" ]; then
    say "$suite: unavailable (no nats-server package; see ${log#"$root"/})"
    return 1
  fi
  mkdir -p "$cache/debs"
  rm -f "$cache/debs/$suite"-*.deb
  if ! (cd "$cache/apt/$suite/cache" && APT_CONFIG="$conf" apt-get -q download "nats-server=$candidate" >>"$log" 2>&1); then
    say "$suite: apt-get download nats-server=$candidate failed (see ${log#"$root"/})"
    return 1
  fi
  deb=$(ls -t "$cache/apt/$suite/cache"/nats-server_*.deb | head -n 1)
  mv "$deb" "$cache/debs/$suite-$(basename "$deb")"
  deb="$cache/debs/$suite-$(basename "$deb")"
  rm -rf "$d.tmp"
  dpkg -x "$deb" "$d.tmp"
  # usr/sbin in Debian's packages; looked up rather than assumed.
  rel=$(cd "$d.tmp" && find . -type f -name nats-server -perm -u+x | sed 's|^\./||' | sort | head -n 1)
  if [ -z "$rel" ]; then
    say "$suite: $(basename "$deb") holds no nats-server executable"
    rm -rf "$d.tmp"
    return 1
  fi
  rm -rf "$d"
  mv "$d.tmp" "$d"
  link_binary "$suite" "$rel" || return 1
  # The package indexes (tens of MB per suite) are only needed to download; --refresh fetches them again.
  rm -rf "$cache/apt/$suite/lists" "$cache/apt/$suite/cache"
}

ok=0
for s in "${suites[@]}"; do
  if fetch_suite "$s"; then ok=$((ok + 1)); fi
done

echo "fetch-nats-servers: available in .cache/nats-servers/bin (JETSTART_NATS_SERVERS):"
found=0
for b in "$cache/bin"/nats-server-*; do
  [ -x "$b" ] || continue
  found=$((found + 1))
  echo "  $(basename "$b"): $("$b" --version 2>&1 | head -n 1)"
done
if [ "$found" = 0 ]; then
  echo "fetch-nats-servers: no nats-server could be obtained (suites tried: ${suites[*]})" >&2
  exit 1
fi
if [ "$ok" -lt "${#suites[@]}" ]; then
  say "$ok of ${#suites[@]} suites fetched; the integration tests need bookworm (2.9), trixie (2.10) and a 2.14+ build"
fi
