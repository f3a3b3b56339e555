#!/usr/bin/env bash
# Data-plane benchmark: the same workloads through raw loopback, socat, OpenSSH and the forwarder,
# interleaved and repeated, all on 127.0.0.1 with a private sshd (aes128-gcm).
#   Local forwards (ssh -L): raw loopback, socat, ssh -N -L, forwarder Local
#   Dynamic forwards (ssh -D, SOCKS5): ssh -N -D, forwarder Dynamic
#   Remote forwards (ssh -R): ssh -N -R, forwarder Remote (the client connects to sshd's listener)
# Usage: bench/run.sh [ROUNDS] [SECONDS]     (needs sshd, ssh, socat, a JDK; builds the jar if missing)
#        CHANNELS=10000 bench/run.sh 1 1     also holds that many channels open through ssh -L and the
#                                            forwarder at the end (needs ulimit -n above CHANNELS + 1000)
#        FWD_FLAGS="..." bench/run.sh        other JVM flags for the forwarder (default: the pod's, POD_FLAGS)
#        FWD_JAVA=/path/to/bin/java bench/run.sh   another JVM for the forwarder (default: java on PATH)
set -euo pipefail
# shellcheck source=bench/common.sh
source "$(dirname "$0")/common.sh"
ROUNDS=${1:-3}
SECS=${2:-5}
FWD_FLAGS=${FWD_FLAGS:-$POD_FLAGS}
FWD_JAVA=${FWD_JAVA:-java}   # the JVM the forwarder runs on (the load generator and targets always use java)

ECHO=$(port); SINK=$(port); SOURCE=$(port)
java bench/Bench.java serve "$ECHO" "$SINK" "$SOURCE" >/dev/null & pids+=($!)
start_sshd "Ciphers aes128-gcm@openssh.com"

# Every relay gets an address for each target: E (echo), S (sink), O (source). Keys: relay name.
declare -A E S O DPORT
E[raw]=$ECHO; S[raw]=$SINK; O[raw]=$SOURCE
E[socat]=$(port); S[socat]=$(port); O[socat]=$(port)
for t in "${E[socat]}:$ECHO" "${S[socat]}:$SINK" "${O[socat]}:$SOURCE"; do
  socat "TCP-LISTEN:${t%%:*},bind=127.0.0.1,fork,reuseaddr,nodelay" "TCP:127.0.0.1:${t##*:},nodelay" 2>>"$W/socat.log" & pids+=($!)
done
# One ssh and one forwarder process, each with all of its forwards on one session.
for r in openssh forwarder; do
  E[$r]=$(port); S[$r]=$(port); O[$r]=$(port)              # Local
  D=$(port); E[$r-D]=$D/$ECHO; S[$r-D]=$D/$SINK; O[$r-D]=$D/$SOURCE; DPORT[$r]=$D   # Dynamic
  E[$r-R]=$(port); S[$r-R]=$(port); O[$r-R]=$(port)        # Remote: ports sshd listens on
done
ssh -N -i "$W/id" -o UserKnownHostsFile="$W/known_hosts" -o StrictHostKeyChecking=yes -o Ciphers=aes128-gcm@openssh.com \
  -o ExitOnForwardFailure=yes \
  -L "127.0.0.1:${E[openssh]}:127.0.0.1:$ECHO" -L "127.0.0.1:${S[openssh]}:127.0.0.1:$SINK" -L "127.0.0.1:${O[openssh]}:127.0.0.1:$SOURCE" \
  -D "127.0.0.1:${DPORT[openssh]}" \
  -R "127.0.0.1:${E[openssh-R]}:127.0.0.1:$ECHO" -R "127.0.0.1:${S[openssh-R]}:127.0.0.1:$SINK" -R "127.0.0.1:${O[openssh-R]}:127.0.0.1:$SOURCE" \
  -p "$SSHD" "$(whoami)@127.0.0.1" 2>"$W/ssh.log" & SSHPID=$!; pids+=($SSHPID)
tunnel_yaml forwarder 1 \
  "{name: echo, type: Local, port: ${E[forwarder]}, target: {host: 127.0.0.1, port: $ECHO}}" \
  "{name: sink, type: Local, port: ${S[forwarder]}, target: {host: 127.0.0.1, port: $SINK}}" \
  "{name: source, type: Local, port: ${O[forwarder]}, target: {host: 127.0.0.1, port: $SOURCE}}" \
  "{name: socks, type: Dynamic, port: ${DPORT[forwarder]}}" \
  "{name: recho, type: Remote, bindAddress: 127.0.0.1, port: ${E[forwarder-R]}, target: {host: 127.0.0.1, port: $ECHO}}" \
  "{name: rsink, type: Remote, bindAddress: 127.0.0.1, port: ${S[forwarder-R]}, target: {host: 127.0.0.1, port: $SINK}}" \
  "{name: rsource, type: Remote, bindAddress: 127.0.0.1, port: ${O[forwarder-R]}, target: {host: 127.0.0.1, port: $SOURCE}}"
# shellcheck disable=SC2086
start_forwarder forwarder "$FWD_JAVA" $FWD_FLAGS; FWD=$FWD_PID
for p in ${E[socat]} ${E[openssh]} ${E[forwarder]} ${E[openssh-R]}; do wait_port "$p"; done
declare -A PID=([openssh]=$SSHPID [forwarder]=$FWD)

# Results: R[<relay>|<metric>] holds one value per round.
declare -A R
measure() { # relay key (raw, socat, openssh, forwarder, openssh-D, ...), process for CPU accounting or ""
  local k=$1 proc=$2 c0 a b c d e
  [ -n "$proc" ] && c0=$(cpu_ticks "$proc")
  a=$(java bench/Bench.java throughput "${S[$k]}" "$SECS" 1)
  [ -n "$proc" ] && R[$k|cpu]+="$(python3 -c "print(round(($(cpu_ticks "$proc") - $c0) / 100 / ($a * $SECS / 1024), 2))") "
  R[$k|up1]+="$a "
  R[$k|down1]+="$(java bench/Bench.java download "${O[$k]}" "$SECS" 1) "
  if [[ $k != *-* ]]; then   # 8 streams for the Local forwards
    R[$k|up8]+="$(java bench/Bench.java throughput "${S[$k]}" "$SECS" 8) "
    R[$k|down8]+="$(java bench/Bench.java download "${O[$k]}" "$SECS" 8) "
  fi
  read -r a b <<<"$(java bench/Bench.java rtt "${E[$k]}" 20000)"; R[$k|p50]+="$a "; R[$k|p99]+="$b "
  read -r c d e _ <<<"$(java bench/Bench.java connect "${E[$k]}" "$SECS")"; R[$k|cps]+="$c "; R[$k|c50]+="$d "; R[$k|c99]+="$e "
}
# Warm-up, not counted: every workload once through ssh and each forwarder type, so the JIT has compiled
# its hot paths (a fresh JVM needs some 10 s of traffic; see docs/benchmarks.md).
SAVED_SECS=$SECS; SECS=${WARMUP:-3}
for k in openssh forwarder forwarder-D forwarder-R forwarder; do measure "$k" ""; done
unset R; declare -A R; SECS=$SAVED_SECS
for round in $(seq "$ROUNDS"); do
  for k in raw socat openssh forwarder openssh-D forwarder-D openssh-R forwarder-R; do
    measure "$k" "${PID[${k%%-*}]:-}"
  done
done
RSS=$(awk '/VmRSS/ {print $2}' /proc/$FWD/status)

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
range() { tr ' ' '\n' | grep -v '^$' | sort -g | awk 'NR==1{min=$1} {max=$1} END {print min "-" max}'; }
table() { # title, suffix ("" Local, -D, -R), relays...
  local title=$1 sfx=$2; shift 2; local relays=("$@")
  echo; echo "$title"
  printf '| metric (median, min-max) |'; for r in "${relays[@]}"; do printf ' %s |' "$r"; done; echo ' forwarder / OpenSSH |'
  printf '|---|'; for _ in "${relays[@]}"; do printf -- '---|'; done; echo '---|'
  local m label
  for m in up1 up8 down1 down8 p50 p99 cps c50 c99 cpu; do
    [ -n "${R[openssh$sfx|$m]:-}" ] || continue
    case $m in
      up1) label="throughput client→target, 1 stream, MiB/s";; up8) label="throughput client→target, 8 streams, MiB/s";;
      down1) label="throughput target→client, 1 stream, MiB/s";; down8) label="throughput target→client, 8 streams, MiB/s";;
      p50) label="RTT p50, µs";; p99) label="RTT p99, µs";; cps) label="new connections/s";;
      c50) label="connection setup p50, µs";; c99) label="connection setup p99, µs";;
      cpu) label="relay CPU s per GiB (client→target)";;
    esac
    printf '| %s |' "$label"
    for r in "${relays[@]}"; do
      local v=${R[$r$sfx|$m]:-}
      if [ -n "$v" ]; then printf ' %s (%s) |' "$(echo "$v" | median)" "$(echo "$v" | range)"; else printf ' — |'; fi
    done
    printf ' %s |\n' "$(python3 -c "print(f'{float(\"$(echo "${R[forwarder$sfx|$m]}" | median)\")/float(\"$(echo "${R[openssh$sfx|$m]}" | median)\"):.2f}x')")"
  done
}
echo "rounds=$ROUNDS seconds=$SECS $(nproc) cores, $(ssh -V 2>&1 | cut -d, -f1), forwarder on $("$FWD_JAVA" -version 2>&1 | head -1), flags: $FWD_FLAGS"
table "Local forward (ssh -L)" "" raw socat openssh forwarder
table "Dynamic forward (ssh -D, SOCKS5 handshake in every connection)" -D openssh forwarder
table "Remote forward (ssh -R)" -R openssh forwarder
echo; echo "forwarder RSS after the run: $((RSS / 1024)) MiB"

if [ "${CHANNELS:-0}" -gt 0 ]; then
  # N connections held open at once through one relay, each after one round trip; the relay's RSS
  # while they are all open. The echo server spends a thread per connection too.
  echo; echo "| $CHANNELS concurrent channels | opened ok | failed | seconds to open | relay RSS while held, MiB |"
  echo "|---|---|---|---|---|"
  for r in openssh forwarder; do
    mkfifo "$W/hold-$r"
    java -Xss256k bench/Bench.java hold "${E[$r]}" "$CHANNELS" < "$W/hold-$r" > "$W/hold-$r.out" & HOLD=$!
    exec 7>"$W/hold-$r"
    until [ -s "$W/hold-$r.out" ] || ! kill -0 "$HOLD" 2>/dev/null; do sleep 0.5; done
    read -r ok failed secs < "$W/hold-$r.out" || true
    printf '| %s | %s | %s | %s | %s |\n' "$r" "$ok" "$failed" "$secs" "$(( $(awk '/VmRSS/ {print $2}' /proc/${PID[$r]}/status) / 1024 ))"
    exec 7>&-
    wait "$HOLD" 2>/dev/null || true
    sleep 3
  done
fi
