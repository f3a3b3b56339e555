#!/usr/bin/env bash
# spec.ssh.sessions: 8 bulk streams through one tunnel with 1, 2 and 4 SSH sessions, against one ssh -L
# and against two ssh -L processes side by side (streams split between them), to one private sshd
# (aes128-gcm), all on 127.0.0.1, interleaved and repeated. Reports throughput both ways and the CPU
# seconds per GiB of the relay (ssh or forwarder) and of sshd (every sshd process: one per session).
# Usage: bench/sessions.sh [ROUNDS] [SECONDS]      FWD_FLAGS="..." for other forwarder JVM flags
set -euo pipefail
# shellcheck source=bench/common.sh
source "$(dirname "$0")/common.sh"
ROUNDS=${1:-3}
SECS=${2:-5}
FWD_FLAGS=${FWD_FLAGS:-$POD_FLAGS}
FWD_JAVA=${FWD_JAVA:-java}   # the JVM the forwarder runs on (the load generator and targets always use java)
STREAMS=8

SINK=$(port); SOURCE=$(port); ECHO=$(port)
java bench/Bench.java serve "$ECHO" "$SINK" "$SOURCE" >/dev/null & pids+=($!)
start_sshd "Ciphers aes128-gcm@openssh.com"

declare -A S O PROCS
ssh_relay() { # name: one ssh -N with -L to the sink and the source
  S[$1]=$(port); O[$1]=$(port)
  ssh -N -i "$W/id" -o UserKnownHostsFile="$W/known_hosts" -o StrictHostKeyChecking=yes -o Ciphers=aes128-gcm@openssh.com \
    -o ExitOnForwardFailure=yes -L "127.0.0.1:${S[$1]}:127.0.0.1:$SINK" -L "127.0.0.1:${O[$1]}:127.0.0.1:$SOURCE" \
    -p "$SSHD" "$(whoami)@127.0.0.1" 2>"$W/$1.log" & pids+=($!); PROCS[$1]=$!
}
forwarder() { # name sessions
  S[$1]=$(port); O[$1]=$(port)
  tunnel_yaml "$1" "$2" "{name: sink, type: Local, port: ${S[$1]}, target: {host: 127.0.0.1, port: $SINK}}" \
    "{name: source, type: Local, port: ${O[$1]}, target: {host: 127.0.0.1, port: $SOURCE}}"
  # shellcheck disable=SC2086
  start_forwarder "$1" "$FWD_JAVA" $FWD_FLAGS; PROCS[$1]=$FWD_PID
}
ssh_relay ssh1; ssh_relay ssh2a; ssh_relay ssh2b
forwarder s1 1; forwarder s2 2; forwarder s4 4
for p in "${S[ssh1]}" "${S[ssh2a]}" "${S[ssh2b]}"; do wait_port "$p"; done
S[ssh2]="${S[ssh2a]},${S[ssh2b]}"; O[ssh2]="${O[ssh2a]},${O[ssh2b]}"; PROCS[ssh2]="${PROCS[ssh2a]} ${PROCS[ssh2b]}"

ticks() { local t=0 p; for p in "$@"; do t=$((t + $(cpu_ticks "$p" 2>/dev/null || echo 0))); done; echo "$t"; }
sshd_pids() { echo "$SSHD_PID" $(pgrep -P "$SSHD_PID" 2>/dev/null) $(for c in $(pgrep -P "$SSHD_PID"); do pgrep -P "$c"; done 2>/dev/null); }
declare -A R
measure() { # relay direction(up|down)
  local k=$1 dir=$2 r0 s0 rate target spids
  spids=$(sshd_pids)
  # shellcheck disable=SC2086
  r0=$(ticks ${PROCS[$k]}); s0=$(ticks $spids)
  if [ "$dir" = up ]; then target=${S[$k]}; rate=$(java bench/Bench.java throughput "$target" "$SECS" "$STREAMS")
  else target=${O[$k]}; rate=$(java bench/Bench.java download "$target" "$SECS" "$STREAMS"); fi
  local gib; gib=$(python3 -c "print($rate * $SECS / 1024)")
  # shellcheck disable=SC2086
  R[$k|$dir]+="$rate "; R[$k|$dir-cpu]+="$(python3 -c "print(round(($(ticks ${PROCS[$k]}) - $r0) / 100 / $gib, 2))") "
  # shellcheck disable=SC2086
  R[$k|$dir-sshd]+="$(python3 -c "print(round(($(ticks $spids) - $s0) / 100 / $gib, 2))") "
}
RELAYS=(ssh1 ssh2 s1 s2 s4)
SAVED=$SECS; SECS=${WARMUP:-3}
for k in s1 s2 s4; do measure "$k" up; measure "$k" down; done
unset R; declare -A R; SECS=$SAVED
for _ in $(seq "$ROUNDS"); do for k in "${RELAYS[@]}"; do measure "$k" up; measure "$k" down; done; done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
range() { tr ' ' '\n' | grep -v '^$' | sort -g | awk 'NR==1{min=$1} {max=$1} END {print min "-" max}'; }
echo "rounds=$ROUNDS seconds=$SECS streams=$STREAMS $(nproc) cores, $(ssh -V 2>&1 | cut -d, -f1), forwarder on $("$FWD_JAVA" -version 2>&1 | head -1), flags: $FWD_FLAGS"
echo
echo "| $STREAMS streams (median, min-max) | one ssh -L | two ssh -L | forwarder, 1 session | 2 sessions | 4 sessions |"
echo "|---|---|---|---|---|---|"
for m in up up-cpu up-sshd down down-cpu down-sshd; do
  case $m in
    up) label="client→target MiB/s";; up-cpu) label="client→target, relay CPU s/GiB";; up-sshd) label="client→target, sshd CPU s/GiB";;
    down) label="target→client MiB/s";; down-cpu) label="target→client, relay CPU s/GiB";; down-sshd) label="target→client, sshd CPU s/GiB";;
  esac
  printf '| %s |' "$label"
  for k in "${RELAYS[@]}"; do printf ' %s (%s) |' "$(echo "${R[$k|$m]}" | median)" "$(echo "${R[$k|$m]}" | range)"; done
  echo
done
