# Sourced by ./jetstart: jetstart_wants_vector COMMAND [ARG ...] succeeds when that command should
# start its JVM with bin/vector.args (the vector record checksum, jdk.incubator.vector).
#
# Why the launcher decides: a JVM cannot add a module once started, and every JVM that resolves an
# incubating module prints "WARNING: Using incubator modules" on stderr, which users read as
# something wrong. So the module is added only where the vector hash will really be used: the
# recovery's own rule (RecordHashSource: the store's *.blk files add up to at least
# -Djetstart.hash.vectorMinBytes, default 256 MiB) applied to the directories named on the command
# line, or, for generate and demo, to the bytes they will write. Where this guesses "no" the JVM
# uses the scalar hash: slower on a big store, never wrong.
#
# Overrides: JETSTART_VECTOR=1 / JETSTART_VECTOR=0; -Djetstart.hash=vector|scalar and
# -Djetstart.hash.vectorMinBytes=N in JETSTART_JAVA_OPTS are honoured as the JVM honours them.

jetstart_vector_min_bytes() {
  local opt min=268435456
  for opt in ${JETSTART_JAVA_OPTS:-}; do
    case $opt in -Djetstart.hash.vectorMinBytes=*) min=${opt#*=} ;; esac
  done
  case $min in ''|*[!0-9]*) min=268435456 ;; esac
  echo "$min"
}

# Sum of the sizes of the *.blk files below each directory argument.
jetstart_block_bytes() {
  local a total=0 n
  for a in "$@"; do
    [ -d "$a" ] || continue
    n=$(find "$a" -name '*.blk' -type f -printf '%s\n' 2>/dev/null | awk '{s+=$1} END {printf "%d", s}')
    total=$((total + ${n:-0}))
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

jetstart_wants_vector() {
  local cmd=${1:-} opt bytes streams messages payload
  case ${JETSTART_VECTOR:-} in 1) return 0 ;; 0) return 1 ;; esac
  for opt in ${JETSTART_JAVA_OPTS:-}; do
    case $opt in
      -Djetstart.hash=vector) return 0 ;;
      -Djetstart.hash=scalar) return 1 ;;
    esac
  done
  [ $# -gt 0 ] && shift
  case $cmd in
    recover|inspect|dump|verify)
      bytes=$(jetstart_block_bytes "$@") ;;
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
      case "$streams$messages$payload" in *[!0-9]*) return 1 ;; esac
      bytes=$((streams * messages * (payload + 40))) ;;
    *) return 1 ;;
  esac
  [ "$bytes" -ge "$(jetstart_vector_min_bytes)" ]
}
