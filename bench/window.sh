#!/usr/bin/env bash
# Channel window vs path length: download throughput (target -> client, the direction the forwarder's
# window governs) through ssh -L and the forwarder when the SSH connection crosses a path with
# ONE_WAY_MS of delay each way (Bench.java delay; this kernel has no netem), plus the forwarder's
# RSS. OLD_JAR=path/to/quarkus-run.jar adds another forwarder build (e.g. a fixed 2 MiB window).
# Usage: bench/window.sh [SECONDS] [ONE_WAY_MS...]     (default: 5 s; 0 5 25 ms)
set -euo pipefail
# shellcheck source=bench/common.sh
source "$(dirname "$0")/common.sh"
SECS=${1:-5}; shift || true
DELAYS=("${@:-0 5 25}"); read -r -a DELAYS <<< "${DELAYS[*]}"
ECHO=$(port); SINK=$(port); SOURCE=$(port)
java bench/Bench.java serve "$ECHO" "$SINK" "$SOURCE" >/dev/null & pids+=($!)
start_sshd "Ciphers aes128-gcm@openssh.com"
wait_port "$SOURCE"

forwarder() { # JAR DELAYED_SSHD_PORT LOCAL_PORT HTTP_PORT
  cat > "$W/tunnel-$3.yaml" <<YAML
apiVersion: sshtunnel.dev/v1alpha1
kind: SshTunnel
metadata: {name: window, namespace: default}
spec:
  ssh:
    host: 127.0.0.1
    port: $2
    user: $(whoami)
    privateKeySecretRef: {name: key, key: id}
    hostKey: {knownHosts: "$(sed "s/\[127.0.0.1\]:$SSHD/[127.0.0.1]:$2/" "$W/known_hosts")"}
  forwards: [{name: bulk, type: Local, port: $3, target: {host: 127.0.0.1, port: $SOURCE}}]
YAML
  mkdir -p "$W/secrets/key" && cp "$W/id" "$W/secrets/key/id"
  # shellcheck disable=SC2086
  java $POD_FLAGS -jar "$1" forward -f "$W/tunnel-$3.yaml" --secrets-dir "$W/secrets" --http-port "$4" 2>"$W/fwd-$3.log" &
  FPID=$!; pids+=($FPID)
  for _ in $(seq 100); do curl -sf "127.0.0.1:$4/q/health/ready" >/dev/null && return 0; sleep 0.2; done
  echo "forwarder not ready: $(tail -3 "$W/fwd-$3.log")" >&2; exit 1
}
rss() { awk '/VmRSS/ {print int($2/1024)}' "/proc/$1/status"; }

echo "| one-way delay | ssh -L MiB/s | forwarder MiB/s | forwarder / ssh |${OLD_JAR:+ old forwarder MiB/s | old / ssh |} forwarder RSS MiB |"
echo "|---|---|---|---|${OLD_JAR:+---|---|}---|"
for d in "${DELAYS[@]}"; do
  DP=$(port)
  java bench/Bench.java delay "$DP" "$SSHD" "$d" >/dev/null & DPID=$!; pids+=($DPID)
  wait_port "$DP"
  L=$(port)
  ssh -N -i "$W/id" -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -o LogLevel=ERROR \
    -o Ciphers=aes128-gcm@openssh.com -L "127.0.0.1:$L:127.0.0.1:$SOURCE" -p "$DP" "$(whoami)@127.0.0.1" & SPID=$!; pids+=($SPID)
  wait_port "$L"
  SSH_R=$(java bench/Bench.java download "$L" "$SECS" 1)
  kill "$SPID"
  F=$(port); H=$(port)
  forwarder "$JAR" "$DP" "$F" "$H"
  FWD_R=$(java bench/Bench.java download "$F" "$SECS" 1)
  FWD_RSS=$(rss "$FPID"); kill "$FPID"
  [ -z "${KEEP_LOGS:-}" ] || cp "$W/fwd-$F.log" "$KEEP_LOGS/"
  OLD=""
  if [ -n "${OLD_JAR:-}" ]; then
    F=$(port); H=$(port)
    forwarder "$OLD_JAR" "$DP" "$F" "$H"
    OLD_R=$(java bench/Bench.java download "$F" "$SECS" 1); kill "$FPID"
    OLD=" $OLD_R | $(awk -v a="$OLD_R" -v b="$SSH_R" 'BEGIN {printf "%.2fx", a/b}') |"
  fi
  echo "| $d ms | $SSH_R | $FWD_R | $(awk -v a="$FWD_R" -v b="$SSH_R" 'BEGIN {printf "%.2fx", a/b}') |$OLD $FWD_RSS |"
  kill "$DPID"
done
