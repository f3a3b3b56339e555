#!/usr/bin/env bash
# Throughput and RTT through the forwarder's Local forward against OpenSSH's ssh -L, both crossing the
# same real link: a veth pair into a network namespace of the script's own, where a private sshd
# (aes128-gcm) and the targets (Bench.java serve, on the namespace's loopback) run. Measured on a
# clean link, then with LOSS_PERCENT of the packets dropped at random both ways (iptables
# statistic inside the namespace; this kernel has no netem). DELAY_MS=N adds a third condition: N ms
# more round trip, every packet towards the namespace held N ms by bench/nfq_delay.py (iptables -j
# NFQUEUE on the namespace's INPUT; REORDER_PERCENT=P releases that share at once, i.e. ahead of
# packets queued before them). Only that direction: held in the sender's own OUTPUT hook, a packet
# still counts against its socket's TCP small queue, and the sender stalls at ~2 packets per delay. Rounds interleave ssh and the forwarder; the table gives median
# (min-max) and forwarder / ssh of the medians, all from the same run.
# Needs root, iproute2 and iptables (.ci/run installs them). Everything it creates is named after
# its pid (sshtf-PID-1, stfPIDh1/stfPIDn1, an unreachable route 10.213.X.0/30 metric 4213) and
# removed on exit; leftovers of a dead run are removed at start (NetworkNamespace does the same).
# Usage: bench/faults.sh [ROUNDS] [SECONDS] [LOSS_PERCENT]     (default: 3 5 2)
set -euo pipefail
# shellcheck source=bench/common.sh
source "$(dirname "$0")/common.sh"
ROUNDS=${1:-3}; SECS=${2:-5}; LOSS=${3:-2}
RTT_CLEAN=${RTT_CLEAN:-20000}; RTT_LOSSY=${RTT_LOSSY:-1000}   # samples; each lost ping costs a ~200 ms retransmit
DELAY_MS=${DELAY_MS:-0}; REORDER_PERCENT=${REORDER_PERCENT:-0}; RTT_DELAYED=${RTT_DELAYED:-300}
[ "$(id -u)" = 0 ] || { echo "bench/faults.sh needs root (network namespace, veth, iptables)" >&2; exit 1; }
command -v iptables >/dev/null || { echo "iptables is missing (apt-get install -y iptables)" >&2; exit 1; }

NS=sshtf-$$-1; HV=stf$$h1; NV=stf$$n1; METRIC=4213
# Leftovers of runs that died (their pid is gone).
for n in $(ip netns list | awk '{print $1}' | grep -E '^sshtf-[0-9]+-[0-9]+$' || true); do
  p=${n#sshtf-}; p=${p%%-*}
  if ! kill -0 "$p" 2>/dev/null; then
    for q in $(ip netns pids "$n"); do kill -9 "$q" 2>/dev/null || true; done
    ip netns del "$n" || true
  fi
done
for l in $(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E '^stf[0-9]+[hn][0-9]+$' || true); do
  p=${l#stf}; p=${p%%[hn]*}; kill -0 "$p" 2>/dev/null || ip link del "$l" || true
done
for s in $(ip route show type unreachable | awk -v m=$METRIC '$2 ~ /^10\.213\.[0-9]+\.0\/30$/ && $4 == m {print $2}'); do
  ip -o -4 addr show | grep -q " ${s%.0/30}\." || ip route del unreachable "$s" metric $METRIC || true
done
X=1; while ip -o -4 addr show | grep -q " 10\.213\.$X\." || ip route show type unreachable | grep -q "10\.213\.$X\.0/"; do X=$((X + 1)); done
HA=10.213.$X.1; NA=10.213.$X.2; SUBNET=10.213.$X.0/30

fault_cleanup() {
  cleanup   # common.sh: stops the processes it started (also those inside the namespace), removes $W
  sleep 0.5
  for q in $(ip netns pids "$NS" 2>/dev/null); do kill -9 "$q" 2>/dev/null || true; done
  ip netns del "$NS" 2>/dev/null || true
  ip link del "$HV" 2>/dev/null || true
  ip route del unreachable "$SUBNET" metric $METRIC 2>/dev/null || true
}
trap fault_cleanup EXIT
ip netns add "$NS"
ip link add "$HV" type veth peer name "$NV" netns "$NS"
ip link set dev "$HV" gso_max_segs 1; ip -n "$NS" link set dev "$NV" gso_max_segs 1   # wire-sized packets, as on a NIC
ip addr add "$HA/30" dev "$HV"; ip route add unreachable "$SUBNET" metric $METRIC; ip link set dev "$HV" up
ip -n "$NS" addr add "$NA/30" dev "$NV"; ip -n "$NS" link set dev "$NV" up; ip -n "$NS" link set dev lo up
nsx() { ip netns exec "$NS" "$@"; }

# Targets on the namespace's loopback, sshd on its veth address.
ECHO=$(port); SINK=$(port); SOURCE=$(port)
nsx java bench/Bench.java serve "$ECHO" "$SINK" "$SOURCE" > "$W/serve.log" & pids+=($!)
mkdir -p /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$W/host" && ssh-keygen -q -t ed25519 -N '' -f "$W/id"
cp "$W/id.pub" "$W/authorized_keys"
printf '%s\n' "Port 22" "ListenAddress $NA" "HostKey $W/host" "PidFile $W/sshd.pid" "AuthorizedKeysFile $W/authorized_keys" \
  "StrictModes no" "UsePAM no" "PermitRootLogin yes" "PasswordAuthentication no" "AllowTcpForwarding yes" \
  "Ciphers aes128-gcm@openssh.com" > "$W/sshd_config"
nsx /usr/sbin/sshd -D -e -f "$W/sshd_config" 2>"$W/sshd.log" & pids+=($!)
for _ in $(seq 100); do (exec 3<>"/dev/tcp/$NA/22") 2>/dev/null && break; sleep 0.1; done
KNOWN="$NA $(cut -d' ' -f1,2 "$W/host.pub")"; echo "$KNOWN" > "$W/known_hosts"
for _ in $(seq 100); do grep -q serving "$W/serve.log" && break; sleep 0.2; done

declare -A E S O
for r in openssh forwarder; do E[$r]=$(port); S[$r]=$(port); O[$r]=$(port); done
ssh -N -i "$W/id" -o UserKnownHostsFile="$W/known_hosts" -o StrictHostKeyChecking=yes -o Ciphers=aes128-gcm@openssh.com \
  -o ExitOnForwardFailure=yes \
  -L "127.0.0.1:${E[openssh]}:127.0.0.1:$ECHO" -L "127.0.0.1:${S[openssh]}:127.0.0.1:$SINK" -L "127.0.0.1:${O[openssh]}:127.0.0.1:$SOURCE" \
  "$(whoami)@$NA" 2>"$W/ssh.log" & SSHPID=$!; pids+=($SSHPID)
HTTP=$(port)
mkdir -p "$W/secrets/key" && cp "$W/id" "$W/secrets/key/id"
cat > "$W/tunnel.yaml" <<YAML
apiVersion: sshtunnel.dev/v1alpha1
kind: SshTunnel
metadata: {name: faults}
spec:
  ssh:
    host: $NA
    port: 22
    user: $(whoami)
    privateKeySecretRef: {name: key, key: id}
    hostKey: {knownHosts: "$KNOWN"}
  forwards:
    - {name: echo, type: Local, port: ${E[forwarder]}, target: {host: 127.0.0.1, port: $ECHO}}
    - {name: sink, type: Local, port: ${S[forwarder]}, target: {host: 127.0.0.1, port: $SINK}}
    - {name: source, type: Local, port: ${O[forwarder]}, target: {host: 127.0.0.1, port: $SOURCE}}
YAML
# shellcheck disable=SC2086
java $POD_FLAGS -jar "$JAR" forward -f "$W/tunnel.yaml" --secrets-dir "$W/secrets" --http-port "$HTTP" --admitted 2>"$W/fwd.log" & FPID=$!; pids+=($FPID)
for _ in $(seq 150); do curl -sf "127.0.0.1:$HTTP/q/health/ready" >/dev/null && break; sleep 0.2; done
curl -sf "127.0.0.1:$HTTP/q/health/ready" >/dev/null || { echo "forwarder not ready: $(tail -3 "$W/fwd.log")" >&2; exit 1; }
for r in openssh forwarder; do wait_port "${E[$r]}"; wait_port "${S[$r]}"; wait_port "${O[$r]}"; done

loss() {  # loss PERCENT: drop that share of the packets on the veth, both ways (0: none)
  nsx iptables -w -F INPUT; nsx iptables -w -F OUTPUT
  [ -z "${DPID:-}" ] || { kill "$DPID"; wait "$DPID" 2>/dev/null || true; DPID=; }
  [ "$1" = 0 ] && return
  local p; p=$(awk -v l="$1" 'BEGIN {printf "%.4f", l / 100}')
  nsx iptables -w -A INPUT -i "$NV" -m statistic --mode random --probability "$p" -j DROP
  nsx iptables -w -A OUTPUT -o "$NV" -m statistic --mode random --probability "$p" -j DROP
}
delay() {  # delay MS: every packet into the namespace held MS ms in userspace (NFQUEUE), REORDER_PERCENT released at once
  nsx iptables -w -F INPUT; nsx iptables -w -F OUTPUT
  nsx python3 bench/nfq_delay.py 0 "$1" "$REORDER_PERCENT" > "$W/nfq.log" 2>&1 & DPID=$!; pids+=($DPID)
  for _ in $(seq 50); do grep -q ready "$W/nfq.log" && break; sleep 0.1; done
  grep -q ready "$W/nfq.log" || { echo "nfq_delay.py: $(cat "$W/nfq.log")" >&2; exit 1; }
  nsx iptables -w -A INPUT -i "$NV" -j NFQUEUE --queue-num 0
}
dropped() { nsx iptables -w -L -v -x -n | awk '$3 == "DROP" {s += $1} END {print s + 0}'; }

declare -A R
# Warm-up (not counted): the forwarder's JIT, both relays' first connections.
for r in openssh forwarder; do java bench/Bench.java throughput "${S[$r]}" 3 1 >/dev/null; java bench/Bench.java rtt "${E[$r]}" 2000 >/dev/null; done
CONDS=(clean lossy); [ "$DELAY_MS" = 0 ] || CONDS+=(delayed)
for cond in "${CONDS[@]}"; do
  case $cond in clean) loss 0; N=$RTT_CLEAN;; lossy) loss "$LOSS"; N=$RTT_LOSSY;; delayed) delay "$DELAY_MS"; N=$RTT_DELAYED;; esac
  before=$(dropped)
  for _ in $(seq "$ROUNDS"); do
    for r in openssh forwarder; do
      R[$cond|$r|up]+="$(java bench/Bench.java throughput "${S[$r]}" "$SECS" 1) "
      R[$cond|$r|down]+="$(java bench/Bench.java download "${O[$r]}" "$SECS" 1) "
      read -r a b <<<"$(java bench/Bench.java rtt "${E[$r]}" "$N")"; R[$cond|$r|p50]+="$a "; R[$cond|$r|p99]+="$b "
    done
  done
  R[$cond|dropped]=$(( $(dropped) - before ))
done
loss 0
kill -0 "$SSHPID" && kill -0 "$FPID" || { echo "a relay died during the run" >&2; exit 1; }
RECONNECTS=$(curl -sf "127.0.0.1:$HTTP/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["session"].get("reconnects", 0))' 2>/dev/null || echo "?")

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
range() { tr ' ' '\n' | grep -v '^$' | sort -g | awk 'NR == 1 {lo = $1} {hi = $1} END {print lo "-" hi}'; }
echo "Link: veth into a network namespace, $ROUNDS rounds x $SECS s; lossy = $LOSS % random drop each way"
[ "$DELAY_MS" = 0 ] || echo "delayed = every packet towards the namespace held $DELAY_MS ms by nfq_delay.py, $REORDER_PERCENT % of them not (reordered)"
echo "(packets dropped: ${R[clean|dropped]} clean, ${R[lossy|dropped]} lossy; forwarder session reconnects: $RECONNECTS)"
echo
echo "| link | metric (median, min-max) | OpenSSH ssh -L | forwarder | forwarder / OpenSSH |"
echo "|---|---|---|---|---|"
for cond in "${CONDS[@]}"; do
  for m in up down p50 p99; do
    case $m in up) name="throughput client→target, MiB/s";; down) name="throughput target→client, MiB/s";;
               p50) name="RTT p50, µs";; p99) name="RTT p99, µs";; esac
    o=${R[$cond|openssh|$m]}; f=${R[$cond|forwarder|$m]}
    label=$cond; [ $cond = lossy ] && label="$LOSS % loss"
    [ $cond = delayed ] && label="+$DELAY_MS ms RTT, $REORDER_PERCENT % reordered"
    printf '| %s | %s | %s (%s) | %s (%s) | %s |\n' "$label" "$name" "$(echo "$o" | median)" "$(echo "$o" | range)" \
      "$(echo "$f" | median)" "$(echo "$f" | range)" \
      "$(awk -v a="$(echo "$f" | median)" -v b="$(echo "$o" | median)" 'BEGIN {printf "%.2fx", a / b}')"
  done
done
