#!/usr/bin/env bash
# The cost of forward probes (issue 28): one forwarder with N Local forwards (default 1,000) to an echo target
# through one private sshd, measured twice for SECONDS each, without probes and with a probe on every forward
# (intervalSeconds INTERVAL, default 30): the probes sent (the forwarder's sshtunnel_forward_probe_duration_seconds
# counts), the channels sshd opened for them (one direct-tcpip channel per Local probe; its log at DEBUG1 names
# each), and the CPU of the forwarder JVM and of sshd (every sshd process of the session), per minute and per probe.
# Usage: bench/probes.sh [N] [SECONDS] [INTERVAL]      FWD_FLAGS="..." for other forwarder JVM flags
set -euo pipefail
# shellcheck source=bench/common.sh
source "$(dirname "$0")/common.sh"
N=${1:-1000}
SECS=${2:-60}
INTERVAL=${3:-30}
FWD_FLAGS=${FWD_FLAGS:-$POD_FLAGS}

SINK=$(port); SOURCE=$(port); ECHO=$(port)
java bench/Bench.java serve "$ECHO" "$SINK" "$SOURCE" >/dev/null & pids+=($!)
start_sshd "LogLevel DEBUG1"

# N loopback ports below the ephemeral range (which the forwarder's and sshd's own connections draw from), each
# checked free now: one python per port would take longer than the measurement.
mapfile -t PORTS < <(python3 -c "
import socket
low = int(open('/proc/sys/net/ipv4/ip_local_port_range').read().split()[0])
found, port = [], 10000
while len(found) < $N and port < low:
    s = socket.socket()
    try:
        s.bind(('127.0.0.1', port)); found.append(port)
    except OSError:
        pass
    s.close(); port += 1
print('\\n'.join(map(str, found)))")
[ "${#PORTS[@]}" -eq "$N" ] || { echo "only ${#PORTS[@]} free ports below the ephemeral range" >&2; exit 1; }

yaml() { # name probe(yes|no)
  local probe="" forwards=() i
  [ "$2" = yes ] && probe=", probe: {intervalSeconds: $INTERVAL, timeoutSeconds: 5}"
  for i in $(seq 0 $((N - 1))); do
    forwards+=("{name: f$i, type: Local, port: ${PORTS[$i]}, target: {host: 127.0.0.1, port: $ECHO}$probe}")
  done
  tunnel_yaml "$1" 1 "${forwards[@]}"
}

sshd_pids() { echo "$SSHD_PID" $(pgrep -P "$SSHD_PID" 2>/dev/null) $(for c in $(pgrep -P "$SSHD_PID"); do pgrep -P "$c"; done 2>/dev/null); }
ticks() { local t=0 p; for p in "$@"; do t=$((t + $(cpu_ticks "$p" 2>/dev/null || echo 0))); done; echo "$t"; }
probes_sent() { curl -sf "127.0.0.1:$HTTP/q/metrics" | awk '/^sshtunnel_forward_probe_duration_seconds_count/ {s += $2} END {print s + 0}'; }
channels() { grep -c "server_request_direct_tcpip" "$W/sshd.log" || true; }

measure() { # name probe(yes|no)
  local name=$1 f0 s0 p0 c0 f1 s1 p1 c1 spids
  yaml "$name" "$2"
  HTTP=$(port)
  # shellcheck disable=SC2086
  java $FWD_FLAGS -jar "$JAR" forward -f "$W/$name.yaml" --secrets-dir "$W/secrets" --http-port "$HTTP" \
    --http-address 127.0.0.1 --admitted >/dev/null 2>"$W/$name.log" &
  local fwd=$!; pids+=($fwd)
  for _ in $(seq 600); do curl -sf "127.0.0.1:$HTTP/q/health/ready" >/dev/null && break; sleep 0.1; done
  curl -sf "127.0.0.1:$HTTP/q/health/ready" >/dev/null || { echo "forwarder $name not ready:"; tail "$W/$name.log"; exit 1; } >&2
  # Past start-up, and past the probes' first interval (their phases are spread over it).
  sleep "${WARMUP:-$((INTERVAL + 5))}"
  spids=$(sshd_pids)
  # shellcheck disable=SC2086
  f0=$(cpu_ticks "$fwd"); s0=$(ticks $spids); p0=$(probes_sent); c0=$(channels)
  sleep "$SECS"
  # shellcheck disable=SC2086
  f1=$(cpu_ticks "$fwd"); s1=$(ticks $spids); p1=$(probes_sent); c1=$(channels)
  kill "$fwd"; wait "$fwd" 2>/dev/null || true
  python3 - "$name" "$SECS" "$((f1 - f0))" "$((s1 - s0))" "$((p1 - p0))" "$((c1 - c0))" <<'PY'
import sys
name, secs, fwd, sshd, probes, chans = sys.argv[1], *map(int, sys.argv[2:])
per_min = 60 / secs
line = f"| {name} | {probes * per_min:.0f} | {chans * per_min:.0f} | {fwd / 100 * per_min:.2f} | {sshd / 100 * per_min:.2f} |"
if probes:
    line += f" {fwd * 10 / probes:.3f} | {sshd * 10 / probes:.3f} |"
else:
    line += " - | - |"
print(line)
PY
}

echo "$N Local forwards, one session, probe intervalSeconds $INTERVAL, ${SECS} s measured per run, $(nproc) cores,"
echo "$(ssh -V 2>&1 | cut -d, -f1), forwarder on $(java -version 2>&1 | head -1), flags: $FWD_FLAGS"
echo
echo "| run | probes/min | sshd direct-tcpip opens/min | forwarder CPU s/min | sshd CPU s/min | forwarder CPU ms/probe | sshd CPU ms/probe |"
echo "|---|---|---|---|---|---|---|"
measure no-probes no
measure probes yes
