#!/usr/bin/env bash
# Throughput through an HTTP CONNECT proxy (tinyproxy on loopback): the forwarder with spec.ssh.proxy side by side with
# ssh -o ProxyCommand through the same proxy (socat's PROXY: address; netcat-openbsd's `nc -X connect -x` is the
# same, where installed), and both without the proxy, interleaved round by round. One Local forward (one stream) per
# client, to a sink (throughput: client→target) and from a source (download: target→client). Prints each round, then
# the medians in MiB/s with the ratio to ssh through the proxy and the relays' CPU ticks (1/100 s; for ssh+proxy the
# ssh client's and socat's together, tinyproxy's apart).
# Usage: bench/proxy.sh ROUNDS SECONDS
set -euo pipefail
# shellcheck source=bench/common.sh
source "$(dirname "$0")/common.sh"
ROUNDS=$1; SECS=$2
SINK=$(port); SOURCE=$(port); ECHO=$(port); PROXY=$(port)
java bench/Bench.java serve "$ECHO" "$SINK" "$SOURCE" >/dev/null & pids+=($!)
start_sshd "Ciphers aes128-gcm@openssh.com"
printf '%s\n' "Port $PROXY" "Listen 127.0.0.1" "Timeout 600" "MaxClients 20" "Allow 127.0.0.1" "ConnectPort $SSHD" \
  "LogLevel Warning" "LogFile \"$W/tinyproxy.log\"" "PidFile \"$W/tinyproxy.pid\"" > "$W/tinyproxy.conf"
tinyproxy -d -c "$W/tinyproxy.conf" >/dev/null 2>&1 & TP=$!; pids+=($TP)
wait_port "$PROXY"
declare -A S O P
ssh_client() {  # ssh_client NAME [PROXYCOMMAND]
  local opts=(-N -i "$W/id" -o UserKnownHostsFile="$W/known_hosts" -o Ciphers=aes128-gcm@openssh.com)
  [ -n "${2:-}" ] && opts+=(-o "ProxyCommand=$2")
  S[$1]=$(port); O[$1]=$(port)
  ssh "${opts[@]}" -L "127.0.0.1:${S[$1]}:127.0.0.1:$SINK" -L "127.0.0.1:${O[$1]}:127.0.0.1:$SOURCE" -p "$SSHD" "$(whoami)@127.0.0.1" &
  P[$1]=$!; pids+=($!)
}
ssh_client ssh
ssh_client ssh+proxy "socat - PROXY:127.0.0.1:%h:%p,proxyport=$PROXY"
for n in fwd fwd+proxy; do
  S[$n]=$(port); O[$n]=$(port)
  tunnel_yaml "$n" 1 "{name: sink, type: Local, port: ${S[$n]}, target: {host: 127.0.0.1, port: $SINK}}" \
    "{name: source, type: Local, port: ${O[$n]}, target: {host: 127.0.0.1, port: $SOURCE}}"
done
sed -i "s|sessions: 1,|sessions: 1, proxy: {type: HTTPConnect, host: 127.0.0.1, port: $PROXY},|" "$W/fwd+proxy.yaml"
# shellcheck disable=SC2086
start_forwarder fwd java $POD_FLAGS; P[fwd]=$FWD_PID
# shellcheck disable=SC2086
start_forwarder fwd+proxy java $POD_FLAGS; P[fwd+proxy]=$FWD_PID
names=(ssh ssh+proxy fwd fwd+proxy)
for n in "${names[@]}"; do wait_port "${S[$n]}"; wait_port "${O[$n]}"; done
ticks() {  # the relay's CPU: ssh+proxy counts socat (ssh's child) with ssh
  local t; t=$(cpu_ticks "${P[$1]}")
  for c in $(pgrep -P "${P[$1]}" || true); do t=$((t + $(cpu_ticks "$c"))); done
  echo "$t"
}
run() { case $1 in throughput) java bench/Bench.java throughput "${S[$2]}" "$3" 1;; download) java bench/Bench.java download "${O[$2]}" "$3" 1;; esac; }
for n in "${names[@]}"; do run throughput "$n" 2 >/dev/null; run download "$n" 2 >/dev/null; done  # warm-up
declare -A R C
for wl in throughput download; do
  for r in $(seq "$ROUNDS"); do for n in "${names[@]}"; do
    c0=$(ticks "$n"); t0=$(cpu_ticks $TP); out=$(run $wl "$n" "$SECS"); c1=$(ticks "$n"); t1=$(cpu_ticks $TP)
    v=$(echo "$out" | cut -d' ' -f1); R[$wl.$n]+="$v "; C[$wl.$n]+="$((c1-c0)) "
    echo "$wl round $r $n: $out cpu_ticks=$((c1-c0)) tinyproxy_ticks=$((t1-t0))"
  done; done
done
med() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for wl in throughput download; do for n in "${names[@]}"; do
  m=$(echo ${R[$wl.$n]} | med); base=$(echo ${R[$wl.ssh+proxy]} | med)
  echo "$wl $n median $m MiB/s (ratio to ssh+proxy $(python3 -c "print(round($m/$base,2))")) cpu ticks median $(echo ${C[$wl.$n]} | med) [${R[$wl.$n]}]"
done; done
