# Sourced by ./jetstart: jetstart_jit_choice COMMAND [ARG ...] prints which JIT options that
# command's JVM should get besides bin/jvm.args:
#
#   vector   bin/vector.args: the vector record checksum (jdk.incubator.vector) and its C2 hints
#   quick    bin/quick-jit.args: C1 only (a short store-reading command on a store of many small files)
#   tiered   nothing more: the JVM's default tiered compilation (C1, then C2 for hot code)
#
# jetstart_wants_vector COMMAND [ARG ...] succeeds when the choice is "vector".
#
# Why the launcher decides: a JVM cannot add a module once started, and every JVM that resolves an
# incubating module prints "WARNING: Using incubator modules" on stderr, which users read as
# something wrong. So the module is added only where the vector hash will really be used: the
# recovery's own rule (RecordHashSource: the store's *.blk files add up to at least
# -Djetstart.hash.vectorMinBytes, default 256 MiB) applied to the directories named on the command
# line, or, for generate and demo, to the bytes they will write. Where this guesses "no" the JVM
# uses the scalar hash: slower on a big store, never wrong.
#
# The compile policy follows the same bytes. A store-reading command (recover, inspect, dump,
# verify) on a store below that size does little work per file over many small files (meta.inf,
# index.db, o.dat, and the scalar hash on a rebuild): in a fresh JVM, C2 compiling it cost more CPU
# than it saved, on the same two cores as the workers. Measured as CPU time (user+sys) of a fresh
# JVM (docs/benchmarks-passes.md): 1,000 streams x 1,000 messages, 2 consumers each, 1.67 s tiered vs
# 1.08 s C1 only with index.db intact, 2.31 s vs 1.49 s rebuilding; a 231 MB two-stream rebuild
# (the scalar hash's largest) level, 1.32 s vs 1.26 s. The vector hash is fast only in C2 code, so
# a store that gets it keeps tiered compilation, and so does every other command (a long-running
# one needs C2).
#
# Overrides: JETSTART_VECTOR=1 / JETSTART_VECTOR=0 and JETSTART_QUICK_JIT=1 / JETSTART_QUICK_JIT=0;
# -Djetstart.hash=vector|scalar and -Djetstart.hash.vectorMinBytes=N in JETSTART_JAVA_OPTS are
# honoured as the JVM honours them; a -XX:TieredStopAtLevel there comes later on the command line
# and wins.

jetstart_vector_min_bytes() {
  local opt min=268435456
  for opt in ${JETSTART_JAVA_OPTS:-}; do
    case $opt in -Djetstart.hash.vectorMinBytes=*) min=${opt#*=} ;; esac
  done
  case $min in ''|*[!0-9]*) min=268435456 ;; esac
  echo "$min"
}

# Sum of the sizes of the block files of the store in each directory argument: its
# jetstream/<account>/streams/<stream>/msgs/*.blk, or <account>/streams/<stream>/msgs/*.blk when the
# argument is the jetstream/ folder itself (as discovery looks). Only there: a walk of the whole
# tree below the argument took 6.7 s before a JVM started for `jetstart inspect /` (and as long for
# a home folder, a --key-file's folder, a mount), only to be told that no store is there.
jetstart_block_bytes() {
  local a r acct total=0 n
  for a in "$@"; do
    [ -d "$a" ] || continue
    r=$a
    [ -d "$a/jetstream" ] && r="$a/jetstream"
    for acct in "$r"/*/; do
      [ -d "${acct}streams" ] || continue
      n=$(find "${acct}streams" -mindepth 3 -maxdepth 3 -path '*/msgs/*.blk' -type f -printf '%s\n' 2>/dev/null |
        awk '{s+=$1} END {printf "%d", s}') || true
      total=$((total + ${n:-0}))
    done
  done
  echo "$total"
}

# Value of option $1 among the remaining arguments (--opt V or --opt=V), or $2 when absent.
jetstart_opt() {
  local name=$1 dflt=$2 prev="" a
  shift 2
  for a in "$@"; do
    if [ "$prev" = "$name" ]; then echo "$a"; return; fi
    case $a in "$name"=*) echo "${a#*=}"; return ;; esac
    prev=$a
  done
  echo "$dflt"
}

# How many bytes the command reads or writes, as the rules above count them; "" for a command that
# reads no store.
jetstart_command_bytes() {
  local cmd=${1:-} streams messages payload
  [ $# -gt 0 ] && shift
  case $cmd in
    recover|inspect|dump|verify)
      jetstart_block_bytes "$@" ;;
    generate|demo)
      # What they write: streams x messages x (payload + 40): a record is 30 bytes + subject +
      # payload (spec 3.2), and a guess on the high side errs towards the faster hash.
      # demo's defaults are DemoCommand's (8 x 250,000 x 100 B, just over 256 MiB).
      if [ "$cmd" = demo ]; then
        streams=$(jetstart_opt --streams 8 "$@"); messages=$(jetstart_opt --messages 250000 "$@")
        payload=$(jetstart_opt --payload 100 "$@")
      else
        streams=$(jetstart_opt --streams 0 "$@"); messages=$(jetstart_opt --messages 0 "$@")
        payload=$(jetstart_opt --payload 0 "$@")
      fi
      case "$streams$messages$payload" in *[!0-9]*) echo 0; return ;; esac
      echo $((streams * messages * (payload + 40))) ;;
    *) echo "" ;;
  esac
}

jetstart_jit_choice() {
  local cmd=${1:-} opt vector="" quick="" bytes
  case ${JETSTART_VECTOR:-} in 1) vector=yes ;; 0) vector=no ;; esac
  for opt in ${JETSTART_JAVA_OPTS:-}; do
    case $opt in
      -Djetstart.hash=vector) [ -n "$vector" ] || vector=yes ;;
      -Djetstart.hash=scalar) [ -n "$vector" ] || vector=no ;;
    esac
  done
  case ${JETSTART_QUICK_JIT:-} in 1) quick=yes ;; 0) quick=no ;; esac
  # One walk of the store for both rules (a store of 1,000 streams takes a few hundred ms to walk).
  if [ -z "$vector" ] || [ -z "$quick" ]; then
    bytes=$(jetstart_command_bytes "$@")
  fi
  if [ -z "$vector" ]; then
    if [ -n "$bytes" ] && [ "$bytes" -ge "$(jetstart_vector_min_bytes)" ]; then vector=yes; else vector=no; fi
  fi
  if [ "$vector" = yes ]; then echo vector; return; fi
  if [ -z "$quick" ]; then
    case $cmd in recover|inspect|dump|verify) quick=yes ;; *) quick=no ;; esac
  fi
  if [ "$quick" = yes ]; then echo quick; else echo tiered; fi
}

jetstart_wants_vector() {
  [ "$(jetstart_jit_choice "$@")" = vector ]
}
