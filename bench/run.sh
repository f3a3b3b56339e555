#!/usr/bin/env bash
# Data-plane benchmark: the same workloads through raw loopback, socat, OpenSSH `ssh -N -L` and the
# forwarder, interleaved and repeated, all on 127.0.0.1 with a private sshd (aes128-gcm).
# Usage: bench/run.sh [ROUNDS] [SECONDS]     (needs sshd, ssh, socat, a JDK; builds the jar if missing)
#        CHANNELS=10000 bench/run.sh 1 1     also holds that many channels open through ssh -L and the
#                                            forwarder at the end (needs ulimit -n above CHANNELS + 1000)
set -euo pipefail
# shellcheck source=bench/common.sh
source "$(dirname "$0")/common.sh"
ROUNDS=${1:-3}
SECS=${2:-5}

ECHO=$(port); SINK=$(port); SSHD=$(port)
java bench/Bench.java serve "$ECHO" "$SINK" >/dev/null & pids+=($!)
mkdir -p /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$W/host" && ssh-keygen -q -t ed25519 -N '' -f "$W/id"
cp "$W/id.pub" "$W/authorized_keys"
cat > "$W/sshd_config" <<CFG
Port $SSHD
ListenAddress 127.0.0.1
HostKey $W/host
PidFile $W/sshd.pid
AuthorizedKeysFile $W/authorized_keys
StrictModes no
UsePAM no
PermitRootLogin yes
PasswordAuthentication no
AllowTcpForwarding yes
Ciphers aes128-gcm@openssh.com
MaxStartups 1000
CFG
/usr/sbin/sshd -D -e -f "$W/sshd_config" 2>"$W/sshd.log" & pids+=($!)
wait_port "$SSHD"
KNOWN="[127.0.0.1]:$SSHD $(cut -d' ' -f1,2 "$W/host.pub")"
echo "$KNOWN" > "$W/known_hosts"

# Each relay gets two ports: one to the echo server, one to the sink.
declare -A E S
E[raw]=$ECHO; S[raw]=$SINK
E[socat]=$(port); S[socat]=$(port)
socat TCP-LISTEN:${E[socat]},bind=127.0.0.1,fork,reuseaddr,nodelay TCP:127.0.0.1:$ECHO,nodelay & pids+=($!)
socat TCP-LISTEN:${S[socat]},bind=127.0.0.1,fork,reuseaddr TCP:127.0.0.1:$SINK & pids+=($!)
E[openssh]=$(port); S[openssh]=$(port)
ssh -N -i "$W/id" -o UserKnownHostsFile="$W/known_hosts" -o StrictHostKeyChecking=yes -o Ciphers=aes128-gcm@openssh.com \
  -L "127.0.0.1:${E[openssh]}:127.0.0.1:$ECHO" -L "127.0.0.1:${S[openssh]}:127.0.0.1:$SINK" -p "$SSHD" "$(whoami)@127.0.0.1" & SSHPID=$!; pids+=($SSHPID)
E[forwarder]=$(port); S[forwarder]=$(port); HTTP=$(port)
mkdir -p "$W/secrets/key" && cp "$W/id" "$W/secrets/key/id"
cat > "$W/tunnel.yaml" <<YAML
apiVersion: sshtunnel.dev/v1alpha1
kind: SshTunnel
metadata: {name: bench}
spec:
  ssh:
    host: 127.0.0.1
    port: $SSHD
    user: $(whoami)
    privateKeySecretRef: {name: key, key: id}
    hostKey: {knownHosts: "$KNOWN"}
  forwards:
    - {name: echo, type: Local, port: ${E[forwarder]}, target: {host: 127.0.0.1, port: $ECHO}}
    - {name: sink, type: Local, port: ${S[forwarder]}, target: {host: 127.0.0.1, port: $SINK}}
YAML
java -XX:+UseSerialGC -jar "$JAR" forward -f "$W/tunnel.yaml" --secrets-dir "$W/secrets" --http-port "$HTTP" --http-address 127.0.0.1 2>"$W/forwarder.log" & FWD=$!; pids+=($FWD)
for p in ${E[socat]} ${E[openssh]} ${E[forwarder]}; do wait_port "$p"; done
for _ in $(seq 100); do curl -sf "127.0.0.1:$HTTP/q/health/ready" >/dev/null && break; sleep 0.1; done

RELAYS=(raw socat openssh forwarder)
declare -A TP TP8 P50 P99 CPS C50 C99
for round in $(seq "$ROUNDS"); do
  for r in "${RELAYS[@]}"; do
    TP[$r]+="$(java bench/Bench.java throughput "${S[$r]}" "$SECS" 1) "
    TP8[$r]+="$(java bench/Bench.java throughput "${S[$r]}" "$SECS" 8) "
    read -r a b <<<"$(java bench/Bench.java rtt "${E[$r]}" 20000)"; P50[$r]+="$a "; P99[$r]+="$b "
    read -r c d e f <<<"$(java bench/Bench.java connect "${E[$r]}" "$SECS")"; CPS[$r]+="$c "; C50[$r]+="$d "; C99[$r]+="$e "
  done
done
RSS=$(awk '/VmRSS/ {print $2}' /proc/$FWD/status)

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
range() { tr ' ' '\n' | grep -v '^$' | sort -g | awk 'NR==1{min=$1} {max=$1} END {print min "-" max}'; }
row() { # name metric-array higher-is-better
  local name=$1; local -n m=$2; local ref; ref=$(echo "${m[openssh]}" | median)
  printf '| %s |' "$name"
  for r in "${RELAYS[@]}"; do printf ' %s (%s) |' "$(echo "${m[$r]}" | median)" "$(echo "${m[$r]}" | range)"; done
  printf ' %s |\n' "$(python3 -c "print(f'{float(\"$(echo "${m[forwarder]}" | median)\")/float(\"$ref\"):.2f}x')")"
}
echo "rounds=$ROUNDS seconds=$SECS $(nproc) cores, $(ssh -V 2>&1 | cut -d, -f1), $(java -version 2>&1 | head -1)"
echo "| metric (median, min-max) | raw loopback | socat | OpenSSH ssh -L | forwarder | forwarder / OpenSSH |"
echo "|---|---|---|---|---|---|"
row "throughput 1 stream, MiB/s" TP
row "throughput 8 streams, MiB/s" TP8
row "RTT p50, us" P50
row "RTT p99, us" P99
row "new connections/s" CPS
row "connection setup p50, us" C50
row "connection setup p99, us" C99
echo "forwarder RSS after the run: $((RSS / 1024)) MiB"

if [ "${CHANNELS:-0}" -gt 0 ]; then
  # N connections held open at once through one relay, each after one round trip; the relay's RSS
  # while they are all open. The echo server spends a thread per connection too.
  echo "| $CHANNELS concurrent channels | opened ok | failed | seconds to open | relay RSS while held, MiB |"
  echo "|---|---|---|---|---|"
  declare -A RELAY_PID=([openssh]=$SSHPID [forwarder]=$FWD)
  for r in openssh forwarder; do
    mkfifo "$W/hold-$r"
    java -Xss256k bench/Bench.java hold "${E[$r]}" "$CHANNELS" < "$W/hold-$r" > "$W/hold-$r.out" & HOLD=$!
    exec 7>"$W/hold-$r"
    until [ -s "$W/hold-$r.out" ] || ! kill -0 "$HOLD" 2>/dev/null; do sleep 0.5; done
    read -r ok failed secs < "$W/hold-$r.out" || true
    printf '| %s | %s | %s | %s | %s |\n' "$r" "$ok" "$failed" "$secs" "$(( $(awk '/VmRSS/ {print $2}' /proc/${RELAY_PID[$r]}/status) / 1024 ))"
    exec 7>&-
    wait "$HOLD" 2>/dev/null || true
    sleep 3
  done
fi
